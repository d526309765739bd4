"""Progress updates, their evidence files, and locked reporting periods."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from orbit.core.fields import TranslatedTextField
from orbit.governance.models import AuditedModel
from orbit.governance.workflow import ReviewStatus
from orbit.organisation.models import OrgUnit
from orbit.planning.models.activities import Activity, ActivityStatus
from orbit.results.models import ActualValue


class ProgressUpdate(AuditedModel):
    """What happened on an activity (or behind an indicator value), with its evidence, under review.

    ``unit`` is the unit whose managers review it: the activity's responsible unit, or the value's
    reporting unit.  It is copied here so that scoping and review queues read one column.
    """

    activity = models.ForeignKey(
        Activity, null=True, blank=True, on_delete=models.PROTECT, related_name="updates", verbose_name=_("activity")
    )
    actual_value = models.ForeignKey(
        ActualValue,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="updates",
        verbose_name=_("indicator value"),
    )
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    date = models.DateField(_("date"))
    narrative = TranslatedTextField(_("narrative"))
    #: The activity status this update reports (blank: no change); applied when the update is approved.
    new_status = models.CharField(_("new activity status"), max_length=10, choices=ActivityStatus.choices, blank=True)
    status_reason = models.TextField(_("reason for the new status"), blank=True)
    location = models.CharField(_("location"), max_length=200, blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True,
        validators=[MinValueValidator(Decimal(-90)), MaxValueValidator(Decimal(90))],
    )  # fmt: skip
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True,
        validators=[MinValueValidator(Decimal(-180)), MaxValueValidator(Decimal(180))],
    )  # fmt: skip
    status = models.CharField(_("status"), max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.DRAFT)
    review_note = models.TextField(_("reviewer's note"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    is_sample = models.BooleanField(_("sample data"), default=False)

    class Meta:
        ordering = ("-date", "-id")
        verbose_name = _("progress update")
        verbose_name_plural = _("progress updates")
        indexes = [
            models.Index(fields=("status", "unit")),
            models.Index(fields=("activity", "date")),
            models.Index(fields=("author", "status")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(activity__isnull=False, actual_value__isnull=True)
                | Q(activity__isnull=True, actual_value__isnull=False),
                name="progressupdate_one_subject",
                violation_error_message=_("An update is about one activity or one indicator value."),
            )
        ]

    def __str__(self) -> str:
        return f"update {self.pk} of {self.subject_label} on {self.date}"

    @property
    def subject_label(self) -> str:
        if self.activity_id:
            return self.activity.code if self.activity else str(self.activity_id)
        return f"value {self.actual_value_id}"

    def clean(self) -> None:
        if (self.latitude is None) != (self.longitude is None):
            raise ValidationError({"longitude": _("Give both latitude and longitude, or neither.")})
        if self.new_status in ("delayed", "cancelled") and not (self.status_reason or "").strip():
            raise ValidationError({"status_reason": _("Say why the activity is delayed or cancelled.")})
        if self.new_status and not self.activity_id:
            raise ValidationError({"new_status": _("Only an activity's update can change its status.")})

    def audit_label(self) -> str:
        return f"update of {self.subject_label} on {self.date}"[:200]

    def audit_scope_path(self) -> str:
        return self.unit.path

    def audit_parent(self) -> models.Model | None:
        return self.activity if self.activity_id else self.actual_value


class Evidence(AuditedModel):
    """A photo, video or document attached to an update, with what a report needs to show it."""

    class Kind(models.TextChoices):
        PHOTO = "photo", _("Photo")
        VIDEO = "video", _("Video")
        DOCUMENT = "document", _("Document")

    update = models.ForeignKey(ProgressUpdate, on_delete=models.PROTECT, related_name="evidence")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    file = models.FileField(_("file"), max_length=300)
    thumbnail = models.FileField(_("thumbnail"), max_length=300, blank=True)
    #: The name the uploader's file had, cleaned of paths and control characters.
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    caption = TranslatedTextField(_("caption"), required=False, max_length=500)
    credit = models.CharField(_("credit"), max_length=200, blank=True)
    taken_on = models.DateField(_("date taken"), null=True, blank=True)
    location = models.CharField(_("location"), max_length=200, blank=True)
    identifiable_people = models.BooleanField(_("shows identifiable people"), default=False)
    consent = models.BooleanField(_("their consent to publish is on file"), default=False)
    #: Whether the uploader chose to keep GPS position data in the file (stripped by default).
    gps_kept = models.BooleanField(_("GPS data kept"), default=False)
    is_sample = models.BooleanField(_("sample data"), default=False)

    class Meta:
        ordering = ("update", "id")
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        indexes = [models.Index(fields=("kind", "created_at"))]

    def __str__(self) -> str:
        return f"{self.kind} {self.original_name}"

    @property
    def publishable(self) -> bool:
        """May appear in public reports: nobody identifiable, or their consent is on file."""
        return not self.identifiable_people or self.consent

    def audit_label(self) -> str:
        return f"{self.kind} {self.original_name}"[:200]

    def audit_scope_path(self) -> str:
        return self.update.unit.path

    def audit_parent(self) -> models.Model | None:
        return self.update
