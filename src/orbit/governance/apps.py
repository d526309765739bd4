from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "orbit.governance"
    label = "governance"
    verbose_name = "Governance"
