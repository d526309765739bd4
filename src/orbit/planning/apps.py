from django.apps import AppConfig


class PlanningConfig(AppConfig):
    name = "orbit.planning"
    label = "planning"
    verbose_name = "Planning"
