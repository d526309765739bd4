"""An IATI export: who asked for it, with which parameters, and what the checks found.

The file itself lives in the media storage (``iati/exports/``); it is offered for publication only when ``valid``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from orbit.governance.models import AuditedModel
from orbit.results.models import Framework


class IatiExport(AuditedModel):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    framework = models.ForeignKey(
        Framework, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("framework")
    )
    prefix = models.CharField(_("identifier prefix"), max_length=100)
    reporting_org_ref = models.CharField(_("reporting organisation identifier"), max_length=100)
    reporting_org_name = models.CharField(_("reporting organisation name"), max_length=200)
    reporting_org_type = models.CharField(_("reporting organisation type"), max_length=4, default="40")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    activities = models.PositiveIntegerField(_("activities"), default=0)
    valid = models.BooleanField(_("valid"), default=False)
    schema_checked = models.BooleanField(_("checked against the schema"), default=False)
    #: ``[{"activity": code, "identifier", "rule", "severity", "message", "line"}]``
    problems = models.JSONField(_("problems"), default=list, blank=True)
    #: Why the export could not be written, when it failed.
    message = models.TextField(_("message"), blank=True)
    #: Storage name of the written file, its size and SHA-256.
    file = models.CharField(_("file"), max_length=300, blank=True)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    seconds = models.FloatField(_("seconds"), default=0.0)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name = _("IATI export")

    def __str__(self) -> str:
        return f"IATI export {self.pk} ({self.prefix})"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def blocking_problems(self) -> list[dict[str, object]]:
        return [p for p in self.problems if isinstance(p, dict) and p.get("severity") in ("critical", "error")]
