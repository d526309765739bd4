from django.urls import include, path

from orbit.processes import views, views_dictionaries

app_name = "processes"

urlpatterns = [
    path("", views.inventory, name="inventory"),
    path("new/", views.process_create, name="process-create"),
    path("graph/", views.graph, name="graph"),
    path("pcf/", views.pcf_browse, name="pcf"),
    path("submissions/template.xlsx", views.submission_template, name="submission-template"),
    path("submissions/import/", views.submission_import, name="submission-import"),
    path("export.xlsx", views.export_xlsx, name="export-xlsx"),
    path("export-archi.zip", views.export_archi, name="export-archi"),
    path("import/", views.bpmn_upload, name="upload"),
    path("import/<int:pk>/", views.bpmn_upload_detail, name="upload-detail"),
    path("dictionaries/", views_dictionaries.dictionaries, name="dictionaries"),
    path("dictionaries/<str:name>/", views_dictionaries.dictionary, name="dictionary"),
    path("dictionaries/<str:name>/<int:pk>/", views_dictionaries.dictionary_entry, name="dictionary-entry"),
    path("dictionaries/<str:name>/<int:pk>/archive/", views_dictionaries.dictionary_archive, name="dictionary-archive"),
    path("dictionaries/<str:name>/<int:pk>/restore/", views_dictionaries.dictionary_restore, name="dictionary-restore"),
    path("<int:pk>/", views.process_detail, name="process-detail"),
    path("<int:pk>/edit/", views.process_edit, name="process-edit"),
    path("<int:pk>/archive/", views.process_archive, name="process-archive"),
    path("<int:pk>/restore/", views.process_restore, name="process-restore"),
    path("<int:pk>/impact/", views.impact, name="impact"),
    path("<int:pk>/dependencies/new/", views.dependency_add, name="dependency-add"),
    path("<int:pk>/participants/new/", views.participant_add, name="participant-add"),
    path("<int:pk>/windows/new/", views.window_add, name="window-add"),
    path("<int:pk>/impacts/new/", views.impact_add, name="impact-add"),
    path("<int:pk>/kpis/new/", views.kpi_add, name="kpi-add"),
    path("", include("orbit.processes.urls_assessment")),
]
