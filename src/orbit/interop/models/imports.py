"""The record of each IATI import: what was read, what was (or would be) written, and every problem."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orbit.organisation.models import OrgUnit
from orbit.results.models import Framework


class ImportRun(models.Model):
    """One import of one IATI file (or its dry run): the report shown to the person who ran it.

    A run is a log entry, written once when the import ends: it is not a business record and has no audit event
    of its own (the records it creates and updates have theirs), so that importing the same file again adds no
    audit event at all.
    """

    class Status(models.TextChoices):
        APPLIED = "applied", _("Applied")
        DRY_RUN = "dry_run", _("Dry run")
        REFUSED = "refused", _("Refused")
        PARTIAL = "partial", _("Partly applied")

    file_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.BigIntegerField(_("size in bytes"), default=0)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("imported by")
    )
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("owning unit"))
    frameworks = models.ManyToManyField(Framework, blank=True, related_name="+", verbose_name=_("frameworks"))
    created_at = models.DateTimeField(_("started"), default=timezone.now)
    seconds = models.FloatField(_("seconds"), default=0)
    dry_run = models.BooleanField(_("dry run"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    message = models.TextField(_("message"), blank=True)
    reason = models.TextField(_("reason"), blank=True)
    activities_read = models.PositiveIntegerField(_("activities read"), default=0)
    #: ``{"activities": {"created": 1, "updated": 0, "unchanged": 0, "refused": 0}, "results": {...}, ...}``
    counts = models.JSONField(_("counts"), default=dict)
    #: ``[{"identifier": ..., "rule": ..., "severity": ..., "message": ..., "line": ...}]``
    problems = models.JSONField(_("problems"), default=list)

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name = _("IATI import")
        verbose_name_plural = _("IATI imports")

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"
