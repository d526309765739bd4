"""Results frameworks and the tree of result nodes inside each."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from orbit.core.fields import TranslatedTextField, clean_translations
from orbit.governance.models import AuditedModel
from orbit.organisation.models import OrgUnit, code_validator

MAX_TIERS = 6


class Framework(AuditedModel):
    """A results framework over a cycle: a strategic plan, an action plan, the SDGs, an operational plan."""

    class Kind(models.TextChoices):
        STRATEGIC_PLAN = "strategic_plan", _("Strategic plan")
        ACTION_PLAN = "action_plan", _("Action plan")
        GLOBAL_GOALS = "global_goals", _("Global goals")
        OPERATIONAL_PLAN = "operational_plan", _("Operational plan")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", _("Active")
        CLOSED = "closed", _("Closed")

    code = models.CharField(_("code"), max_length=32, unique=True, validators=[code_validator])
    name = TranslatedTextField(_("name"), max_length=300)
    description = TranslatedTextField(_("description"), required=False)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OPERATIONAL_PLAN)
    cycle_start = models.DateField(_("cycle start"))
    cycle_end = models.DateField(_("cycle end"))
    owner_unit = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="frameworks", verbose_name=_("owning unit")
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    #: Ordered tier names, top first: a list of translated texts, e.g. [{"en": "Goal"}, {"en": "Target"}].
    tiers = models.JSONField(_("tiers"), default=list)
    #: Published reference frameworks (the SDGs, a governing body's strategic plan) are readable by every user.
    is_public = models.BooleanField(_("readable by every user"), default=False)
    on_track_threshold = models.DecimalField(
        _("on-track threshold"),
        max_digits=5,
        decimal_places=4,
        default=Decimal("0.9"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("10"))],
        help_text=_("Achievement ratio at or above which an indicator is on track."),
    )
    at_risk_threshold = models.DecimalField(
        _("at-risk threshold"),
        max_digits=5,
        decimal_places=4,
        default=Decimal("0.6"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("10"))],
        help_text=_("Achievement ratio at or above which (and below on-track) an indicator is at risk."),
    )
    source = models.TextField(_("source"), blank=True)
    is_sample = models.BooleanField(_("sample data"), default=False)

    class Meta:
        ordering = ("-cycle_start", "code")
        verbose_name = _("results framework")
        verbose_name_plural = _("results frameworks")
        constraints = [
            models.CheckConstraint(condition=Q(cycle_end__gt=models.F("cycle_start")), name="framework_cycle_order"),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.cycle_start and self.cycle_end and self.cycle_end <= self.cycle_start:
            errors["cycle_end"] = _("The cycle must end after it starts.")
        if not isinstance(self.tiers, list) or not 1 <= len(self.tiers) <= MAX_TIERS:
            errors["tiers"] = _("Give between 1 and 6 tier names, top tier first.")
        else:
            try:
                self.tiers = [clean_translations(t) for t in self.tiers]
            except ValidationError as exc:
                errors["tiers"] = " ".join(exc.messages)
        if (
            self.on_track_threshold is not None
            and self.at_risk_threshold is not None
            and self.at_risk_threshold > self.on_track_threshold
        ):
            errors["at_risk_threshold"] = _("The at-risk threshold cannot exceed the on-track threshold.")
        if errors:
            raise ValidationError(errors)

    def audit_scope_path(self) -> str:
        return self.owner_unit.path

    def audit_parent(self) -> models.Model | None:
        return self.owner_unit


class ResultNode(AuditedModel):
    """A goal, objective, outcome, output or target: one node of a framework's tree, at one tier."""

    framework = models.ForeignKey(Framework, on_delete=models.PROTECT, related_name="nodes")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    tier = models.PositiveSmallIntegerField(_("tier"))
    position = models.PositiveIntegerField(_("position among siblings"), default=1)
    #: Automatic outline number, ``1``, ``1.2``, ``1.2.3``; renumbered when nodes move.
    number = models.CharField(_("number"), max_length=60, editable=False, blank=True)
    #: The official code where the source gives one (``D.1``, ``17.8``, ``AFR1``); shown instead of the number.
    ref_code = models.CharField(_("official code"), max_length=40, blank=True)
    #: Materialised path of sibling positions inside the framework (``/00001/00002/`` for node 1.2),
    #: rewritten with the numbers; ordering by it lists the outline in order.
    path = models.CharField(max_length=255, db_index=True, editable=False, blank=True)
    title = TranslatedTextField(_("title"))
    description = TranslatedTextField(_("description"), required=False)
    #: ``gap`` where the source shows the item exists but its text was not retrieved.
    status_note = models.CharField(_("data note"), max_length=200, blank=True)
    source = models.TextField(_("source"), blank=True)
    is_sample = models.BooleanField(_("sample data"), default=False)
    contributes_to: models.ManyToManyField[ResultNode, NodeLink] = models.ManyToManyField(
        "self", through="NodeLink", symmetrical=False, related_name="contributors", blank=True
    )

    audit_exclude = (*AuditedModel.audit_exclude, "path", "number")
    derived_fields = ("path", "number", "position", "tier")

    class Meta:
        ordering = ("framework", "path")
        verbose_name = _("result node")
        verbose_name_plural = _("result nodes")
        indexes = [models.Index(fields=("framework", "path"))]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def code(self) -> str:
        return self.ref_code or self.number

    def audit_label(self) -> str:
        return f"{self.framework.code} {self.code} {self.title}"[:200]

    def audit_scope_path(self) -> str:
        return self.framework.owner_unit.path

    def audit_parent(self) -> models.Model | None:
        return self.parent or self.framework


class NodeLink(AuditedModel):
    """``source`` contributes to ``target``: an output to a strategic goal, a node to an SDG target."""

    source = models.ForeignKey(ResultNode, on_delete=models.PROTECT, related_name="links_out")
    target = models.ForeignKey(ResultNode, on_delete=models.PROTECT, related_name="links_in")
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("contribution link")
        constraints = [
            models.UniqueConstraint(
                fields=("source", "target"),
                condition=Q(archived_at__isnull=True),
                name="nodelink_unique_active",
                violation_error_message=_("This contribution is already recorded."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source_id} → {self.target_id}"

    def clean(self) -> None:
        if self.source_id and self.target_id:
            if self.source_id == self.target_id:
                raise ValidationError({"target": _("A node cannot contribute to itself.")})
            if self.source.framework_id == self.target.framework_id:
                raise ValidationError({"target": _("Contributions link nodes of different frameworks.")})

    def audit_scope_path(self) -> str:
        return self.source.framework.owner_unit.path

    def audit_parent(self) -> models.Model | None:
        return self.source
