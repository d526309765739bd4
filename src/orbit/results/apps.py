from django.apps import AppConfig


class ResultsConfig(AppConfig):
    name = "orbit.results"
    label = "results"
    verbose_name = "Results"
