"""Assessment rounds: processes scored by a pluggable model (:mod:`orbit.processes.scoring`), ranked per round."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from orbit.governance.models import AuditedModel
from orbit.organisation.models import OrgUnit
from orbit.processes.models.inventory import Process


class AssessmentRound(AuditedModel):
    class Status(models.TextChoices):
        OPEN = "open", _("Open for scoring")
        CLOSED = "closed", _("Closed")

    name = models.CharField(_("name"), max_length=200)
    owner_unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("run by"))
    #: A built-in model key (``value_effort``, ``wsjf``, ``rice``) or ``weighted`` with ``criteria``.
    model_key = models.CharField(_("scoring model"), max_length=40)
    #: For ``weighted``: the custom criteria, ``[{"key", "label", "minimum", "maximum", "weight", "role"}]``.
    criteria = models.JSONField(_("custom criteria"), default=list, blank=True)
    quick_win_min_value = models.DecimalField(
        _("quick win: value at least"), max_digits=5, decimal_places=2, default=Decimal(6)
    )
    quick_win_max_effort = models.DecimalField(
        _("quick win: effort at most"), max_digits=5, decimal_places=2, default=Decimal(4)
    )
    status = models.CharField(_("status"), max_length=6, choices=Status.choices, default=Status.OPEN)
    is_sample = models.BooleanField(_("sample data"), default=False)

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name = _("assessment round")

    def __str__(self) -> str:
        return self.name

    def audit_scope_path(self) -> str:
        return self.owner_unit.path


class Assessment(AuditedModel):
    """One process scored in one round: the answers as given, and the computed total and axes."""

    round = models.ForeignKey(AssessmentRound, on_delete=models.PROTECT, related_name="assessments")
    process = models.ForeignKey(Process, on_delete=models.PROTECT, related_name="assessments")
    answers = models.JSONField(_("answers"), default=dict)
    total = models.DecimalField(_("score"), max_digits=20, decimal_places=6)
    value = models.DecimalField(_("value (0–10)"), max_digits=8, decimal_places=4)
    effort = models.DecimalField(_("effort (0–10)"), max_digits=8, decimal_places=4)
    note = models.TextField(_("note"), blank=True)
    scored_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ("round", "-total", "process")
        verbose_name = _("assessment")
        constraints = [
            models.UniqueConstraint(
                fields=("round", "process"),
                condition=Q(archived_at__isnull=True),
                name="assessment_unique",
                violation_error_message=_("This process is already scored in this round."),
            ),
        ]

    def audit_scope_path(self) -> str:
        return self.process.owner_unit.path

    def audit_parent(self) -> models.Model | None:
        return self.round
