"""Activities of the operational plan, their milestones, and regional initiatives."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from orbit.core.codes import country_codes
from orbit.core.fields import TranslatedTextField
from orbit.governance.models import AuditedModel
from orbit.organisation.models import OrgUnit, code_validator
from orbit.results.models import ResultNode


class ItuRegion(models.TextChoices):
    """The six regions in which ITU-D organises its regional presence and regional initiatives."""

    AFR = "AFR", _("Africa")
    AMS = "AMS", _("Americas")
    ARB = "ARB", _("Arab States")
    ASP = "ASP", _("Asia and the Pacific")
    CIS = "CIS", _("CIS")
    EUR = "EUR", _("Europe")


#: How organisational units name their region (``OrgUnit.region``) → the region code.
REGION_BY_UNIT_NAME = {
    "Africa": ItuRegion.AFR,
    "Americas": ItuRegion.AMS,
    "Arab States": ItuRegion.ARB,
    "Asia and the Pacific": ItuRegion.ASP,
    "CIS": ItuRegion.CIS,
    "Europe": ItuRegion.EUR,
}


class ActivityType(models.TextChoices):
    PROJECT = "project", _("Project")
    EVENT = "event", _("Event or workshop")
    CAPACITY_BUILDING = "capacity_building", _("Capacity building")
    STUDY = "study", _("Study or publication")
    TECHNICAL_ASSISTANCE = "technical_assistance", _("Technical assistance")
    OTHER = "other", _("Other")


class ActivityStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    ONGOING = "ongoing", _("Ongoing")
    COMPLETED = "completed", _("Completed")
    DELAYED = "delayed", _("Delayed")
    CANCELLED = "cancelled", _("Cancelled")


#: Statuses that need a reason.
STATUSES_WITH_REASON = (ActivityStatus.DELAYED, ActivityStatus.CANCELLED)


def _check_codes(values: object, allowed: set[str], what: str) -> list[str]:
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        return [f"Give a list of {what} codes."]
    unknown = sorted({v for v in values if v not in allowed})
    return [f"Unknown {what} code(s): {', '.join(unknown)}."] if unknown else []


class RegionalInitiative(AuditedModel):
    """A regional initiative (e.g. AFR1), led by a regional office, contributing to outputs of the plan.

    ``node`` is the initiative's entry in the reference framework of regional initiatives, where the
    published title and its source live; ``outputs`` are the result nodes it contributes to.
    """

    code = models.CharField(_("code"), max_length=32, unique=True, validators=[code_validator])
    region = models.CharField(_("ITU region"), max_length=3, choices=ItuRegion.choices)
    title = TranslatedTextField(_("title"), max_length=500)
    objective = TranslatedTextField(_("objective"), required=False)
    lead_unit = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="led_initiatives", verbose_name=_("lead regional office")
    )
    node = models.ForeignKey(
        ResultNode,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("reference entry"),
    )
    outputs = models.ManyToManyField(
        ResultNode, blank=True, related_name="initiatives", verbose_name=_("outputs it contributes to")
    )
    #: ``gap`` where the source shows the initiative exists but its text was not retrieved.
    status_note = models.CharField(_("data note"), max_length=200, blank=True)
    source = models.TextField(_("source"), blank=True)
    is_sample = models.BooleanField(_("sample data"), default=False)

    class Meta:
        ordering = ("region", "code")
        verbose_name = _("regional initiative")
        verbose_name_plural = _("regional initiatives")

    def __str__(self) -> str:
        return f"{self.code} — {self.title}"

    def audit_scope_path(self) -> str:
        return self.lead_unit.path

    def audit_parent(self) -> models.Model | None:
        return self.lead_unit


class Activity(AuditedModel):
    """An action of the operational plan, linked to the results it serves."""

    code = models.CharField(_("code"), max_length=32, unique=True, validators=[code_validator])
    title = TranslatedTextField(_("title"), max_length=500)
    description = TranslatedTextField(_("description"), required=False)
    type = models.CharField(_("type"), max_length=24, choices=ActivityType.choices, default=ActivityType.PROJECT)
    responsible_unit = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="activities", verbose_name=_("responsible unit")
    )
    contributing_units = models.ManyToManyField(
        OrgUnit, blank=True, related_name="contributed_activities", verbose_name=_("contributing units")
    )
    nodes = models.ManyToManyField(
        ResultNode, blank=True, related_name="activities", verbose_name=_("results served")
    )
    sdg_targets = models.ManyToManyField(ResultNode, blank=True, related_name="+", verbose_name=_("SDG targets"))
    initiatives = models.ManyToManyField(
        RegionalInitiative, blank=True, related_name="activities", verbose_name=_("regional initiatives")
    )
    staff = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("staff"))
    #: ISO 3166-1 alpha-2 codes.
    countries = models.JSONField(_("countries"), default=list, blank=True)
    #: ITU region codes (:class:`ItuRegion`).
    regions = models.JSONField(_("ITU regions"), default=list, blank=True)
    #: Partner organisations by name (the funding context will give them records of their own).
    partners = models.JSONField(_("partners"), default=list, blank=True)
    planned_start = models.DateField(_("planned start"), null=True, blank=True)
    planned_end = models.DateField(_("planned end"), null=True, blank=True)
    actual_start = models.DateField(_("actual start"), null=True, blank=True)
    actual_end = models.DateField(_("actual end"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ActivityStatus.choices, default=ActivityStatus.PLANNED
    )
    status_reason = models.TextField(_("reason for the status"), blank=True)
    is_sample = models.BooleanField(_("sample data"), default=False)

    class Meta:
        ordering = ("code",)
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        indexes = [
            models.Index(fields=("responsible_unit", "status")),
            models.Index(fields=("planned_start",)),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.title}"

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}

        def add(field: str, message: str) -> None:
            errors.setdefault(field, []).append(message)

        for message in _check_codes(self.countries, country_codes(), "country"):
            add("countries", message)
        for message in _check_codes(self.regions, set(ItuRegion.values), "ITU region"):
            add("regions", message)
        if not isinstance(self.partners, list) or not all(isinstance(p, str) and p.strip() for p in self.partners):
            add("partners", "Give a list of partner names.")
        if self.planned_start and self.planned_end and self.planned_end < self.planned_start:
            add("planned_end", str(_("The planned end is before the planned start.")))
        if self.actual_start and self.actual_end and self.actual_end < self.actual_start:
            add("actual_end", str(_("The actual end is before the actual start.")))
        if self.status in STATUSES_WITH_REASON and not (self.status_reason or "").strip():
            add("status_reason", str(_("Say why the activity is delayed or cancelled.")))
        if self.status == ActivityStatus.COMPLETED and not self.actual_end:
            add("actual_end", str(_("A completed activity needs its actual end date.")))
        if errors:
            raise ValidationError(errors)

    def audit_scope_path(self) -> str:
        return self.responsible_unit.path

    def audit_parent(self) -> models.Model | None:
        return self.responsible_unit


class Milestone(AuditedModel):
    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="milestones")
    title = TranslatedTextField(_("title"), max_length=300)
    due_date = models.DateField(_("due date"))
    done_date = models.DateField(_("done date"), null=True, blank=True)

    class Meta:
        ordering = ("activity", "due_date", "id")
        verbose_name = _("milestone")

    def __str__(self) -> str:
        return f"{self.title} ({self.due_date})"

    def audit_scope_path(self) -> str:
        return self.activity.responsible_unit.path

    def audit_parent(self) -> models.Model | None:
        return self.activity
