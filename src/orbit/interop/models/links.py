"""Links between Orbit's records and what they were imported from in an IATI file.

Orbit's own records keep Orbit's rules (an activity code is at most 32 letters and digits, an indicator code is
unique per node); IATI identifiers are long and free. A link keeps the IATI side of each imported record: the key
under which it is found again on the next import, and the IATI attributes Orbit has no field for (result type,
references, the reporting organisation, the status code), which the export writes back.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from orbit.governance.models import AuditedModel
from orbit.planning.models import Activity, BudgetLine
from orbit.results.models import ActualValue, Framework, Indicator, ResultNode, Target


class IatiLink(AuditedModel):
    """One Orbit record made from (or found again in) an IATI file, keyed by where it stands in the file."""

    class Kind(models.TextChoices):
        FRAMEWORK = "framework", _("Results framework of a reporting organisation")
        ACTIVITY = "activity", _("Activity")
        RESULT = "result", _("Result")
        INDICATOR = "indicator", _("Indicator")
        PERIOD = "period", _("Period")
        TARGET = "target", _("Target")
        ACTUAL = "actual", _("Actual value")
        BUDGET = "budget", _("Budget")

    #: ``activity:<iati-identifier>``, ``result:<iati-identifier>#2``, ``indicator:<iati-identifier>#2.1`` …;
    #: a framework's key is ``framework:<reporting-org ref>``.
    key = models.CharField(_("IATI key"), max_length=600, unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    #: The activity's iati-identifier (the reporting organisation's ref for a framework).
    identifier = models.CharField(_("IATI identifier"), max_length=400, db_index=True)
    framework = models.ForeignKey(Framework, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    activity = models.ForeignKey(Activity, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    node = models.ForeignKey(ResultNode, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    indicator = models.ForeignKey(Indicator, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    target = models.ForeignKey(Target, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    actual = models.ForeignKey(ActualValue, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    budget_line = models.ForeignKey(BudgetLine, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    #: IATI attributes Orbit has no field for, written back by the export (result type, references, status …).
    data = models.JSONField(_("IATI attributes"), default=dict, blank=True)
    #: The unit path that scopes who may read the link's history (the owner of what it links).
    scope_path = models.CharField(max_length=255, blank=True, editable=False)

    class Meta:
        ordering = ("key",)
        verbose_name = _("IATI link")
        verbose_name_plural = _("IATI links")
        indexes = [models.Index(fields=("kind", "identifier"))]

    def __str__(self) -> str:
        return self.key

    def audit_label(self) -> str:
        return self.key[:200]

    def audit_scope_path(self) -> str:
        return self.scope_path
