"""Pages of reports under ``/reports/``."""

from django.urls import URLPattern, URLResolver, path

from orbit.reporting import views

app_name = "reporting"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.run_list, name="run-list"),
    path("new/", views.report_new, name="report-new"),
    path("<int:pk>/", views.run_detail, name="run-detail"),
    path("<int:pk>/progress/", views.run_progress, name="run-progress"),
    path("<int:pk>/download/", views.run_download, name="run-download"),
    path("<int:pk>/archive/", views.run_archive, name="run-archive"),
    path("<int:pk>/restore/", views.run_restore, name="run-restore"),
]
