from django.apps import AppConfig


class OrganisationConfig(AppConfig):
    name = "orbit.organisation"
    label = "organisation"
    verbose_name = "Organisation"
