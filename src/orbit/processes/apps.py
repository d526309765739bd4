from django.apps import AppConfig


class ProcessesConfig(AppConfig):
    name = "orbit.processes"
    label = "processes"
    verbose_name = "Processes"
