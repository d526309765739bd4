"""An IATI file uploaded through the page or the API, kept until it is applied.

A dry run leaves the file in the media storage (``iati/uploads/<sha256>.xml``) with what it was uploaded for (unit,
framework), so that applying it afterwards needs no second upload. Like :class:`ImportRun`, an upload is a log
entry of the import, not a business record: the records the import writes carry the audit events.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orbit.interop.models.imports import ImportRun
from orbit.organisation.models import OrgUnit
from orbit.results.models import Framework


class IatiUpload(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    file_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    size = models.BigIntegerField(_("size in bytes"), default=0)
    #: Storage name of the kept copy (``iati/uploads/<sha256>.xml``).
    path = models.CharField(_("stored file"), max_length=300)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("owning unit"))
    framework = models.ForeignKey(
        Framework, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("framework")
    )
    created_at = models.DateTimeField(_("uploaded"), default=timezone.now)
    #: The state of the last import asked for (the dry run on upload, or applying it); large files run in the
    #: background, so that no request waits minutes for them.
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DONE)
    #: Whether the upload asked for a dry run first.
    dry_run_requested = models.BooleanField(_("dry run first"), default=True)
    reason = models.TextField(_("reason"), blank=True)
    #: Why the import could not run, when it failed.
    message = models.TextField(_("message"), blank=True)
    #: The dry run made on upload (absent when the file was applied at once).
    dry_run = models.OneToOneField(
        ImportRun, null=True, blank=True, on_delete=models.PROTECT, related_name="dry_run_upload"
    )
    #: The run that applied the file.
    applied = models.OneToOneField(
        ImportRun, null=True, blank=True, on_delete=models.PROTECT, related_name="applied_upload"
    )

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name = _("IATI upload")

    def __str__(self) -> str:
        return self.file_name

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)
