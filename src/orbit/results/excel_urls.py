from django.urls import path

from orbit.results import views_excel

app_name = "results_excel"

urlpatterns = [
    path("", views_excel.excel_home, name="home"),
    path("<int:pk>/export.xlsx", views_excel.excel_export, name="export"),
    path("import/", views_excel.excel_import, name="import"),
]
