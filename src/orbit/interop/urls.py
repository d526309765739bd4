from django.urls import URLPattern, URLResolver, path
from django.views.generic import RedirectView

from orbit.interop import views

app_name = "interop"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", RedirectView.as_view(pattern_name="interop:export", permanent=False), name="home"),
    path("export/", views.export, name="export"),
    path("export/<int:pk>/", views.export_detail, name="export-detail"),
    path("export/<int:pk>/download/", views.export_download, name="export-download"),
    path("import/", views.import_upload, name="import"),
    path("import/<int:pk>/", views.import_detail, name="import-detail"),
    path("import/upload/<int:pk>/", views.upload_detail, name="upload-detail"),
]
