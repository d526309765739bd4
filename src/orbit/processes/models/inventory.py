"""The organisation's own inventory of processes, procedures and working methods, and how they depend on each other.

One model holds all five levels of the hierarchy (category, process group, process, activity, task), as the
APQC PCF does, so a BPMN sub-process or task sits under its process and a hand-made inventory can stop at any
level.  Everything about *how* a process may change (who decides, with what resources, when) lives on the
process; its KPIs are indicators of the results engine (:class:`ProcessIndicator`).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from orbit.core.fields import TranslatedTextField
from orbit.governance.models import AuditedModel
from orbit.organisation.models import OrgUnit, code_validator
from orbit.processes.models.dictionaries import ExternalParty, ItSystem, ProcessRole, RecordType
from orbit.processes.models.reference import PcfElement
from orbit.results.models import Indicator, ResultNode


def money_field(verbose_name: Any) -> models.DecimalField:  # type: ignore[type-arg]
    return models.DecimalField(verbose_name, max_digits=18, decimal_places=2, null=True, blank=True)


class Level(models.IntegerChoices):
    CATEGORY = 1, _("Category")
    PROCESS_GROUP = 2, _("Process group")
    PROCESS = 3, _("Process")
    ACTIVITY = 4, _("Activity")
    TASK = 5, _("Task")


class Nature(models.TextChoices):
    CORE = "core", _("Core")
    ENABLING = "enabling", _("Enabling")
    SUPPORT = "support", _("Support")
    MANAGEMENT = "management", _("Management")


class Digitisation(models.TextChoices):
    PAPER = "paper", _("Paper")
    PARTLY = "partly_digital", _("Partly digital")
    DIGITAL = "digital", _("Digital")
    AUTOMATED = "automated", _("Automated")


class TransformationStatus(models.TextChoices):
    DOCUMENTED = "documented", _("Documented")
    ASSESSED = "assessed", _("Assessed")
    PRIORITISED = "prioritised", _("Prioritised")
    IN_TRANSFORMATION = "in_transformation", _("In transformation")
    TRANSFORMED = "transformed", _("Transformed")


class ChangeAuthority(models.TextChoices):
    """Who can decide a change to the process (generic levels; the unit says where)."""

    PROCESS_OWNER = "process_owner", _("The process owner")
    UNIT_MANAGEMENT = "unit_management", _("Management of the owner unit")
    SENIOR_MANAGEMENT = "senior_management", _("Senior management")
    EXECUTIVE_HEAD = "executive_head", _("The executive head")
    GOVERNING_BODY = "governing_body", _("A governing body (rules set by member states)")
    EXTERNAL = "external", _("An external rule-maker (law, treaty, donor)")


class Process(AuditedModel):
    code = models.CharField(_("code"), max_length=64, unique=True, validators=[code_validator])
    name = TranslatedTextField(_("name"), max_length=300)
    description = TranslatedTextField(_("description"), required=False)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices, default=Level.PROCESS)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("part of")
    )
    #: For activities and tasks read from BPMN: user, service, manual, send, receive, script, business rule…
    task_type = models.CharField(_("task type"), max_length=40, blank=True)
    nature = models.CharField(_("nature"), max_length=12, choices=Nature.choices, default=Nature.CORE)
    owner_unit = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="processes", verbose_name=_("owner unit")
    )
    process_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("process owner"),
    )
    change_authority = models.CharField(
        _("who can change it"), max_length=20, choices=ChangeAuthority.choices, default=ChangeAuthority.PROCESS_OWNER
    )
    change_authority_unit = models.ForeignKey(
        OrgUnit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("unit that decides changes"),
    )
    change_authority_note = models.TextField(_("decision authority, details"), blank=True)
    pcf_element = models.ForeignKey(
        PcfElement,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="processes",
        verbose_name=_("APQC PCF classification"),
    )
    it_systems = models.ManyToManyField(ItSystem, blank=True, related_name="processes", verbose_name=_("IT systems"))
    records = models.ManyToManyField(
        RecordType, blank=True, related_name="processes", verbose_name=_("records produced")
    )
    external_parties = models.ManyToManyField(
        ExternalParty, blank=True, related_name="processes", verbose_name=_("external parties")
    )
    yearly_volume = models.PositiveIntegerField(_("cases per year"), null=True, blank=True)
    cycle_time_days = models.DecimalField(
        _("cycle time (days)"), max_digits=10, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(0)],
    )  # fmt: skip
    cost_per_case = money_field(_("cost per case"))
    currency = models.CharField(_("currency (ISO 4217)"), max_length=3, blank=True)
    digitisation = models.CharField(
        _("digitisation level"), max_length=16, choices=Digitisation.choices, default=Digitisation.PAPER
    )
    pain_points = models.TextField(_("pain points"), blank=True)
    legal_basis = models.TextField(_("legal or regulatory basis"), blank=True)
    change_people = models.DecimalField(
        _("people needed to change it (FTE)"), max_digits=8, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(0)],
    )  # fmt: skip
    change_skills = models.TextField(_("skills needed to change it"), blank=True)
    change_budget = money_field(_("budget needed to change it"))
    transformation_status = models.CharField(
        _("transformation status"),
        max_length=20,
        choices=TransformationStatus.choices,
        default=TransformationStatus.DOCUMENTED,
    )
    #: Stable key of the element this record was imported from (``bpmn:<file>#<id>``), for re-imports.
    import_key = models.CharField(_("import key"), max_length=300, null=True, blank=True, unique=True)
    source = models.CharField(_("source"), max_length=300, blank=True)
    is_sample = models.BooleanField(_("sample data"), default=False)

    class Meta:
        ordering = ("code",)
        verbose_name = _("process")
        verbose_name_plural = _("processes")
        indexes = [models.Index(fields=("owner_unit", "level")), models.Index(fields=("parent",))]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.parent_id is not None and self.parent is not None:
            if self.parent_id == self.pk:
                errors["parent"] = str(_("A process cannot be part of itself."))
            elif self.parent.level >= self.level:
                errors["level"] = str(_("A part sits at a lower level than the process it belongs to."))
        if (self.cost_per_case is not None or self.change_budget is not None) and not (
            len(self.currency) == 3 and self.currency.isupper()
        ):
            errors["currency"] = str(_("Give the ISO 4217 currency code of the amounts, e.g. CHF."))
        if errors:
            raise ValidationError(errors)

    def audit_scope_path(self) -> str:
        return self.owner_unit.path

    def audit_parent(self) -> models.Model | None:
        return self.parent


class Raci(models.TextChoices):
    RESPONSIBLE = "R", pgettext_lazy("RACI", "Responsible")
    ACCOUNTABLE = "A", _("Accountable")
    CONSULTED = "C", _("Consulted")
    INFORMED = "I", _("Informed")


class ProcessParticipant(AuditedModel):
    """A unit or a role taking part in a process, with its RACI letter."""

    process = models.ForeignKey(Process, on_delete=models.PROTECT, related_name="participants")
    unit = models.ForeignKey(OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    role = models.ForeignKey(ProcessRole, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    raci = models.CharField(_("RACI"), max_length=1, choices=Raci.choices, default=Raci.RESPONSIBLE)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ("process", "raci", "id")
        verbose_name = _("participant")
        constraints = [
            models.CheckConstraint(
                condition=Q(unit__isnull=False) | Q(role__isnull=False),
                name="participant_unit_or_role",
                violation_error_message=_("Name the unit or the role that takes part."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.raci}: {self.role or self.unit}"

    def audit_scope_path(self) -> str:
        return self.process.owner_unit.path

    def audit_parent(self) -> models.Model | None:
        return self.process


class ChangeWindow(AuditedModel):
    """When a process can change, or must not (a freeze, e.g. during a conference)."""

    class Kind(models.TextChoices):
        OPEN = "open", _("Can change")
        FREEZE = "freeze", _("Must not change")

    process = models.ForeignKey(Process, on_delete=models.PROTECT, related_name="change_windows")
    kind = models.CharField(_("kind"), max_length=6, choices=Kind.choices)
    start = models.DateField(_("from"))
    end = models.DateField(_("until"))
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ("process", "start")
        verbose_name = _("change window")
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gte=models.F("start")),
                name="change_window_order",
                violation_error_message=_("The window ends before it starts."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.start} – {self.end}"

    def audit_scope_path(self) -> str:
        return self.process.owner_unit.path

    def audit_parent(self) -> models.Model | None:
        return self.process


class StrategicImpact(AuditedModel):
    """How much a process matters to a result of the strategic or operational plan."""

    class Rating(models.IntegerChoices):
        LOW = 1, _("Low")
        MEDIUM = 2, _("Medium")
        HIGH = 3, _("High")

    process = models.ForeignKey(Process, on_delete=models.PROTECT, related_name="impacts")
    node = models.ForeignKey(ResultNode, on_delete=models.PROTECT, related_name="process_impacts")
    rating = models.PositiveSmallIntegerField(_("rating"), choices=Rating.choices, default=Rating.MEDIUM)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ("process", "-rating", "node")
        verbose_name = _("impact on a strategic goal")
        constraints = [
            models.UniqueConstraint(
                fields=("process", "node"),
                condition=Q(archived_at__isnull=True),
                name="impact_unique",
                violation_error_message=_("This process is already linked to this result."),
            ),
        ]

    def audit_scope_path(self) -> str:
        return self.process.owner_unit.path

    def audit_parent(self) -> models.Model | None:
        return self.process


class ProcessIndicator(AuditedModel):
    """A performance target of a process: an indicator of the results engine, with its baseline and targets."""

    process = models.ForeignKey(Process, on_delete=models.PROTECT, related_name="kpis")
    indicator = models.OneToOneField(Indicator, on_delete=models.PROTECT, related_name="process_link")

    class Meta:
        ordering = ("process", "indicator")
        verbose_name = _("process KPI")

    def audit_scope_path(self) -> str:
        return self.process.owner_unit.path

    def audit_parent(self) -> models.Model | None:
        return self.process


class DependencyKind(models.TextChoices):
    HANDS_OVER = "hands_over", _("Hands over to / triggers")
    MESSAGES = "messages", _("Exchanges messages with")
    CALLS = "calls", _("Calls or contains")
    SHARES_DATA = "shares_data", _("Shares data or records")
    SHARES_SYSTEM = "shares_system", _("Shares an IT system")
    SHARES_ROLE = "shares_role", _("Shares a role")


class Dependency(AuditedModel):
    """A typed, directed edge: changing ``source`` affects ``target`` (shared kinds reach both ways)."""

    source = models.ForeignKey(Process, on_delete=models.PROTECT, related_name="dependencies_out")
    target = models.ForeignKey(Process, on_delete=models.PROTECT, related_name="dependencies_in")
    kind = models.CharField(_("kind"), max_length=16, choices=DependencyKind.choices)
    strength = models.PositiveSmallIntegerField(
        _("strength"), default=2, validators=[MinValueValidator(1), MaxValueValidator(3)]
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    import_key = models.CharField(_("import key"), max_length=300, null=True, blank=True, unique=True)

    class Meta:
        ordering = ("source", "target", "kind")
        verbose_name = _("dependency")
        verbose_name_plural = _("dependencies")
        constraints = [
            models.UniqueConstraint(
                fields=("source", "target", "kind"),
                condition=Q(archived_at__isnull=True),
                name="dependency_unique",
                violation_error_message=_("These processes are already linked by a dependency of this kind."),
            ),
            models.CheckConstraint(
                condition=Q(strength__gte=1, strength__lte=3),
                name="dependency_strength_range",
                violation_error_message=_("The strength is 1 (weak), 2 or 3 (strong)."),
            ),
        ]
        indexes = [models.Index(fields=("target",))]

    def __str__(self) -> str:
        return f"{self.source_id} → {self.target_id} ({self.kind})"

    def audit_scope_path(self) -> str:
        return self.source.owner_unit.path

    def audit_parent(self) -> models.Model | None:
        return self.source
