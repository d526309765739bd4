from django.apps import AppConfig


class InteropConfig(AppConfig):
    name = "orbit.interop"
    label = "interop"
    verbose_name = "Interoperability"
