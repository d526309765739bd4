from django.urls import include, path

from orbit.processes import views

app_name = "processes"

urlpatterns = [
    path("", views.inventory, name="inventory"),
    path("", include("orbit.processes.urls_assessment")),
]
