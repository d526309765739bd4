"""A report run: one requested report, its parameters, its progress and its file, kept as the report history."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orbit.governance.models import AuditedModel
from orbit.results.models import Framework

#: How long a running report may go without progress before its page says the worker has probably stopped.
STALLED_AFTER = dt.timedelta(minutes=10)


class ReportFormat(models.TextChoices):
    HTML = "html", _("HTML (on screen and printable)")
    PDF = "pdf", _("PDF")
    DOCX = "docx", _("Word (.docx)")
    XLSX = "xlsx", _("Excel (.xlsx)")


class ReportRun(AuditedModel):
    """A report asked for by a user and produced in the background.

    The parameters are kept as the report content's ``ReportParams.to_json()``; ``framework`` repeats the
    framework they name so that the history can be scoped by who may read it.  Progress (percent and step)
    is bookkeeping written while the report is produced, one plain UPDATE at a time, and never audited: the
    request, the start, the completion or failure and the archiving are the audited changes.
    """

    class Kind(models.TextChoices):
        RESULTS = "results", _("Results report")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.RESULTS)
    framework = models.ForeignKey(
        Framework, on_delete=models.PROTECT, related_name="report_runs", verbose_name=_("results framework")
    )
    params = models.JSONField(_("parameters"), default=dict)
    format = models.CharField(_("format"), max_length=10, choices=ReportFormat.choices)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    title = models.CharField(_("title"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress (percent)"), default=0)
    step = models.CharField(_("step"), max_length=200, blank=True)
    progress_at = models.DateTimeField(null=True, blank=True, editable=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    data_cutoff = models.DateTimeField(_("data cut-off"), null=True, blank=True)
    file = models.FileField(_("file"), max_length=300, blank=True)
    size = models.PositiveBigIntegerField(_("size in bytes"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    task_id = models.CharField(_("background job"), max_length=64, blank=True)

    #: Bookkeeping written while the report is produced, one plain UPDATE at a time; never shown as a change.
    derived_fields: ClassVar[tuple[str, ...]] = ("progress", "step", "progress_at", "task_id")
    audit_exclude: ClassVar[tuple[str, ...]] = (*AuditedModel.audit_exclude, *derived_fields)

    class Meta:
        ordering = ("-requested_at", "-id")
        verbose_name = _("report run")
        verbose_name_plural = _("report runs")
        indexes = [
            models.Index(fields=("requested_by", "requested_at")),
            models.Index(fields=("framework", "requested_at")),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="report_run_progress_percent"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title or self.kind} ({self.format})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def is_stalled(self) -> bool:
        """Running with no progress for STALLED_AFTER: the worker producing it has probably stopped."""
        if self.status != self.Status.RUNNING:
            return False
        last = self.progress_at or self.started_at
        return last is not None and timezone.now() - last > STALLED_AFTER

    @property
    def download_name(self) -> str:
        """The name of the file as the user receives it (its stored name without the folders)."""
        return self.file.name.rsplit("/", 1)[-1] if self.file else ""

    def audit_label(self) -> str:
        return f"report #{self.pk}: {self.title or self.kind} ({self.format})"[:200]

    def audit_scope_path(self) -> str:
        framework: Any = self.framework
        return str(framework.owner_unit.path)

    def audit_parent(self) -> models.Model | None:
        return self.framework
