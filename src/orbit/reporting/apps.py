from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "orbit.reporting"
    label = "reporting"
    verbose_name = "Reports"
