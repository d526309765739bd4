"""Bottom-up capture: any staff member describes a process, a pain point or an idea; analysts merge it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from orbit.governance.models import AuditedModel
from orbit.organisation.models import OrgUnit
from orbit.processes.models.inventory import Process


class Submission(AuditedModel):
    class Kind(models.TextChoices):
        PROCESS = "process", _("A process or way of working")
        PAIN_POINT = "pain_point", _("A pain point")
        IDEA = "idea", _("An improvement idea")

    class Status(models.TextChoices):
        NEW = "new", _("Waiting for review")
        MERGED = "merged", _("Merged into the inventory")
        DECLINED = "declined", _("Declined")
        DUPLICATE = "duplicate", _("Already in the inventory")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"))
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit concerned"))
    #: The process the submission is about, when the submitter knows it.
    process = models.ForeignKey(
        Process, null=True, blank=True, on_delete=models.PROTECT, related_name="submissions",
        verbose_name=_("process concerned"),
    )  # fmt: skip
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.NEW)
    outcome = models.TextField(_("what became of it"), blank=True)
    #: The inventory record the submission was merged into (created or existing).
    merged_into = models.ForeignKey(
        Process, null=True, blank=True, on_delete=models.PROTECT, related_name="merged_submissions",
        verbose_name=_("merged into"),
    )  # fmt: skip
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    is_sample = models.BooleanField(_("sample data"), default=False)

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name = _("submission")
        indexes = [models.Index(fields=("status", "unit"))]

    def __str__(self) -> str:
        return self.title

    def audit_scope_path(self) -> str:
        return self.unit.path
