"""Every write to frameworks, nodes, indicators, targets and values: authorised, validated, audited, atomic.

Rights: framework structure needs ``approve`` (managers) on the owning unit; nodes, indicators and
targets need ``change`` on the owning unit; a value needs ``change`` on the reporting unit and read
access to the framework; approving a value needs ``approve`` on the reporting unit.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from orbit.governance.services import audited_archive, audited_create, audited_restore, audited_update
from orbit.governance.workflow import check_transition
from orbit.organisation.access import ancestor_paths, can, reads_from_below, require
from orbit.organisation.models import OrgUnit
from orbit.results.models import (
    ActualValue,
    Dimension,
    Framework,
    Indicator,
    NodeLink,
    PeriodLock,
    ResultNode,
    Target,
)
from orbit.results.models.periods import PeriodType, period_errors

FRAMEWORK_FIELDS = (
    "code", "name", "description", "kind", "cycle_start", "cycle_end", "owner_unit", "status", "tiers",
    "is_public", "on_track_threshold", "at_risk_threshold", "source", "is_sample",
)  # fmt: skip
NODE_FIELDS = ("title", "description", "ref_code", "status_note", "source", "is_sample")
INDICATOR_FIELDS = (
    "code", "title", "definition", "unit_label", "measure", "currency", "score_scale", "numerator_le_denominator",
    "direction", "time_aggregation", "unit_aggregation", "baseline_value", "baseline_date", "baseline_note",
    "means_of_verification", "data_source", "collection_frequency", "responsible_unit", "dimension_codes",
    "position", "is_sample",
)  # fmt: skip
TARGET_FIELDS = ("period_type", "period_start", "period_end", "unit", "value", "score", "note", "dimension",
                 "category", "is_sample")  # fmt: skip
ACTUAL_FIELDS = ("period_type", "period_start", "period_end", "unit", "value", "numerator", "denominator", "score",
                 "narrative", "dimension", "category", "is_sample")  # fmt: skip


def framework_readable(actor: Any, framework: Framework) -> bool:
    """Whether ``actor`` may read ``framework`` (its owner's scope, public, or shared down to the actor)."""
    return can(actor, "view", framework.owner_unit.path) or _shared(actor, framework)


def _shared(actor: Any, framework: Framework) -> bool:
    """Readable without a role on its owner: public, or owned by a unit above one of the actor's units."""
    return framework.is_public or reads_from_below(actor, framework.owner_unit.path)


def _only(values: dict[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = set(values) - set(allowed)
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), _("This field cannot be changed here.")))


# --- frameworks -----------------------------------------------------------------------------------------------


@transaction.atomic
def framework_create(*, actor: Any, owner_unit: OrgUnit, reason: str = "", **values: Any) -> Framework:
    _only(values, FRAMEWORK_FIELDS)
    require(actor, "approve", owner_unit.path, noun="unit")
    framework = Framework(owner_unit=owner_unit, **values)
    return audited_create(actor=actor, instance=framework, reason=reason)


@transaction.atomic
def framework_update(
    *, actor: Any, framework: Framework, expected_version: int, reason: str = "", **values: Any
) -> Framework:
    _only(values, FRAMEWORK_FIELDS)
    require(actor, "approve", framework.owner_unit.path, noun="framework", public=_shared(actor, framework))
    if "owner_unit" in values and values["owner_unit"] != framework.owner_unit:
        require(actor, "approve", values["owner_unit"].path, noun="unit")
    if "tiers" in values:
        deepest = ResultNode.objects.filter(framework=framework).aggregate(deepest=Max("tier"))["deepest"]
        if deepest is not None and len(values["tiers"]) <= deepest:
            raise ValidationError(
                {
                    "tiers": ngettext(
                        "Nodes use %(count)d tier; keep at least that many.",
                        "Nodes use %(count)d tiers; keep at least that many.",
                        deepest + 1,
                    )
                    % {"count": deepest + 1}
                }
            )
    cycle_start = values.get("cycle_start", framework.cycle_start)
    cycle_end = values.get("cycle_end", framework.cycle_end)
    if (cycle_start, cycle_end) != (framework.cycle_start, framework.cycle_end):
        outside = Target.objects.filter(indicator__node__framework=framework).filter(
            Q(period_start__lt=cycle_start) | Q(period_end__gt=cycle_end)
        )
        outside_values = ActualValue.objects.filter(indicator__node__framework=framework).filter(
            Q(period_start__lt=cycle_start) | Q(period_end__gt=cycle_end)
        )
        count = outside.count() + outside_values.count()
        if count:
            raise ValidationError(
                {
                    "cycle_start": ngettext(
                        "%(count)d target or value would fall outside the new cycle.",
                        "%(count)d targets or values would fall outside the new cycle.",
                        count,
                    )
                    % {"count": count}
                }
            )
    return audited_update(
        actor=actor, instance=framework, expected_version=expected_version, values=values, reason=reason
    )


@transaction.atomic
def framework_archive(*, actor: Any, framework: Framework, expected_version: int, reason: str) -> Framework:
    require(actor, "approve", framework.owner_unit.path, noun="framework", public=_shared(actor, framework))
    return audited_archive(actor=actor, instance=framework, expected_version=expected_version, reason=reason)


@transaction.atomic
def framework_restore(*, actor: Any, framework: Framework, expected_version: int, reason: str = "") -> Framework:
    require(actor, "approve", framework.owner_unit.path, noun="framework", public=_shared(actor, framework))
    return audited_restore(actor=actor, instance=framework, expected_version=expected_version, reason=reason)


# --- nodes ----------------------------------------------------------------------------------------------------


def _segment(position: int) -> str:
    """Paths are built from sibling positions, so ordering by path lists the outline in order."""
    return f"{position:05d}/"


def renumber(framework: Framework) -> None:
    """Recompute outline numbers, paths, tiers and sibling positions of a framework's active nodes, in bulk."""
    nodes = list(
        ResultNode.objects.filter(framework=framework).only("id", "parent_id", "position", "number", "path", "tier")
    )
    children: dict[int | None, list[ResultNode]] = defaultdict(list)
    for node in nodes:
        children[node.parent_id].append(node)
    changed: list[ResultNode] = []
    stack: list[tuple[int | None, str, str, int]] = [(None, "", "/", 0)]
    while stack:
        parent_id, prefix, path, tier = stack.pop()
        siblings = sorted(children.get(parent_id, []), key=lambda n: (n.position, n.pk))
        for index, node in enumerate(siblings, start=1):
            number = f"{prefix}{index}"
            node_path = f"{path}{_segment(index)}"
            if (node.number, node.path, node.position, node.tier) != (number, node_path, index, tier):
                node.number, node.path, node.position, node.tier = number, node_path, index, tier
                changed.append(node)
            stack.append((node.pk, f"{number}.", node_path, tier + 1))
    if changed:
        ResultNode.all_objects.bulk_update_derived(changed, ["number", "path", "position", "tier"])


def _require_framework_change(actor: Any, framework: Framework) -> None:
    require(actor, "change", framework.owner_unit.path, noun="framework", public=_shared(actor, framework))
    if framework.is_archived:
        raise ValidationError({"framework": _("The framework is archived.")})
    if framework.status == Framework.Status.CLOSED:
        raise ValidationError({"framework": _("The framework is closed; reopen it to change it.")})


@transaction.atomic
def node_create(
    *,
    actor: Any,
    framework: Framework,
    title: dict[str, str],
    parent: ResultNode | None = None,
    position: int | None = None,
    reason: str = "",
    **values: Any,
) -> ResultNode:
    _only(values, NODE_FIELDS)
    _require_framework_change(actor, framework)
    if parent is not None and parent.framework_id != framework.pk:
        raise ValidationError({"parent": _("The parent node belongs to another framework.")})
    if parent is not None and parent.is_archived:
        raise ValidationError({"parent": _("The parent node is archived.")})
    tier = parent.tier + 1 if parent is not None else 0
    if tier >= len(framework.tiers):
        raise ValidationError(
            {
                "parent": ngettext(
                    "The framework has %(count)d tier; this node would be below it.",
                    "The framework has %(count)d tiers; this node would be below them.",
                    len(framework.tiers),
                )
                % {"count": len(framework.tiers)}
            }
        )
    siblings = ResultNode.objects.filter(framework=framework, parent=parent)
    last = siblings.aggregate(last=Max("position"))["last"] or 0
    node = ResultNode(
        framework=framework,
        parent=parent,
        tier=tier,
        position=last + 1,
        title=title,
        **values,
    )
    inserting = position is not None and 1 <= position <= last
    if inserting:
        # Make room: take the place of the sibling now at ``position``; it and those after it move down.
        assert position is not None
        node.position = position
        _shift_siblings(framework, parent, position)
    else:
        # Appended after its siblings: its number and path follow from its parent's; nothing else moves.
        if parent is not None:  # read afresh: the caller's copy may predate a renumbering
            parent_number, parent_path = ResultNode.all_objects.values_list("number", "path").get(pk=parent.pk)
            node.number, node.path = f"{parent_number}.{node.position}", f"{parent_path}{_segment(node.position)}"
        else:
            node.number, node.path = str(node.position), f"/{_segment(node.position)}"

    def place(created: ResultNode) -> None:
        if inserting:
            renumber(framework)
            created.refresh_from_db(fields=["number", "path", "position", "tier"])

    return audited_create(actor=actor, instance=node, reason=reason, after_insert=place)


def _shift_siblings(framework: Framework, parent: ResultNode | None, from_position: int) -> None:
    moving = list(ResultNode.objects.filter(framework=framework, parent=parent, position__gte=from_position))
    for sibling in moving:
        sibling.position += 1
    if moving:
        ResultNode.all_objects.bulk_update_derived(moving, ["position"])


@transaction.atomic
def node_update(*, actor: Any, node: ResultNode, expected_version: int, reason: str = "", **values: Any) -> ResultNode:
    _only(values, NODE_FIELDS)
    _require_framework_change(actor, node.framework)
    return audited_update(actor=actor, instance=node, expected_version=expected_version, values=values, reason=reason)


@transaction.atomic
def node_move(
    *,
    actor: Any,
    node: ResultNode,
    expected_version: int,
    parent: ResultNode | None,
    position: int,
    reason: str = "",
) -> ResultNode:
    """Move ``node`` under ``parent`` (same tier as before) at ``position``; the framework is renumbered."""
    framework = node.framework
    _require_framework_change(actor, framework)
    if parent is not None:
        if parent.framework_id != framework.pk:
            raise ValidationError({"parent": _("The new parent belongs to another framework.")})
        if parent.path.startswith(node.path):
            raise ValidationError({"parent": _("A node cannot move under itself or its descendants.")})
        if parent.tier + 1 != node.tier:
            raise ValidationError({"parent": _("A node moves only under a node of the tier above it.")})
    elif node.tier != 0:
        raise ValidationError({"parent": _("Only a top-tier node can be at the top.")})
    if position < 1:
        raise ValidationError({"position": _("Positions start at 1.")})
    _shift_siblings(framework, parent, position)
    moved = audited_update(
        actor=actor,
        instance=node,
        expected_version=expected_version,
        values={"parent": parent, "position": position},
        reason=reason,
        action="move",
    )
    renumber(framework)
    moved.refresh_from_db()
    return moved


@transaction.atomic
def node_archive(*, actor: Any, node: ResultNode, expected_version: int, reason: str) -> ResultNode:
    _require_framework_change(actor, node.framework)
    if ResultNode.objects.filter(parent=node).exists():
        raise ValidationError({"children": _("Archive or move its child nodes first.")})
    archived = audited_archive(actor=actor, instance=node, expected_version=expected_version, reason=reason)
    archived.path = f"/archived-{archived.pk}/"  # out of the outline, so no active path can collide with it
    ResultNode.all_objects.bulk_update_derived([archived], ["path"])
    renumber(node.framework)
    return archived


@transaction.atomic
def node_restore(*, actor: Any, node: ResultNode, expected_version: int, reason: str = "") -> ResultNode:
    _require_framework_change(actor, node.framework)
    if node.parent is not None and node.parent.is_archived:
        raise ValidationError({"parent": _("Restore the parent node first.")})
    last = ResultNode.objects.filter(framework=node.framework, parent=node.parent).aggregate(m=Max("position"))["m"]
    node.position = (last or 0) + 1
    ResultNode.all_objects.bulk_update_derived([node], ["position"])
    restored = audited_restore(actor=actor, instance=node, expected_version=expected_version, reason=reason)
    renumber(node.framework)
    restored.refresh_from_db()
    return restored


@transaction.atomic
def node_link(*, actor: Any, source: ResultNode, target: ResultNode, note: str = "", reason: str = "") -> NodeLink:
    """Record that ``source`` contributes to ``target`` (a node of another framework, an SDG target)."""
    _require_framework_change(actor, source.framework)
    require(actor, "view", target.framework.owner_unit.path, noun="node", public=_shared(actor, target.framework))
    return audited_create(actor=actor, instance=NodeLink(source=source, target=target, note=note), reason=reason)


@transaction.atomic
def node_unlink(*, actor: Any, link: NodeLink, expected_version: int, reason: str) -> NodeLink:
    _require_framework_change(actor, link.source.framework)
    return audited_archive(actor=actor, instance=link, expected_version=expected_version, reason=reason)


@transaction.atomic
def node_link_restore(*, actor: Any, link: NodeLink, expected_version: int, reason: str = "") -> NodeLink:
    """Record again a contribution that was removed; at most one active link joins two nodes."""
    _require_framework_change(actor, link.source.framework)
    target_framework = link.target.framework
    require(actor, "view", target_framework.owner_unit.path, noun="node", public=_shared(actor, target_framework))
    if link.source.is_archived or link.target.is_archived:
        raise ValidationError({"target": _("One of the linked nodes is archived; restore it first.")})
    if NodeLink.objects.filter(source_id=link.source_id, target_id=link.target_id).exclude(pk=link.pk).exists():
        raise ValidationError({"target": _("This contribution is already recorded.")})
    return audited_restore(actor=actor, instance=link, expected_version=expected_version, reason=reason)


# --- indicators -----------------------------------------------------------------------------------------------


def _check_dimensions(codes: Any) -> None:
    if not codes:
        return
    if not isinstance(codes, list):
        raise ValidationError({"dimension_codes": _("Give a list of dimension codes.")})
    known = set(Dimension.objects.filter(code__in=codes).values_list("code", flat=True))
    missing = [c for c in codes if c not in known]
    if missing:
        raise ValidationError(
            {"dimension_codes": _("Unknown dimension(s): %(codes)s.") % {"codes": ", ".join(map(str, missing))}}
        )


def _check_baseline_against_targets(indicator: Indicator, baseline_date: dt.date | None) -> None:
    if baseline_date is None or indicator.pk is None:
        return
    early = Target.objects.filter(indicator=indicator, period_start__lt=baseline_date).order_by("period_start").first()
    if early is not None:
        raise ValidationError(
            {
                "baseline_date": _("The baseline (%(date)s) is dated after the target for %(period)s.")
                % {"date": baseline_date, "period": early.period_label}
            }
        )


@transaction.atomic
def indicator_create(*, actor: Any, node: ResultNode, reason: str = "", **values: Any) -> Indicator:
    _only(values, INDICATOR_FIELDS)
    _require_framework_change(actor, node.framework)
    _check_dimensions(values.get("dimension_codes"))
    if "position" not in values:
        last = Indicator.objects.filter(node=node).aggregate(m=Max("position"))["m"] or 0
        values["position"] = last + 1
    return audited_create(actor=actor, instance=Indicator(node=node, **values), reason=reason)


@transaction.atomic
def indicator_update(
    *, actor: Any, indicator: Indicator, expected_version: int, reason: str = "", **values: Any
) -> Indicator:
    _only(values, INDICATOR_FIELDS)
    assert indicator.node is not None
    _require_framework_change(actor, indicator.node.framework)
    _check_dimensions(values.get("dimension_codes"))
    if "baseline_date" in values:
        _check_baseline_against_targets(indicator, values["baseline_date"])
    if "measure" in values and values["measure"] != indicator.measure and indicator.actuals.exists():
        raise ValidationError({"measure": _("Values were reported; the measure can no longer change.")})
    return audited_update(
        actor=actor, instance=indicator, expected_version=expected_version, values=values, reason=reason
    )


@transaction.atomic
def indicator_archive(*, actor: Any, indicator: Indicator, expected_version: int, reason: str) -> Indicator:
    assert indicator.node is not None
    _require_framework_change(actor, indicator.node.framework)
    return audited_archive(actor=actor, instance=indicator, expected_version=expected_version, reason=reason)


@transaction.atomic
def indicator_restore(*, actor: Any, indicator: Indicator, expected_version: int, reason: str = "") -> Indicator:
    assert indicator.node is not None
    _require_framework_change(actor, indicator.node.framework)
    return audited_restore(actor=actor, instance=indicator, expected_version=expected_version, reason=reason)


# --- periods, targets and values ------------------------------------------------------------------------------


def _as_decimal(field: str, value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValidationError({field: _("Give a number, not true or false.")})
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError({field: _("“%(value)s” is not a number.") % {"value": value}}) from exc
    if not number.is_finite():
        raise ValidationError({field: _("“%(value)s” is not a finite number.") % {"value": value}})
    return number


def _check_period_and_category(
    obj: Target | ActualValue, indicator: Indicator, framework: Framework, model: type[Target] | type[ActualValue]
) -> None:
    errors = period_errors(
        obj.period_type, obj.period_start, obj.period_end, framework.cycle_start, framework.cycle_end
    )
    if errors:
        raise ValidationError(errors)
    if obj.dimension_id is not None:
        assert obj.dimension is not None
        if obj.dimension.code not in (indicator.dimension_codes or []):
            raise ValidationError(
                {
                    "dimension": _("%(indicator)s is not broken down by %(dimension)s.")
                    % {"indicator": indicator.code, "dimension": obj.dimension.code}
                }
            )
        if obj.category not in obj.dimension.category_codes:
            raise ValidationError(
                {"category": _("“%(category)s” is not a category of %(dimension)s: %(categories)s.") % {
                    "category": obj.category, "dimension": obj.dimension.code,
                    "categories": ", ".join(obj.dimension.category_codes),
                }}
            )  # fmt: skip
    elif obj.category:
        raise ValidationError({"category": _("A category needs its dimension.")})
    overlapping = model.objects.filter(
        indicator=indicator,
        period_type=obj.period_type,
        unit=obj.unit,
        dimension=obj.dimension,
        category=obj.category,
        period_start__lte=obj.period_end,
        period_end__gte=obj.period_start,
    )
    if obj.pk is not None:
        overlapping = overlapping.exclude(pk=obj.pk)
    clash = overlapping.first()
    if clash is not None:
        raise ValidationError(
            {"period_start": _("It overlaps the %(period_type)s %(period)s already recorded for %(indicator)s.") % {
                "period_type": str(PeriodType(obj.period_type).label).lower(), "period": clash.period_label,
                "indicator": indicator.code,
            }}
        )  # fmt: skip


def _check_target_value(target: Target, indicator: Indicator) -> None:
    if indicator.is_quantitative:
        target.value = _as_decimal("value", target.value)
        if target.value is None:
            raise ValidationError(
                {
                    "value": _("%(indicator)s is quantitative: give the target as a number.")
                    % {"indicator": indicator.code}
                }
            )
        if target.score is not None:
            raise ValidationError({"score": _("Scores are for qualitative indicators.")})
        if indicator.measure == Indicator.Measure.PERCENTAGE and not Decimal(0) <= target.value <= Decimal(100):
            raise ValidationError({"value": _("A percentage target lies between 0 and 100.")})
    else:
        if target.score is None or (indicator.scores and target.score not in indicator.scores):
            raise ValidationError(
                {"score": _("Give one of the scores %(scores)s of %(indicator)s.")
                          % {"scores": indicator.scores, "indicator": indicator.code}}
            )  # fmt: skip
        if target.value not in (None, ""):
            raise ValidationError({"value": _("A qualitative indicator's target is a score, not a number.")})
    if indicator.baseline_date and target.period_start < indicator.baseline_date:
        raise ValidationError(
            {
                "period_start": _("The target for %(period)s is dated before the baseline (%(date)s).")
                % {"period": target.period_label, "date": indicator.baseline_date}
            }
        )


def _indicator_framework(indicator: Indicator) -> Framework:
    if indicator.node is None:
        raise ValidationError({"indicator": _("The indicator is not attached to a results framework.")})
    return indicator.node.framework


@transaction.atomic
def target_create(*, actor: Any, indicator: Indicator, reason: str = "", **values: Any) -> Target:
    _only(values, TARGET_FIELDS)
    framework = _indicator_framework(indicator)
    _require_framework_change(actor, framework)
    target = Target(indicator=indicator, **values)
    _check_target_value(target, indicator)
    _check_period_and_category(target, indicator, framework, Target)
    return audited_create(actor=actor, instance=target, reason=reason)


@transaction.atomic
def target_update(*, actor: Any, target: Target, expected_version: int, reason: str = "", **values: Any) -> Target:
    _only(values, TARGET_FIELDS)
    indicator = target.indicator
    framework = _indicator_framework(indicator)
    _require_framework_change(actor, framework)
    probe = Target.all_objects.get(pk=target.pk)
    for name, value in values.items():
        setattr(probe, name, value)
    _check_target_value(probe, indicator)
    _check_period_and_category(probe, indicator, framework, Target)
    values = {name: getattr(probe, name) for name in values}
    return audited_update(actor=actor, instance=target, expected_version=expected_version, values=values, reason=reason)


@transaction.atomic
def target_archive(*, actor: Any, target: Target, expected_version: int, reason: str) -> Target:
    _require_framework_change(actor, _indicator_framework(target.indicator))
    return audited_archive(actor=actor, instance=target, expected_version=expected_version, reason=reason)


@transaction.atomic
def target_restore(*, actor: Any, target: Target, expected_version: int, reason: str = "") -> Target:
    """Bring back an archived target; it must still fit the cycle and overlap no active target."""
    indicator = target.indicator
    framework = _indicator_framework(indicator)
    _require_framework_change(actor, framework)
    if indicator.is_archived:
        raise ValidationError({"indicator": _("The indicator is archived; restore it first.")})
    _check_period_and_category(target, indicator, framework, Target)
    return audited_restore(actor=actor, instance=target, expected_version=expected_version, reason=reason)


def _check_actual_value(actual: ActualValue, indicator: Indicator) -> None:
    measure = indicator.measure
    actual.value = _as_decimal("value", actual.value)
    actual.numerator = _as_decimal("numerator", actual.numerator)
    actual.denominator = _as_decimal("denominator", actual.denominator)
    if measure == Indicator.Measure.PERCENTAGE:
        if actual.numerator is None or actual.denominator is None:
            raise ValidationError(
                {
                    "numerator": _("%(indicator)s is a percentage: give numerator and denominator.")
                    % {"indicator": indicator.code}
                }
            )
        if actual.denominator <= 0:
            raise ValidationError({"denominator": _("The denominator must be greater than zero.")})
        if actual.numerator < 0:
            raise ValidationError({"numerator": _("The numerator cannot be negative.")})
        if indicator.numerator_le_denominator and actual.numerator > actual.denominator:
            raise ValidationError(
                {"numerator": _("The numerator (%(numerator)s) is greater than the denominator (%(denominator)s).")
                              % {"numerator": actual.numerator, "denominator": actual.denominator}}
            )  # fmt: skip
        actual.value = (actual.numerator / actual.denominator * 100).quantize(Decimal("0.000001"))
        actual.score = None
    elif measure == Indicator.Measure.QUALITATIVE:
        if actual.score is None or (indicator.scores and actual.score not in indicator.scores):
            raise ValidationError(
                {"score": _("Give one of the scores %(scores)s of %(indicator)s.")
                          % {"scores": indicator.scores, "indicator": indicator.code}}
            )  # fmt: skip
        if actual.value is not None or actual.numerator is not None or actual.denominator is not None:
            raise ValidationError({"value": _("A qualitative value is a score and a narrative, not a number.")})
    else:
        if actual.value is None:
            raise ValidationError(
                {
                    "value": _("%(indicator)s is quantitative: give the value as a number.")
                    % {"indicator": indicator.code}
                }
            )
        if actual.numerator is not None or actual.denominator is not None:
            raise ValidationError({"numerator": _("Only percentages take a numerator and denominator.")})
        if actual.score is not None:
            raise ValidationError({"score": _("Scores are for qualitative indicators.")})


def _check_disaggregation_total(actual: ActualValue, indicator: Indicator) -> None:
    """Where a dimension is exhaustive and every category is reported, the categories add up to the total."""
    if not indicator.is_quantitative or indicator.measure == Indicator.Measure.PERCENTAGE:
        return
    same_period = ActualValue.objects.filter(
        indicator=indicator,
        unit=actual.unit,
        period_type=actual.period_type,
        period_start=actual.period_start,
        period_end=actual.period_end,
    ).select_related("dimension")
    if actual.pk is not None:
        same_period = same_period.exclude(pk=actual.pk)
    rows = [*same_period, actual]
    total = next((row.value for row in rows if row.dimension_id is None), None)
    by_dimension: dict[int, dict[str, Decimal]] = defaultdict(dict)
    dimensions: dict[int, Dimension] = {}
    for row in rows:
        if row.dimension_id is not None and row.value is not None:
            assert row.dimension is not None
            by_dimension[row.dimension_id][row.category] = row.value
            dimensions[row.dimension_id] = row.dimension
    if total is None:
        return
    for dimension_id, values in by_dimension.items():
        dimension = dimensions[dimension_id]
        if not dimension.exhaustive or set(values) != set(dimension.category_codes):
            continue
        parts = sum(values.values(), Decimal(0))
        if parts != total:
            message = _("The %(dimension)s categories add up to %(parts)s, but the total for %(period)s is %(total)s.")
            shown = {"dimension": dimension.code, "parts": parts, "period": actual.period_label, "total": total}
            raise ValidationError({"value": message % shown})


@transaction.atomic
def actual_create(*, actor: Any, indicator: Indicator, unit: OrgUnit, reason: str = "", **values: Any) -> ActualValue:
    _only({**values, "unit": unit}, ACTUAL_FIELDS)
    framework = _indicator_framework(indicator)
    require(actor, "view", framework.owner_unit.path, noun="indicator", public=_shared(actor, framework))
    require(actor, "change", unit.path, noun="unit")
    if framework.is_archived or framework.status == Framework.Status.CLOSED:
        raise ValidationError({"framework": _("The framework is closed to new values.")})
    actual = ActualValue(indicator=indicator, unit=unit, **values)
    if actual.period_start and actual.period_end:
        refuse_if_locked(unit, actual.period_start, actual.period_end, what="value")
    _check_actual_value(actual, indicator)
    _check_period_and_category(actual, indicator, framework, ActualValue)
    _check_disaggregation_total(actual, indicator)
    return audited_create(actor=actor, instance=actual, reason=reason)


@transaction.atomic
def actual_update(
    *, actor: Any, actual: ActualValue, expected_version: int, reason: str = "", **values: Any
) -> ActualValue:
    _only(values, (*ACTUAL_FIELDS, "status"))
    indicator = actual.indicator
    framework = _indicator_framework(indicator)
    require(actor, "change", actual.unit.path, noun="value")
    if "unit" in values:
        require(actor, "change", values["unit"].path, noun="unit")
    new_status = values.get("status", actual.status)
    if new_status == ActualValue.Status.APPROVED and actual.status != ActualValue.Status.APPROVED:
        require(actor, "approve", actual.unit.path, noun="value")
    if actual.status == ActualValue.Status.APPROVED and set(values) - {"status"}:
        raise ValidationError({"status": _("The value is approved; return it to draft before changing it.")})
    if actual.status == ActualValue.Status.APPROVED and new_status != actual.status:
        require(actor, "approve", actual.unit.path, noun="value")
    refuse_if_locked(actual.unit, actual.period_start, actual.period_end, what="value")
    probe = ActualValue.all_objects.get(pk=actual.pk)
    for name, value in values.items():
        setattr(probe, name, value)
    refuse_if_locked(probe.unit, probe.period_start, probe.period_end, what="value")
    _check_actual_value(probe, indicator)
    _check_period_and_category(probe, indicator, framework, ActualValue)
    _check_disaggregation_total(probe, indicator)
    changed = {name: getattr(probe, name) for name in (*values, "value", "score")}
    return audited_update(
        actor=actor, instance=actual, expected_version=expected_version, values=changed, reason=reason
    )


@transaction.atomic
def actual_archive(*, actor: Any, actual: ActualValue, expected_version: int, reason: str) -> ActualValue:
    require(actor, "change", actual.unit.path, noun="value")
    refuse_if_locked(actual.unit, actual.period_start, actual.period_end, what="value")
    if actual.status == ActualValue.Status.APPROVED:
        require(actor, "approve", actual.unit.path, noun="value")
    return audited_archive(actor=actor, instance=actual, expected_version=expected_version, reason=reason)


@transaction.atomic
def actual_restore(*, actor: Any, actual: ActualValue, expected_version: int, reason: str = "") -> ActualValue:
    """Bring back an archived value (managers for approved ones); it must still fit among the active values."""
    require(actor, "change", actual.unit.path, noun="value")
    if actual.status == ActualValue.Status.APPROVED:
        require(actor, "approve", actual.unit.path, noun="value")
    indicator = actual.indicator
    if indicator.is_archived:
        raise ValidationError({"indicator": _("The indicator is archived; restore it first.")})
    _check_period_and_category(actual, indicator, _indicator_framework(indicator), ActualValue)
    _check_disaggregation_total(actual, indicator)
    return audited_restore(actor=actor, instance=actual, expected_version=expected_version, reason=reason)


# --- dimensions -----------------------------------------------------------------------------------------------


@transaction.atomic
def dimension_create(*, actor: Any, reason: str = "", **values: Any) -> Dimension:
    if not getattr(actor, "is_superuser", False):
        from orbit.organisation.access import can_anywhere

        if not can_anywhere(actor, "admin"):
            from orbit.core.errors import PermissionDenied

            raise PermissionDenied(_("Only an administrator may define disaggregation dimensions."))
    return audited_create(actor=actor, instance=Dimension(**values), reason=reason)


# --- locked periods and the review workflow of values ----------------------------------------------------------


def period_lock_find(unit: OrgUnit, start: dt.date, end: dt.date) -> PeriodLock | None:
    """The active lock (on this unit or one above it) that covers any day of ``start``–``end``."""
    return (
        PeriodLock.objects.filter(
            unit__path__in=ancestor_paths(unit.path), period_start__lte=end, period_end__gte=start
        )
        .select_related("unit")
        .order_by("period_start")
        .first()
    )


def refuse_if_locked(unit: OrgUnit, start: dt.date, end: dt.date, *, what: str = "record") -> None:
    lock = period_lock_find(unit, start, end)
    if lock is not None:
        if what == "value":
            message = _(
                "The value falls in a locked period (%(unit)s, %(start)s to %(end)s); a manager must unlock it first."
            )
        elif what == "update":
            message = _(
                "The update falls in a locked period (%(unit)s, %(start)s to %(end)s); a manager must unlock it first."
            )
        else:
            message = _(
                "The record falls in a locked period (%(unit)s, %(start)s to %(end)s); a manager must unlock it first."
            )
        values = {"unit": lock.unit.code, "start": lock.period_start, "end": lock.period_end}
        raise ValidationError({"period_start": message % values})


@transaction.atomic
def period_lock(*, actor: Any, unit: OrgUnit, period_start: dt.date, period_end: dt.date, reason: str) -> PeriodLock:
    """Close a unit's reporting for a period to changes (managers; the reason goes to the audit log)."""
    require(actor, "approve", unit.path, noun="unit")
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the period is locked.")})
    if period_end < period_start:
        raise ValidationError({"period_end": _("The period ends before it starts.")})
    lock = PeriodLock(unit=unit, period_start=period_start, period_end=period_end, reason=reason.strip())
    return audited_create(actor=actor, instance=lock, reason=reason.strip())


@transaction.atomic
def period_unlock(*, actor: Any, lock: PeriodLock, expected_version: int, reason: str) -> PeriodLock:
    """Reopen a locked period (managers of the locked unit, with a reason)."""
    require(actor, "approve", lock.unit.path, noun="lock")
    return audited_archive(actor=actor, instance=lock, expected_version=expected_version, reason=reason)


@transaction.atomic
def actual_transition(
    *, actor: Any, actual: ActualValue, action: str, expected_version: int, note: str = ""
) -> ActualValue:
    """Move a value through the review workflow (:mod:`orbit.governance.workflow`): submit, return,
    approve, reopen.  Contributors of the reporting unit submit; its managers return, approve and reopen."""
    transition = check_transition(action, actual.status, note)
    require(actor, transition.right, actual.unit.path, noun="value")
    refuse_if_locked(actual.unit, actual.period_start, actual.period_end, what="value")
    values: dict[str, Any] = {"status": transition.target}
    if action == "return":
        values["review_note"] = note.strip()
    elif action == "submit":
        values["review_note"] = actual.review_note if actual.status == ActualValue.Status.RETURNED else ""
    return audited_update(
        actor=actor,
        instance=actual,
        expected_version=expected_version,
        values=values,
        reason=note.strip(),
        action="approve" if action == "approve" else "update",
    )
