"""Indicators, their targets and actual values; disaggregation dimensions."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from orbit.core.fields import TranslatedTextField
from orbit.governance.models import AuditedModel
from orbit.organisation.models import OrgUnit, code_validator
from orbit.results.models.frameworks import ResultNode
from orbit.results.models.periods import PeriodType, period_label


def decimal_field(verbose_name: str | Any, **kwargs: Any) -> models.DecimalField[Any, Any]:
    """Numbers are stored as decimals with six places, never as text."""
    return models.DecimalField(verbose_name, max_digits=20, decimal_places=6, null=True, blank=True, **kwargs)


class Dimension(AuditedModel):
    """A way to break values down: sex, age group, region, country, or a custom one."""

    class Kind(models.TextChoices):
        SEX = "sex", _("Sex")
        AGE_GROUP = "age_group", _("Age group")
        REGION = "region", _("Region")
        COUNTRY = "country", _("Country")
        CUSTOM = "custom", _("Custom")

    code = models.CharField(_("code"), max_length=32, unique=True, validators=[code_validator])
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    name = TranslatedTextField(_("name"), max_length=200)
    #: ``[{"code": "f", "name": {"en": "Female"}}, ...]``
    categories = models.JSONField(_("categories"), default=list)
    #: When exhaustive, the categories' values must add up to the total.
    exhaustive = models.BooleanField(_("categories add up to the total"), default=True)
    is_sample = models.BooleanField(_("sample data"), default=False)

    class Meta:
        ordering = ("code",)
        verbose_name = _("disaggregation dimension")

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"

    @property
    def category_codes(self) -> list[str]:
        return [str(c.get("code")) for c in self.categories if isinstance(c, dict)]

    def clean(self) -> None:
        codes = []
        if not isinstance(self.categories, list) or not self.categories:
            raise ValidationError({"categories": _("Give at least one category.")})
        for index, category in enumerate(self.categories, start=1):
            if not isinstance(category, dict) or not str(category.get("code", "")).strip():
                raise ValidationError({"categories": _("Category %(n)d has no code.") % {"n": index}})
            codes.append(str(category["code"]))
        if len(set(codes)) != len(codes):
            raise ValidationError({"categories": _("Category codes must be unique.")})


class Indicator(AuditedModel):
    """A KPI. Attached to a result node today; the same object will measure processes and initiatives."""

    class Measure(models.TextChoices):
        NUMBER = "number", _("Number")
        PERCENTAGE = "percentage", _("Percentage (numerator / denominator)")
        CURRENCY = "currency", _("Currency")
        QUALITATIVE = "qualitative", _("Qualitative")

    class Direction(models.TextChoices):
        INCREASE = "increase", _("Increase")
        DECREASE = "decrease", _("Decrease")
        MAINTAIN = "maintain", _("Maintain")

    class TimeAggregation(models.TextChoices):
        SUM = "sum", _("Sum per period")
        CUMULATIVE = "cumulative", _("Cumulative running total")
        LATEST = "latest", _("Latest value")
        AVERAGE = "average", _("Average")

    class UnitAggregation(models.TextChoices):
        SUM = "sum", _("Sum")
        AVERAGE = "average", _("Average")
        RATIO = "ratio", _("Ratio of sums")
        NONE = "none", _("None")

    class Frequency(models.TextChoices):
        MONTHLY = "monthly", _("Monthly")
        QUARTERLY = "quarterly", _("Quarterly")
        SEMI_ANNUAL = "semi_annual", _("Every six months")
        ANNUAL = "annual", _("Annual")
        CYCLE = "cycle", _("Once per cycle")
        OTHER = "other", _("Other")

    node = models.ForeignKey(
        ResultNode, null=True, blank=True, on_delete=models.PROTECT, related_name="indicators", verbose_name=_("node")
    )
    code = models.CharField(_("code"), max_length=40)
    title = TranslatedTextField(_("title"), max_length=500)
    definition = TranslatedTextField(_("definition"), required=False)
    unit_label = models.CharField(_("unit of measure"), max_length=60, blank=True)
    measure = models.CharField(_("measure"), max_length=12, choices=Measure.choices, default=Measure.NUMBER)
    currency = models.CharField(_("currency (ISO 4217)"), max_length=3, blank=True)
    #: For qualitative indicators: ``[{"score": 1, "label": {"en": "Not started"}}, ...]``, ascending.
    score_scale = models.JSONField(_("score scale"), default=list, blank=True)
    numerator_le_denominator = models.BooleanField(_("numerator cannot exceed denominator"), default=True)
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices, default=Direction.INCREASE)
    time_aggregation = models.CharField(
        _("aggregation over time"), max_length=12, choices=TimeAggregation.choices, default=TimeAggregation.SUM
    )
    unit_aggregation = models.CharField(
        _("aggregation across units"), max_length=10, choices=UnitAggregation.choices, default=UnitAggregation.SUM
    )
    baseline_value = decimal_field(_("baseline value"))
    baseline_date = models.DateField(_("baseline date"), null=True, blank=True)
    baseline_note = models.TextField(_("baseline note"), blank=True)
    means_of_verification = models.TextField(_("means of verification"), blank=True)
    data_source = models.TextField(_("data source"), blank=True)
    collection_frequency = models.CharField(
        _("collection frequency"), max_length=12, choices=Frequency.choices, default=Frequency.ANNUAL
    )
    responsible_unit = models.ForeignKey(
        OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("responsible unit")
    )
    #: Codes of the :class:`Dimension` rows values may be broken down by.
    dimension_codes = models.JSONField(_("disaggregations"), default=list, blank=True)
    position = models.PositiveIntegerField(default=1)
    is_sample = models.BooleanField(_("sample data"), default=False)

    class Meta:
        ordering = ("node", "position", "code")
        verbose_name = _("indicator")
        constraints = [
            models.UniqueConstraint(
                fields=("node", "code"),
                condition=Q(archived_at__isnull=True),
                name="indicator_code_unique_per_node",
                violation_error_message=_("Another indicator of this node has this code."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def is_quantitative(self) -> bool:
        return self.measure != self.Measure.QUALITATIVE

    @property
    def scores(self) -> list[int]:
        return [int(item["score"]) for item in self.score_scale if isinstance(item, dict) and "score" in item]

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.measure == self.Measure.CURRENCY and not (len(self.currency) == 3 and self.currency.isupper()):
            errors["currency"] = str(_("Give the ISO 4217 currency code, e.g. USD or CHF."))
        if self.measure == self.Measure.PERCENTAGE and self.unit_aggregation in (
            self.UnitAggregation.SUM,
            self.UnitAggregation.AVERAGE,
        ):
            errors["unit_aggregation"] = str(_("Percentages roll up as a ratio of sums (or not at all)."))
        if self.unit_aggregation == self.UnitAggregation.RATIO and self.measure != self.Measure.PERCENTAGE:
            errors["unit_aggregation"] = str(_("Only percentages roll up as a ratio of sums."))
        if self.measure == self.Measure.QUALITATIVE:
            try:
                scores = [int(item["score"]) for item in self.score_scale]
            except (TypeError, KeyError, ValueError):
                errors["score_scale"] = str(_('Each score level needs a whole-number "score" and a "label".'))
            else:
                if scores != sorted(set(scores)):
                    errors["score_scale"] = str(_("Scores must be unique and ascending."))
            if self.baseline_value is not None and self.score_scale and self.baseline_value not in self.scores:
                errors["baseline_value"] = str(_("The baseline of a qualitative indicator is one of its scores."))
        elif self.score_scale:
            errors["score_scale"] = str(_("Only qualitative indicators have a score scale."))
        if not isinstance(self.dimension_codes, list) or not all(isinstance(c, str) for c in self.dimension_codes):
            errors["dimension_codes"] = str(_("Give a list of dimension codes."))
        if errors:
            raise ValidationError(errors)

    def framework_path(self) -> str:
        return self.node.framework.owner_unit.path if self.node_id and self.node else ""

    def audit_label(self) -> str:
        return f"{self.code} {self.title}"[:200]

    def audit_scope_path(self) -> str:
        return self.framework_path()

    def audit_parent(self) -> models.Model | None:
        return self.node


class PeriodMixin(models.Model):
    period_type = models.CharField(_("period type"), max_length=10, choices=PeriodType.choices)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    dimension = models.ForeignKey(
        Dimension, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("dimension")
    )
    category = models.CharField(_("category"), max_length=40, blank=True)

    class Meta:
        abstract = True

    @property
    def period_label(self) -> str:
        return period_label(self.period_type, self.period_start, self.period_end)


class Target(PeriodMixin, AuditedModel):
    """What an indicator should reach in a period, overall or for one unit or one category."""

    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="targets")
    unit = models.ForeignKey(
        OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    value = decimal_field(_("target value"))
    score = models.IntegerField(_("target score"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    is_sample = models.BooleanField(_("sample data"), default=False)

    class Meta:
        ordering = ("indicator", "period_start", "period_end")
        verbose_name = _("target")
        indexes = [models.Index(fields=("indicator", "period_start"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="target_period_order",
                violation_error_message=_("A period cannot end before it starts."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.period_label}: {self.value if self.score is None else self.score}"

    def audit_label(self) -> str:
        return f"target {self.indicator.code} {self.period_label}"[:200]

    def audit_scope_path(self) -> str:
        return self.indicator.framework_path()

    def audit_parent(self) -> models.Model | None:
        return self.indicator


class ActualValue(PeriodMixin, AuditedModel):
    """What a unit reports for an indicator in a period: a number, a numerator/denominator, or a score."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        RETURNED = "returned", _("Returned")
        APPROVED = "approved", _("Approved")

    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="actuals")
    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+", verbose_name=_("reporting unit"))
    value = decimal_field(_("value"))
    numerator = decimal_field(_("numerator"))
    denominator = decimal_field(_("denominator"))
    score = models.IntegerField(_("score"), null=True, blank=True)
    narrative = models.TextField(_("narrative"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    review_note = models.TextField(_("reviewer's note"), blank=True)
    is_sample = models.BooleanField(_("sample data"), default=False)

    class Meta:
        ordering = ("indicator", "period_start", "unit")
        verbose_name = _("actual value")
        indexes = [
            models.Index(fields=("indicator", "period_end")),
            models.Index(fields=("unit", "period_end")),
        ]
        # The roll-up reads a target's values by period end within the target's window: it relies on this.
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="actualvalue_period_order",
                violation_error_message=_("A period cannot end before it starts."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.period_label} {self.unit.code}"

    def audit_label(self) -> str:
        return f"value {self.indicator.code} {self.period_label} {self.unit.code}"[:200]

    def audit_scope_path(self) -> str:
        return self.unit.path

    def audit_parent(self) -> models.Model | None:
        return self.indicator
