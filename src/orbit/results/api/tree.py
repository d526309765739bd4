"""The whole framework in one response: tiers, nodes in outline order with roll-ups, indicators with
targets and results, and links.

The data comes from :func:`orbit.results.selectors.framework_tree` (a fixed number of queries); this
module only turns it into plain JSON types.  It touches nothing the selector did not load, so the
response costs no further query whatever the framework's size.  Plain functions build the dicts
(a framework holds thousands of targets, and per-field serializer machinery would dominate the
response time); the serializers below describe the same shape for the OpenAPI schema.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from orbit.core.api.fields import TranslatedTextField
from orbit.core.i18n import CONTENT_LANGUAGES, current_language, pick
from orbit.results.api.serializers import DecimalString, FrameworkSerializer, decimal_text
from orbit.results.models import Indicator, ResultNode
from orbit.results.rollup import NO_DATA, STATUSES, NodeResult, TargetResult
from orbit.results.selectors import FrameworkTree, IndicatorView, NodeView, gc_paused, iso_period_label

# --- building the response -----------------------------------------------------------------------------------


def _text(value: Any) -> dict[str, str]:
    values = value or {}
    return {code: values[code] for code in CONTENT_LANGUAGES if values.get(code)}


def _date(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


class _Builder:
    def __init__(self, tree: FrameworkTree) -> None:
        self.tree = tree
        self.language = current_language()

    def display(self, value: Any) -> str:
        return pick(value or {}, self.language)

    @staticmethod
    def outcome(result: TargetResult | None, percentage: bool) -> dict[str, Any]:
        """A target's result: the aggregated actual against it, the achievement ratio and the status."""
        if result is None:  # a target the roll-up did not evaluate (none are left out today)
            data: dict[str, Any] = {"actual": None, "achievement": None, "status": NO_DATA, "units_reporting": 0,
                                    "units_meeting": 0}  # fmt: skip
        else:
            data = {
                "actual": decimal_text(result.actual),
                "achievement": decimal_text(result.achievement),
                "status": result.status,
                "units_reporting": result.units_reporting,
                "units_meeting": result.units_meeting,
            }
        if percentage:
            data["numerator"] = decimal_text(result.numerator) if result is not None else None
            data["denominator"] = decimal_text(result.denominator) if result is not None else None
        return data

    def indicator(self, view: IndicatorView) -> dict[str, Any]:
        ind: Indicator = view.indicator
        percentage = ind.measure == Indicator.Measure.PERCENTAGE
        outcome = self.outcome
        results = {r.target_id: r for r in view.results}
        current: dict[str, Any] | None = None
        current_id = view.current.target_id if view.current is not None else None
        targets: list[dict[str, Any]] = []
        append = targets.append
        for pk, _indicator, period_type, start, end, unit, unit_code, value, score, note, version in view.targets:
            # Evaluated targets carry their result: the current one, or all with ``?results=all``.
            result = results.get(pk)
            outcome_data = None if result is None else outcome(result, percentage)
            label = start[:4] if period_type == "annual" else iso_period_label(period_type, start, end)
            value_text = None if value is None else decimal_text(value)
            append(
                {
                    "id": pk,
                    "period_type": period_type,
                    "period_start": start,
                    "period_end": end,
                    "period_label": label,
                    "unit": unit,
                    "unit_code": unit_code,
                    "value": value_text,
                    "score": score,
                    "note": note,
                    "version": version,
                    "result": outcome_data,
                }
            )
            if pk == current_id and outcome_data is not None:
                current = {
                    "target": pk,
                    "period_label": label,
                    "period_start": start,
                    "period_end": end,
                    "target_value": value_text,
                    "target_score": score,
                    **outcome_data,
                }
        return {
            "id": ind.pk,
            "code": ind.code,
            "title": _text(ind.title),
            "title_display": self.display(ind.title),
            "unit_label": ind.unit_label,
            "measure": ind.measure,
            "currency": ind.currency,
            "score_scale": [
                {
                    "score": level.get("score"),
                    "label": _text(level.get("label")),
                    "label_display": self.display(level.get("label")),
                }
                for level in ind.score_scale or []
                if isinstance(level, dict)
            ],
            "direction": ind.direction,
            "time_aggregation": ind.time_aggregation,
            "unit_aggregation": ind.unit_aggregation,
            "baseline_value": decimal_text(ind.baseline_value),
            "baseline_date": _date(ind.baseline_date),
            "collection_frequency": ind.collection_frequency,
            "responsible_unit": ind.responsible_unit_id,
            "responsible_unit_code": getattr(ind, "responsible_unit_code", None),
            "dimension_codes": list(ind.dimension_codes or []),
            "is_sample": ind.is_sample,
            "version": ind.version,
            "current": current,
            "targets": targets,
        }

    @staticmethod
    def rollup(result: NodeResult | None) -> dict[str, Any]:
        if result is None:
            return {"achievement": None, "status": NO_DATA, "counts": dict.fromkeys(STATUSES, 0)}
        return {
            "achievement": decimal_text(result.achievement),
            "status": result.status,
            "counts": dict(result.counts),
        }

    def link(self, node: ResultNode) -> dict[str, Any]:
        return {
            "id": node.pk,
            "framework": node.framework_id,
            "framework_code": node.framework.code,
            "code": node.code,
            "title_display": self.display(node.title),
        }

    def node(self, view: NodeView) -> dict[str, Any]:
        node = view.node
        return {
            "id": node.pk,
            "parent": node.parent_id,
            "tier": node.tier,
            "position": node.position,
            "number": node.number,
            "ref_code": node.ref_code,
            "code": node.code,
            "title": _text(node.title),
            "title_display": self.display(node.title),
            "description": _text(node.description),
            "description_display": self.display(node.description),
            "status_note": node.status_note,
            "is_sample": node.is_sample,
            "version": node.version,
            "rollup": self.rollup(view.rollup),
            "indicators": [self.indicator(i) for i in view.indicators],
            "links": [self.link(target) for target in view.links],
        }

    def build(self, framework_data: dict[str, Any]) -> dict[str, Any]:
        framework = self.tree.framework
        return {
            "framework": framework_data,
            "as_of": self.tree.as_of.isoformat(),
            "tiers": [
                {"level": level, "name": _text(name), "name_display": self.display(name)}
                for level, name in enumerate(framework.tiers or [])
            ],
            "totals": dict(self.tree.totals),
            "nodes": [self.node(view) for view in self.tree.nodes],
        }


def tree_data(tree: FrameworkTree, framework_data: dict[str, Any]) -> dict[str, Any]:
    """The response body of ``GET /api/results/frameworks/{id}/tree/``."""
    with gc_paused():  # thousands of dicts: see gc_paused
        return _Builder(tree).build(framework_data)


# --- the same shape, for the OpenAPI schema ---------------------------------------------------------------------

STATUS_CHOICES = list(STATUSES)


class TreeTierSerializer(serializers.Serializer[Any]):
    level = serializers.IntegerField(help_text="0 for the top tier.")
    name = TranslatedTextField()
    name_display = serializers.CharField()


class StatusCountsSerializer(serializers.Serializer[Any]):
    on_track = serializers.IntegerField()
    at_risk = serializers.IntegerField()
    off_track = serializers.IntegerField()
    no_data = serializers.IntegerField()


class TreeOutcomeSerializer(serializers.Serializer[Any]):
    actual = DecimalString(
        allow_null=True, help_text="The aggregated actual: a percent for percentages, the mean score if qualitative."
    )
    achievement = DecimalString(allow_null=True, help_text="Achievement ratio (1 = target met); null without data.")
    status = serializers.ChoiceField(choices=STATUS_CHOICES)
    units_reporting = serializers.IntegerField()
    units_meeting = serializers.IntegerField(help_text="Qualitative: units whose latest score meets the target.")
    numerator = DecimalString(allow_null=True, required=False, help_text="Percentages only: the summed numerators.")
    denominator = DecimalString(allow_null=True, required=False, help_text="Percentages only: the summed denominators.")


class TreeCurrentSerializer(TreeOutcomeSerializer):
    target = serializers.IntegerField(help_text="The current overall target (see `as_of`).")
    period_label = serializers.CharField()
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    target_value = DecimalString(allow_null=True)
    target_score = serializers.IntegerField(allow_null=True)


class TreeTargetSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    period_type = serializers.CharField()
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    period_label = serializers.CharField()
    unit = serializers.IntegerField(allow_null=True, help_text="The unit of a unit target; null for the overall one.")
    unit_code = serializers.CharField(allow_null=True)
    value = DecimalString(allow_null=True)
    score = serializers.IntegerField(allow_null=True)
    note = serializers.CharField()
    version = serializers.IntegerField()
    result = TreeOutcomeSerializer(help_text="The result against this target in its period.")


class TreeScoreLevelSerializer(serializers.Serializer[Any]):
    score = serializers.IntegerField()
    label = TranslatedTextField()  # type: ignore[assignment]
    label_display = serializers.CharField()


class TreeIndicatorSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    code = serializers.CharField()
    title = TranslatedTextField()
    title_display = serializers.CharField()
    unit_label = serializers.CharField()
    measure = serializers.ChoiceField(choices=Indicator.Measure.choices)
    currency = serializers.CharField()
    score_scale = TreeScoreLevelSerializer(many=True)
    direction = serializers.ChoiceField(choices=Indicator.Direction.choices)
    time_aggregation = serializers.ChoiceField(choices=Indicator.TimeAggregation.choices)
    unit_aggregation = serializers.ChoiceField(choices=Indicator.UnitAggregation.choices)
    baseline_value = DecimalString(allow_null=True)
    baseline_date = serializers.DateField(allow_null=True)
    collection_frequency = serializers.ChoiceField(choices=Indicator.Frequency.choices)
    responsible_unit = serializers.IntegerField(allow_null=True)
    responsible_unit_code = serializers.CharField(allow_null=True)
    dimension_codes = serializers.ListField(child=serializers.CharField())
    is_sample = serializers.BooleanField()
    version = serializers.IntegerField()
    current = TreeCurrentSerializer(
        allow_null=True, help_text="The current overall target and its result as of `as_of`; null without targets."
    )
    targets = TreeTargetSerializer(
        many=True, help_text="Overall and unit targets (not disaggregated ones) by period, each with its result."
    )


class TreeRollupSerializer(serializers.Serializer[Any]):
    achievement = DecimalString(
        allow_null=True, help_text="Mean achievement (each capped at 1) of the subtree's indicators with data."
    )
    status = serializers.ChoiceField(choices=STATUS_CHOICES)
    counts = StatusCountsSerializer(help_text="The subtree's indicators by current status.")


class TreeLinkSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(help_text="The node this one contributes to.")
    framework = serializers.IntegerField()
    framework_code = serializers.CharField()
    code = serializers.CharField()
    title_display = serializers.CharField()


class TreeNodeSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    parent = serializers.IntegerField(allow_null=True)  # type: ignore[assignment]
    tier = serializers.IntegerField(help_text="0 for the top tier; the tier's name is tiers[tier].")
    position = serializers.IntegerField()
    number = serializers.CharField()
    ref_code = serializers.CharField()
    code = serializers.CharField()
    title = TranslatedTextField()
    title_display = serializers.CharField()
    description = TranslatedTextField(text_required=False)
    description_display = serializers.CharField()
    status_note = serializers.CharField()
    is_sample = serializers.BooleanField()
    version = serializers.IntegerField()
    rollup = TreeRollupSerializer()
    indicators = TreeIndicatorSerializer(many=True)
    links = TreeLinkSerializer(many=True)


class FrameworkTreeSerializer(serializers.Serializer[Any]):
    framework = FrameworkSerializer()
    as_of = serializers.DateField()
    tiers = TreeTierSerializer(many=True)
    totals = StatusCountsSerializer(help_text="The framework's indicators by current status.")
    nodes = TreeNodeSerializer(many=True, help_text="Every active node, in outline order.")
