from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "orbit.core"
    label = "core"
    verbose_name = "Orbit core"
