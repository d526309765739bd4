from django.urls import path

from orbit.governance import views

app_name = "governance"

urlpatterns = [
    path("history/<str:object_type>/<str:object_id>/", views.history, name="history"),
    path("audit/", views.audit_log, name="audit-log"),
]
