"""Web forms of the results pages.  They collect and shape input; the services validate, decide and write."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from orbit.core.forms import TranslatedTextFormField, TranslatedTextWidget, VersionedForm
from orbit.core.i18n import CONTENT_LANGUAGES, normalise_language, pick
from orbit.organisation.models import OrgUnit, code_validator
from orbit.results.models import ActualValue, Dimension, Framework, Indicator, ResultNode
from orbit.results.models.frameworks import MAX_TIERS
from orbit.results.models.periods import PeriodType, calendar_period_end

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ReasonMixin(forms.Form):
    reason = forms.CharField(label=_("Reason for the change (optional)"), max_length=500, required=False)


class ServiceForm(forms.Form):
    """A form whose cleaned data (less the reason and version) are the keyword arguments of a service."""

    #: Fields that are not service arguments.
    not_values: tuple[str, ...] = ("reason", "version")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "reason" in self.fields:  # the reason for the change comes last
            self.fields["reason"] = self.fields.pop("reason")

    def service_values(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k not in self.not_values}


class UnitChoiceField(forms.ModelChoiceField[OrgUnit]):
    def label_from_instance(self, obj: OrgUnit) -> str:
        return f"{obj.code} — {pick(obj.name)}"


class NodeChoiceField(forms.ModelChoiceField[ResultNode]):
    def label_from_instance(self, obj: ResultNode) -> str:
        indent = "\u00a0\u00a0" * obj.tier
        return f"{indent}{obj.code} {pick(obj.title)}"[:160]


# --- tiers and score scales as text --------------------------------------------------------------------------


def _translated_line(line: str) -> dict[str, str]:
    """``Goal`` or ``en: Goal | zh-hans: 目标 | fr: But`` → ``{"en": "Goal", ...}``."""
    parts = [part.strip() for part in line.split("|") if part.strip()]
    text: dict[str, str] = {}
    for part in parts:
        code, sep, rest = part.partition(":")
        language = normalise_language(code) if sep else None
        if language and rest.strip():
            text[language] = rest.strip()
        elif not text.get("en"):
            text["en"] = part
        else:
            raise ValidationError(_("Write “%(part)s” as “language: text”, e.g. “zh-hans: 目标”.") % {"part": part})
    return text


def _translated_text(value: dict[str, str]) -> str:
    if set(value) <= {"en"}:
        return value.get("en", "")
    return " | ".join(f"{code}: {value[code]}" for code in CONTENT_LANGUAGES if value.get(code))


def tiers_to_text(tiers: Iterable[dict[str, str]]) -> str:
    return "\n".join(_translated_text(t) for t in tiers)


def scale_to_text(scale: Iterable[dict[str, Any]]) -> str:
    lines = []
    for level in scale:
        label = level.get("label") if isinstance(level, dict) else None
        text = _translated_text(label) if isinstance(label, dict) else str(label or "")
        lines.append(f"{level.get('score')} = {text}")
    return "\n".join(lines)


class TiersField(forms.CharField):
    """One tier per line, top first; a line may give several languages: ``en: Goal | zh-hans: 目标``."""

    widget = forms.Textarea(attrs={"rows": 4})

    def to_python(self, value: Any) -> list[dict[str, str]]:  # type: ignore[override]
        text = super().to_python(value) or ""
        tiers = [_translated_line(line) for line in text.splitlines() if line.strip()]
        if not 1 <= len(tiers) <= MAX_TIERS:
            raise ValidationError(_("Give between 1 and 6 tier names, one per line, top tier first."))
        return tiers

    def prepare_value(self, value: Any) -> Any:
        return tiers_to_text(value) if isinstance(value, list) else value


class ScoreScaleField(forms.CharField):
    """One level per line, lowest first: ``1 = Not started`` (the label may give several languages)."""

    widget = forms.Textarea(attrs={"rows": 4})

    def to_python(self, value: Any) -> list[dict[str, Any]]:  # type: ignore[override]
        text = super().to_python(value) or ""
        scale: list[dict[str, Any]] = []
        for line in text.splitlines():
            if not line.strip():
                continue
            score, sep, label = line.partition("=")
            try:
                number = int(score.strip())
            except ValueError as exc:
                raise ValidationError(
                    _("Write each level as “score = label”, e.g. “2 = Under way”; “%(line)s” is not.")
                    % {"line": line.strip()}
                ) from exc
            scale.append({"score": number, "label": _translated_line(label.strip()) if sep else {}})
        return scale

    def prepare_value(self, value: Any) -> Any:
        return scale_to_text(value) if isinstance(value, list) else value


# --- frameworks -----------------------------------------------------------------------------------------------


class FrameworkForm(ServiceForm, ReasonMixin):
    code = forms.CharField(label=_("Code"), max_length=32, validators=[code_validator])
    name = TranslatedTextFormField(
        label=_("Name"), max_length=300, help_text=_("Give the name in at least one language.")
    )
    description = TranslatedTextFormField(
        label=_("Description"), required=False, widget=TranslatedTextWidget(textarea=True)
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=Framework.Kind.choices, initial=Framework.Kind.OPERATIONAL_PLAN)
    cycle_start = forms.DateField(label=_("Cycle start"), widget=DATE)
    cycle_end = forms.DateField(label=_("Cycle end"), widget=DATE)
    owner_unit = UnitChoiceField(
        label=_("Owning unit"),
        queryset=OrgUnit.objects.none(),
        help_text=_("Only units where you may approve are listed."),
    )
    status = forms.ChoiceField(label=_("Status"), choices=Framework.Status.choices, initial=Framework.Status.DRAFT)
    tiers = TiersField(
        label=_("Tiers"),
        help_text=_(
            "One tier per line, top first, e.g. Objective, Outcome, Output (up to 6). "
            "Other languages on the same line: en: Goal | zh-hans: 目标."
        ),
    )
    is_public = forms.BooleanField(
        label=_("Readable by every user"), required=False, help_text=_("For published reference frameworks.")
    )
    on_track_threshold = forms.DecimalField(
        label=_("On-track threshold"), max_digits=5, decimal_places=4, initial=Decimal("0.9"),
        help_text=_("Achievement ratio at or above which an indicator is on track (0.9 = 90%)."),
    )  # fmt: skip
    at_risk_threshold = forms.DecimalField(
        label=_("At-risk threshold"), max_digits=5, decimal_places=4, initial=Decimal("0.6"),
        help_text=_("Achievement ratio at or above which (and below on-track) an indicator is at risk."),
    )  # fmt: skip
    source = forms.CharField(label=_("Source"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    is_sample = forms.BooleanField(label=_("Sample data"), required=False)

    field_order = [
        "code", "name", "description", "kind", "cycle_start", "cycle_end", "owner_unit", "status", "tiers",
        "is_public", "on_track_threshold", "at_risk_threshold", "source", "is_sample", "reason",
    ]  # fmt: skip

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["owner_unit"]
        assert isinstance(field, UnitChoiceField)
        field.queryset = units


class FrameworkEditForm(VersionedForm, FrameworkForm):
    pass


# --- nodes ----------------------------------------------------------------------------------------------------


class NodeForm(ServiceForm, ReasonMixin):
    parent = NodeChoiceField(
        label=_("Parent"),
        queryset=ResultNode.objects.none(),
        required=False,
        empty_label=_("— none: a top-tier node —"),
    )
    position = forms.IntegerField(
        label=_("Position among its siblings"),
        min_value=1,
        required=False,
        help_text=_("Leave empty to add it last."),
    )
    title = TranslatedTextFormField(label=_("Title"))
    description = TranslatedTextFormField(
        label=_("Description"), required=False, widget=TranslatedTextWidget(textarea=True)
    )
    ref_code = forms.CharField(
        label=_("Official code"),
        max_length=40,
        required=False,
        help_text=_("Where the source gives one (e.g. D.1); shown instead of the automatic number."),
    )
    status_note = forms.CharField(label=_("Data note"), max_length=200, required=False)
    source = forms.CharField(label=_("Source"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    is_sample = forms.BooleanField(label=_("Sample data"), required=False)

    field_order = ["parent", "position", "title", "description", "ref_code", "status_note", "source", "is_sample",
                   "reason"]  # fmt: skip

    def __init__(self, *args: Any, parents: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["parent"]
        assert isinstance(field, NodeChoiceField)
        field.queryset = parents


class NodeEditForm(VersionedForm, ServiceForm, ReasonMixin):
    title = TranslatedTextFormField(label=_("Title"))
    description = TranslatedTextFormField(
        label=_("Description"), required=False, widget=TranslatedTextWidget(textarea=True)
    )
    ref_code = forms.CharField(label=_("Official code"), max_length=40, required=False)
    status_note = forms.CharField(label=_("Data note"), max_length=200, required=False)
    source = forms.CharField(label=_("Source"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    is_sample = forms.BooleanField(label=_("Sample data"), required=False)


class NodeMoveForm(VersionedForm, ServiceForm, ReasonMixin):
    parent = NodeChoiceField(
        label=_("New parent"),
        queryset=ResultNode.objects.none(),
        required=False,
        empty_label=_("— none: a top-tier node —"),
        help_text=_("A node moves only under a node of the tier above it."),
    )
    position = forms.IntegerField(label=_("Position among its new siblings"), min_value=1, initial=1)

    def __init__(self, *args: Any, parents: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["parent"]
        assert isinstance(field, NodeChoiceField)
        field.queryset = parents


class SdgLinkForm(ServiceForm, ReasonMixin):
    source = NodeChoiceField(label=_("Node of this framework"), queryset=ResultNode.objects.none())
    target = forms.TypedChoiceField(label=_("SDG target"), coerce=int, choices=())
    note = forms.CharField(label=_("Note (optional)"), max_length=300, required=False)

    field_order = ["source", "target", "note", "reason"]

    def __init__(self, *args: Any, sources: Any, targets: list[ResultNode], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["source"]
        assert isinstance(field, NodeChoiceField)
        field.queryset = sources
        self.targets = {t.pk: t for t in targets}
        groups: dict[str, list[tuple[int, str]]] = {}
        for target in targets:
            goal = target.parent
            group = f"{goal.code} {pick(goal.title)}"[:90] if goal is not None else ""
            groups.setdefault(group, []).append((target.pk, f"{target.code} {pick(target.title)}"[:140]))
        choice_field = self.fields["target"]
        assert isinstance(choice_field, forms.TypedChoiceField)
        choice_field.choices = [("", "—"), *groups.items()]

    def clean_target(self) -> ResultNode:
        pk = self.cleaned_data["target"]
        if pk not in self.targets:
            raise ValidationError(_("Choose an SDG target from the list."))
        return self.targets[pk]


# --- indicators -----------------------------------------------------------------------------------------------


class IndicatorForm(ServiceForm, ReasonMixin):
    code = forms.CharField(label=_("Code"), max_length=40)
    title = TranslatedTextFormField(label=_("Title"), max_length=500)
    definition = TranslatedTextFormField(
        label=_("Definition"), required=False, widget=TranslatedTextWidget(textarea=True)
    )
    unit_label = forms.CharField(
        label=_("Unit of measure"), max_length=60, required=False, help_text=_("e.g. people trained, countries")
    )
    measure = forms.ChoiceField(label=_("Measure"), choices=Indicator.Measure.choices)
    currency = forms.CharField(label=_("Currency (ISO 4217)"), max_length=3, required=False)
    score_scale = ScoreScaleField(
        label=_("Score scale"),
        required=False,
        help_text=_("Qualitative indicators only: one level per line, lowest first, e.g. “1 = Not started”."),
    )
    numerator_le_denominator = forms.BooleanField(
        label=_("Numerator cannot exceed denominator"), required=False, initial=True
    )
    direction = forms.ChoiceField(label=_("Direction"), choices=Indicator.Direction.choices)
    time_aggregation = forms.ChoiceField(label=_("Aggregation over time"), choices=Indicator.TimeAggregation.choices)
    unit_aggregation = forms.ChoiceField(
        label=_("Aggregation across units and child nodes"), choices=Indicator.UnitAggregation.choices
    )
    baseline_value = forms.DecimalField(label=_("Baseline value"), max_digits=20, decimal_places=6, required=False)
    baseline_date = forms.DateField(label=_("Baseline date"), required=False, widget=DATE)
    baseline_note = forms.CharField(label=_("Baseline note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    means_of_verification = forms.CharField(
        label=_("Means of verification"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    data_source = forms.CharField(label=_("Data source"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    collection_frequency = forms.ChoiceField(
        label=_("Collection frequency"), choices=Indicator.Frequency.choices, initial=Indicator.Frequency.ANNUAL
    )
    responsible_unit = UnitChoiceField(label=_("Responsible unit"), queryset=OrgUnit.objects.none(), required=False)
    dimension_codes = forms.MultipleChoiceField(
        label=_("Disaggregations"),
        required=False,
        choices=(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The dimensions values may be broken down by."),
    )
    is_sample = forms.BooleanField(label=_("Sample data"), required=False)

    def __init__(self, *args: Any, units: Any, dimensions: Iterable[Dimension], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["responsible_unit"]
        assert isinstance(field, UnitChoiceField)
        field.queryset = units
        choices = self.fields["dimension_codes"]
        assert isinstance(choices, forms.MultipleChoiceField)
        choices.choices = [(d.code, f"{d.code} — {pick(d.name)}") for d in dimensions]

    def clean_currency(self) -> str:
        return str(self.cleaned_data.get("currency") or "").strip().upper()


class IndicatorEditForm(VersionedForm, IndicatorForm):
    pass


# --- targets and values ---------------------------------------------------------------------------------------


class PeriodForm(ServiceForm, ReasonMixin):
    """A period: its type and start; the end is filled in for calendar periods and the whole cycle."""

    period_type = forms.ChoiceField(label=_("Period"), choices=PeriodType.choices, initial=PeriodType.ANNUAL)
    period_start = forms.DateField(
        label=_("Period start"), widget=DATE, help_text=_("A year starts on 1 January, a quarter on its first day.")
    )
    period_end = forms.DateField(
        label=_("Period end"),
        widget=DATE,
        required=False,
        help_text=_("Leave empty for a calendar year, semester, quarter or month, or the whole cycle."),
    )
    dimension = forms.ModelChoiceField(
        label=_("Disaggregation"),
        queryset=Dimension.objects.none(),
        required=False,
        empty_label=_("— total, not broken down —"),
    )
    category = forms.CharField(label=_("Category code"), max_length=40, required=False)

    def __init__(self, *args: Any, framework: Framework, dimensions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.framework = framework
        field = self.fields["dimension"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = dimensions
        if not dimensions.exists():
            del self.fields["dimension"]
            del self.fields["category"]

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        start: dt.date | None = cleaned.get("period_start")
        kind = cleaned.get("period_type")
        if start is not None and kind and not cleaned.get("period_end"):
            if kind == PeriodType.CYCLE:
                cleaned["period_end"] = self.framework.cycle_end
            else:
                end = calendar_period_end(kind, start) if kind in PeriodType.values else None
                if end is None:
                    self.add_error(
                        "period_end", _("Give the end of the period (it is not a calendar period starting there).")
                    )
                cleaned["period_end"] = end
        if "category" in self.fields:
            cleaned["category"] = str(cleaned.get("category") or "").strip()
        return cleaned


class TargetForm(PeriodForm):
    value = forms.DecimalField(label=_("Target value"), max_digits=20, decimal_places=6, required=False)
    score = forms.IntegerField(label=_("Target score"), required=False)
    unit = UnitChoiceField(
        label=_("Unit"),
        queryset=OrgUnit.objects.none(),
        required=False,
        empty_label=_("— the whole framework —"),
        help_text=_("Set a unit only for a target of that unit and the units below it."),
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    is_sample = forms.BooleanField(label=_("Sample data"), required=False)

    field_order = [
        "period_type", "period_start", "period_end", "value", "score", "unit", "dimension", "category", "note",
        "is_sample", "reason",
    ]  # fmt: skip

    def __init__(self, *args: Any, indicator: Indicator, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["unit"]
        assert isinstance(field, UnitChoiceField)
        field.queryset = units
        if indicator.is_quantitative:
            del self.fields["score"]
        else:
            del self.fields["value"]


class TargetEditForm(VersionedForm, TargetForm):
    pass


class ActualForm(PeriodForm):
    unit = UnitChoiceField(label=_("Reporting unit"), queryset=OrgUnit.objects.none())
    value = forms.DecimalField(label=_("Value"), max_digits=20, decimal_places=6, required=False)
    numerator = forms.DecimalField(label=_("Numerator"), max_digits=20, decimal_places=6, required=False)
    denominator = forms.DecimalField(label=_("Denominator"), max_digits=20, decimal_places=6, required=False)
    score = forms.IntegerField(label=_("Score"), required=False)
    narrative = forms.CharField(label=_("Narrative"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    is_sample = forms.BooleanField(label=_("Sample data"), required=False)

    field_order = [
        "period_type", "period_start", "period_end", "unit", "value", "numerator", "denominator", "score", "narrative",
        "dimension", "category", "status", "is_sample", "reason",
    ]  # fmt: skip

    def __init__(self, *args: Any, indicator: Indicator, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["unit"]
        assert isinstance(field, UnitChoiceField)
        field.queryset = units
        measure = indicator.measure
        if measure == Indicator.Measure.PERCENTAGE:
            del self.fields["value"], self.fields["score"]
            self.fields["numerator"].required = True
            self.fields["denominator"].required = True
        elif measure == Indicator.Measure.QUALITATIVE:
            del self.fields["value"], self.fields["numerator"], self.fields["denominator"]
            if indicator.score_scale:
                self.fields["score"] = forms.TypedChoiceField(
                    label=_("Score"),
                    coerce=int,
                    choices=[(s, str(s)) for s in indicator.scores],
                )
        else:
            del self.fields["numerator"], self.fields["denominator"], self.fields["score"]

    def service_values(self) -> dict[str, Any]:
        values = super().service_values()
        values.pop("unit", None)
        return values


class ActualEditForm(VersionedForm, ActualForm):
    """A new value starts as a draft; editing it may submit it for a manager's approval."""

    status = forms.ChoiceField(
        label=_("Status"),
        choices=[(ActualValue.Status.DRAFT, _("Draft")), (ActualValue.Status.SUBMITTED, _("Submitted"))],
        initial=ActualValue.Status.DRAFT,
        help_text=_("Submit when the value is ready for a manager's approval."),
    )

    def service_values(self) -> dict[str, Any]:
        return ServiceForm.service_values(self)


class ApproveForm(VersionedForm):
    reason = forms.CharField(label=_("Comment (optional)"), max_length=500, required=False)


class AsOfForm(forms.Form):
    as_of = forms.DateField(label=_("As of"), required=False, widget=DATE)
