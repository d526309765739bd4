"""Locked reporting periods: approved values and updates of a unit for a period, closed to changes."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from orbit.governance.models import AuditedModel
from orbit.organisation.models import OrgUnit


class PeriodLock(AuditedModel):
    """Approved reporting of ``unit`` (and the units under it) for a period is closed to changes.

    Archiving the lock unlocks the period; both need a manager and a reason, kept in the audit log.
    """

    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    reason = models.TextField(_("reason"))

    class Meta:
        ordering = ("-period_start", "unit")
        verbose_name = _("locked period")
        constraints = [
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")), name="periodlock_order"),
        ]

    def __str__(self) -> str:
        return f"{self.unit.code} locked {self.period_start} – {self.period_end}"

    def covers(self, day: dt.date) -> bool:
        return self.period_start <= day <= self.period_end

    def audit_scope_path(self) -> str:
        return self.unit.path

    def audit_parent(self) -> models.Model | None:
        return self.unit
