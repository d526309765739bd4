"""Reads of frameworks, nodes, indicators, targets and values, scoped by the reader's units.

A framework is readable by users whose scope covers its owning unit, and by every signed-in user when it
is public (the SDGs, a governing body's strategic plan).  A value is readable by those who can read its
framework's owning unit and by those whose scope covers the reporting unit.
"""

from __future__ import annotations

import datetime as dt
import gc
from collections import defaultdict
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple, TypeVar

import orjson
from django.db import connection, connections
from django.db.models import JSONField, Model, Q, QuerySet
from django.db.models.base import ModelState
from django.utils import timezone

from orbit.core.errors import NotFound
from orbit.core.fields import TranslatedText, TranslatedTextField, translated_search_q
from orbit.organisation.access import ALL, paths_above_scope, scope_paths
from orbit.results.models import ActualValue, Dimension, Framework, Indicator, NodeLink, ResultNode, Target
from orbit.results.rollup import (
    IndicatorRules,
    NodeResult,
    TargetResult,
    choose_current,
    evaluate_targets,
    roll_up_nodes,
    to_exact_decimal,
)

M = TypeVar("M", bound=Model)

#: Which values a roll-up counts.  Reads count approved values unless the reader asks for more; whatever
#: counts more than approved values says so where it is shown.
COUNTED: dict[str, tuple[str, ...]] = {
    "approved": ("approved",),
    "submitted": ("approved", "submitted"),
    "all": ("approved", "submitted", "returned", "draft"),
}
COUNTED_BY_DEFAULT = COUNTED["approved"]


def _path_q(user: Any, action: str, field_name: str) -> Q | None:
    """None when the user's scope is everything; else a Q over ``field_name`` (possibly matching nothing)."""
    paths = scope_paths(user, action)
    if paths is ALL:
        return None
    assert isinstance(paths, list)
    query = Q(pk__in=[])
    for path in paths:
        query |= Q(**{f"{field_name}__startswith": path})
    return query


def _framework_q(user: Any, action: str, prefix: str = "") -> Q | None:
    """Frameworks in the user's scope for ``action``; to view, also public ones and those owned by a unit
    above one of the user's units (plans are shared downwards, :func:`orbit.organisation.access.paths_above_scope`)."""
    scoped = _path_q(user, action, f"{prefix}owner_unit__path")
    if scoped is None:
        return None
    if action == "view" and getattr(user, "is_authenticated", False):
        scoped |= Q(**{f"{prefix}is_public": True})
        above = paths_above_scope(user)
        if above is not ALL and above:
            scoped |= Q(**{f"{prefix}owner_unit__path__in": above})
    return scoped


def framework_restrict(user: Any, action: str = "view", *, include_archived: bool = False) -> QuerySet[Framework]:
    manager = Framework.all_objects if include_archived else Framework.objects
    frameworks = manager.select_related("owner_unit")
    if not getattr(user, "is_authenticated", False):
        return frameworks.none()
    query = _framework_q(user, action)
    return frameworks if query is None else frameworks.filter(query)


def framework_get(user: Any, pk: Any, action: str = "view") -> Framework:
    try:
        return framework_restrict(user, action, include_archived=True).get(pk=pk)
    except (Framework.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound("No such results framework.") from exc


def framework_list(
    user: Any, *, q: str = "", status: str = "", kind: str = "", include_archived: bool = False
) -> QuerySet[Framework]:
    frameworks = framework_restrict(user, include_archived=include_archived)
    if q:
        frameworks = frameworks.filter(Q(code__icontains=q) | translated_search_q(q, "name"))
    if status:
        frameworks = frameworks.filter(status=status)
    if kind:
        frameworks = frameworks.filter(kind=kind)
    return frameworks.order_by("-cycle_start", "code")


def _via_framework(user: Any, queryset: QuerySet[Any], prefix: str) -> QuerySet[Any]:
    if not getattr(user, "is_authenticated", False):
        return queryset.none()
    query = _framework_q(user, "view", prefix)
    return queryset if query is None else queryset.filter(query)


def node_restrict(user: Any, *, include_archived: bool = False) -> QuerySet[ResultNode]:
    manager = ResultNode.all_objects if include_archived else ResultNode.objects
    return _via_framework(user, manager.select_related("framework", "framework__owner_unit"), "framework__")


def node_get(user: Any, pk: Any) -> ResultNode:
    try:
        return node_restrict(user, include_archived=True).get(pk=pk)
    except (ResultNode.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound("No such result node.") from exc


def indicator_restrict(user: Any, *, include_archived: bool = False) -> QuerySet[Indicator]:
    manager = Indicator.all_objects if include_archived else Indicator.objects
    indicators = manager.select_related("node", "node__framework", "node__framework__owner_unit", "responsible_unit")
    return _via_framework(user, indicators, "node__framework__")


def indicator_get(user: Any, pk: Any) -> Indicator:
    try:
        return indicator_restrict(user, include_archived=True).get(pk=pk)
    except (Indicator.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound("No such indicator.") from exc


def target_restrict(user: Any, *, include_archived: bool = False) -> QuerySet[Target]:
    manager = Target.all_objects if include_archived else Target.objects
    targets = manager.select_related("indicator", "indicator__node__framework", "unit", "dimension")
    return _via_framework(user, targets, "indicator__node__framework__")


def target_get(user: Any, pk: Any) -> Target:
    try:
        return target_restrict(user, include_archived=True).get(pk=pk)
    except (Target.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound("No such target.") from exc


def actual_restrict(user: Any, action: str = "view", *, include_archived: bool = False) -> QuerySet[ActualValue]:
    manager = ActualValue.all_objects if include_archived else ActualValue.objects
    actuals = manager.select_related("indicator", "indicator__node__framework", "unit", "dimension")
    if not getattr(user, "is_authenticated", False):
        return actuals.none()
    by_unit = _path_q(user, action, "unit__path")
    if by_unit is None:
        return actuals
    if action == "view":
        by_framework = _path_q(user, "view", "indicator__node__framework__owner_unit__path")
        assert by_framework is not None
        return actuals.filter(by_unit | by_framework)
    return actuals.filter(by_unit)


def actual_get(user: Any, pk: Any, action: str = "view") -> ActualValue:
    try:
        return actual_restrict(user, action, include_archived=True).get(pk=pk)
    except (ActualValue.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound("No such value.") from exc


def dimension_list(user: Any, *, codes: list[str] | None = None) -> QuerySet[Dimension]:
    """Disaggregation dimensions: shared reference data every signed-in user reads (``codes`` narrows them)."""
    if not getattr(user, "is_authenticated", False):
        return Dimension.objects.none()
    dimensions = Dimension.objects.order_by("code")
    return dimensions if codes is None else dimensions.filter(code__in=list(codes))


def link_restrict(user: Any, *, include_archived: bool = False) -> QuerySet[NodeLink]:
    """Contribution links whose two nodes the user may read."""
    manager = NodeLink.all_objects if include_archived else NodeLink.objects
    visible = node_restrict(user, include_archived=True).values("pk")
    links: QuerySet[NodeLink] = manager.filter(source__in=visible, target__in=visible)
    return links.select_related("source", "source__framework", "target", "target__framework")


def link_get(user: Any, pk: Any) -> NodeLink:
    try:
        return link_restrict(user, include_archived=True).get(pk=pk)
    except (NodeLink.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound("No such contribution link.") from exc


# --- the framework tree with its roll-ups ------------------------------------------------------------------------


class TargetRow(NamedTuple):
    """A target as the tree shows it: plain values, loaded without model instances.  The period's dates
    are kept as the ISO text the database returns (``start``, ``end``): a large plan holds tens of
    thousands of targets, and the tree only prints them."""

    pk: int
    indicator_id: int
    period_type: str
    start: str
    end: str
    unit_id: int | None
    unit_code: str | None
    value: Decimal | None
    score: int | None
    note: str
    version: int

    @property
    def period_start(self) -> dt.date:
        return dt.date.fromisoformat(self.start)

    @property
    def period_end(self) -> dt.date:
        return dt.date.fromisoformat(self.end)

    @property
    def period_label(self) -> str:
        return iso_period_label(self.period_type, self.start, self.end)


def iso_period_label(period_type: str, start: str, end: str) -> str:
    """:func:`orbit.results.models.periods.period_label` of a period given as ISO dates, without parsing them."""
    if period_type == "annual":
        return start[:4]
    if period_type == "quarter":
        return f"{start[:4]} Q{(int(start[5:7]) - 1) // 3 + 1}"
    if period_type == "semester":
        return f"{start[:4]} S{(int(start[5:7]) - 1) // 6 + 1}"
    if period_type == "month":
        return start[:7]
    return f"{start} to {end}"


class _Period(NamedTuple):
    indicator_id: int
    period_start: dt.date
    period_end: dt.date
    row: TargetRow


@dataclass
class IndicatorView:
    indicator: Indicator
    targets: list[TargetRow]
    #: Results of the targets evaluated: the current one by default, every target with ``evaluate="all"``.
    results: list[TargetResult]
    current: TargetResult | None


@dataclass
class NodeView:
    node: ResultNode
    depth: int
    indicators: list[IndicatorView] = field(default_factory=list)
    rollup: NodeResult | None = None
    links: list[ResultNode] = field(default_factory=list)


@dataclass
class FrameworkTree:
    framework: Framework
    nodes: list[NodeView]
    as_of: dt.date
    totals: dict[str, int]


def indicator_rules(indicators: list[Indicator], framework: Framework) -> dict[int, IndicatorRules]:
    return {
        ind.pk: IndicatorRules(
            measure=ind.measure,
            direction=ind.direction,
            time_aggregation=ind.time_aggregation,
            unit_aggregation=ind.unit_aggregation,
            baseline=ind.baseline_value,
            on_track=framework.on_track_threshold,
            at_risk=framework.at_risk_threshold,
        )
        for ind in indicators
    }


_TARGET_ROWS_SQL = """
SELECT t.id, t.indicator_id, t.period_type, CAST(t.period_start AS TEXT), CAST(t.period_end AS TEXT), t.unit_id,
       u.code, t.value, t.score, t.note, t.version
FROM results_target t
JOIN results_indicator i ON i.id = t.indicator_id
JOIN results_resultnode n ON n.id = i.node_id
LEFT JOIN organisation_orgunit u ON u.id = t.unit_id
WHERE n.framework_id = %s AND t.archived_at IS NULL AND t.dimension_id IS NULL AND i.archived_at IS NULL
ORDER BY t.indicator_id, t.period_start, t.period_end, t.id
"""


def _iso(value: Any) -> str:
    # Dates are selected as ISO text (cheaper than the driver's per-value converter); kept as text.
    return value if isinstance(value, str) and len(value) == 10 else str(value)[:10]


def _target_rows(framework: Framework) -> list[TargetRow]:
    """Every overall and unit target of the framework as plain rows: one query, no model instances
    (a large plan holds tens of thousands of targets)."""
    with connection.cursor() as cursor:
        cursor.execute(_TARGET_ROWS_SQL, [framework.pk])
        rows = cursor.fetchall()
    exact = to_exact_decimal
    return [
        TargetRow(
            pk,
            indicator_id,
            period_type,
            start if start.__class__ is str and len(start) == 10 else _iso(start),
            end if end.__class__ is str and len(end) == 10 else _iso(end),
            unit_id,
            unit_code,
            value if value is None else exact(value),
            score,
            note,
            version,
        )
        for pk, indicator_id, period_type, start, end, unit_id, unit_code, value, score, note, version in rows
    ]


def _current_targets(rows: list[TargetRow], as_of: dt.date) -> dict[int, TargetRow]:
    """Per indicator, its current overall target (see :func:`orbit.results.rollup.choose_current`)."""
    parse = dt.date.fromisoformat
    chosen = choose_current(
        (_Period(row.indicator_id, parse(row.start), parse(row.end), row) for row in rows if row.unit_id is None),
        as_of,
    )
    return {indicator_id: period.row for indicator_id, period in chosen.items()}


def _json_reader(field: Any) -> Callable[[Any], Any]:
    translated = isinstance(field, TranslatedTextField)

    def read(value: Any) -> Any:
        if isinstance(value, (str, bytes)):
            value = orjson.loads(value)
        return TranslatedText(value) if translated and isinstance(value, dict) else value

    return read


def _loaded(model: type[Model], deferred: tuple[str, ...]) -> tuple[str, ...]:
    """The column names (``attname``) of ``model``'s concrete fields but the ``deferred`` ones."""
    return tuple(f.attname for f in model._meta.concrete_fields if f.name not in deferred)


def _converter(convs: list[Any], expression: Any, conn: Any) -> Callable[[Any], Any]:
    def convert(value: Any) -> Any:
        for converter in convs:
            value = converter(value, expression, conn)
        return value

    return convert


def _instances(queryset: QuerySet[M], attnames: tuple[str, ...], extra: tuple[str, ...] = ()) -> list[M]:
    """The model instances of ``queryset`` holding only the columns ``attnames`` (the others load on access,
    as deferred fields do) plus the related values ``extra`` as attributes named with ``_`` (e.g.
    ``responsible_unit__code`` → ``responsible_unit_code``), in one query.

    The same instances Django builds, without its generic per-row, per-field machinery: JSON columns are
    parsed with orjson, other columns pass through the backend's converters only where it has any (a
    framework tree loads thousands of nodes and indicators)."""
    model = queryset.model
    alias = queryset.db
    conn = connections[alias]
    compiler = queryset.values_list(*attnames, *extra).query.get_compiler(using=alias)
    sql, params = compiler.as_sql()
    readers: list[tuple[int, Callable[[Any], Any]]] = []
    for index, (convs, expression) in compiler.get_converters([col for col, _sql, _alias in compiler.select]).items():
        field = getattr(expression, "output_field", None)
        readers.append(
            (index, _json_reader(field) if isinstance(field, JSONField) else _converter(convs, expression, conn))
        )
    names = [*attnames, *(name.replace("__", "_") for name in extra)]
    with conn.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    new = model.__new__
    objects: list[M] = []
    for row in rows:
        values = list(row)
        for index, read in readers:
            values[index] = read(values[index])
        obj = new(model)
        obj.__dict__.update(zip(names, values, strict=True))
        state = obj._state = ModelState()
        state.adding, state.db = False, alias
        objects.append(obj)
    return objects


def gc_paused() -> AbstractContextManager[None]:
    """Cyclic garbage collection held off while a framework tree is built: the tree allocates hundreds of
    thousands of small objects, none of them garbage, and every full collection in between would walk
    them all (a tenth of the large plan's time).  Collection resumes, and catches up, right after."""
    return _GcPause()


class _GcPause:
    def __enter__(self) -> None:
        self.paused = gc.isenabled()
        if self.paused:
            gc.disable()

    def __exit__(self, *exc: object) -> None:
        if self.paused:
            gc.enable()


def framework_tree(
    user: Any,
    framework: Framework,
    *,
    as_of: dt.date | None = None,
    statuses: tuple[str, ...] | None = None,
    evaluate: str = "current",
) -> FrameworkTree:
    """The whole framework in outline order with indicators, targets, current results and node roll-ups.

    A fixed number of queries whatever the size: the framework, nodes, indicators, targets (as plain rows),
    links, and one roll-up statement — over each indicator's current target, or over every target when
    ``evaluate="all"``.
    """
    with gc_paused():
        return _framework_tree(user, framework, as_of=as_of, statuses=statuses, evaluate=evaluate)


def _framework_tree(
    user: Any, framework: Framework, *, as_of: dt.date | None, statuses: tuple[str, ...] | None, evaluate: str
) -> FrameworkTree:
    if evaluate not in ("current", "all"):
        raise ValueError("evaluate is 'current' or 'all'")
    framework_get(user, framework.pk)  # the reader must see it
    as_of = as_of or timezone.localdate()
    bookkeeping = ("created_at", "updated_at", "archived_by", "archive_reason")
    nodes = _instances(
        ResultNode.objects.filter(framework=framework).order_by("path"),
        _loaded(ResultNode, (*bookkeeping, "source")),
    )
    indicators = _instances(
        Indicator.objects.filter(node__framework=framework).order_by("node_id", "position", "code"),
        _loaded(Indicator, (*bookkeeping, "definition", "means_of_verification", "data_source", "baseline_note")),
        ("responsible_unit__code",),
    )
    target_rows = _target_rows(framework)
    links = list(
        NodeLink.objects.filter(source__framework=framework)
        .select_related("target", "target__framework")
        .order_by("target__framework__code", "target__path")
    )
    current_targets = _current_targets(target_rows, as_of)
    rules = indicator_rules(indicators, framework)
    results: list[TargetResult] = []
    if indicators and target_rows:
        if evaluate == "all":
            results = evaluate_targets(
                framework_ids=[framework.pk], rules=rules, statuses=statuses or COUNTED_BY_DEFAULT
            )
        elif current_targets:
            results = evaluate_targets(
                indicator_ids=sorted(current_targets),
                target_ids=sorted(row.pk for row in current_targets.values()),
                rules=rules,
                statuses=statuses or COUNTED_BY_DEFAULT,
            )
    by_indicator: dict[int, list[TargetResult]] = defaultdict(list)
    by_target = {}
    for result in results:
        by_indicator[result.indicator_id].append(result)
        by_target[result.target_id] = result
    current = {indicator_id: by_target[row.pk] for indicator_id, row in current_targets.items() if row.pk in by_target}
    rollups = roll_up_nodes(
        node_paths={n.pk: n.path for n in nodes},
        indicator_nodes={i.pk: i.node_id for i in indicators if i.node_id is not None},
        current=current,
        on_track=framework.on_track_threshold,
        at_risk=framework.at_risk_threshold,
    )
    targets_by_indicator: dict[int, list[TargetRow]] = defaultdict(list)
    for row in target_rows:
        targets_by_indicator[row.indicator_id].append(row)
    views = {n.pk: NodeView(node=n, depth=n.path.count("/") - 1, rollup=rollups.get(n.pk)) for n in nodes}
    for indicator in indicators:
        if indicator.node_id in views:
            views[indicator.node_id].indicators.append(
                IndicatorView(
                    indicator=indicator,
                    targets=targets_by_indicator.get(indicator.pk, []),
                    results=sorted(by_indicator.get(indicator.pk, []), key=lambda r: (r.period_start, r.period_end)),
                    current=current.get(indicator.pk),
                )
            )
    for link in links:
        if link.source_id in views:
            views[link.source_id].links.append(link.target)
    totals = dict.fromkeys(("on_track", "at_risk", "off_track", "no_data"), 0)
    for result in current.values():
        totals[result.status] += 1
    totals["no_data"] += len(indicators) - len(current)
    return FrameworkTree(framework=framework, nodes=[views[n.pk] for n in nodes], as_of=as_of, totals=totals)


@dataclass
class SeriesPoint:
    period_label: str
    period_start: dt.date
    period_end: dt.date
    target: Decimal | None
    actual: Decimal | None
    status: str | None


def indicator_series(user: Any, indicator: Indicator) -> dict[str, Any]:
    """Baseline, targets and actuals over time (overall and by disaggregation category) for charts."""
    indicator_get(user, indicator.pk)
    framework = indicator.node.framework if indicator.node else None
    assert framework is not None
    rules = indicator_rules([indicator], framework)
    results = {r.target_id: r for r in evaluate_targets(indicator_ids=[indicator.pk], rules=rules)}
    targets = list(
        Target.objects.filter(indicator=indicator, unit__isnull=True, dimension__isnull=True).order_by("period_start")
    )
    overall = [
        SeriesPoint(
            period_label=t.period_label,
            period_start=t.period_start,
            period_end=t.period_end,
            target=t.value if t.value is not None else (Decimal(t.score) if t.score is not None else None),
            actual=results[t.pk].actual if t.pk in results else None,
            status=results[t.pk].status if t.pk in results else None,
        )
        for t in targets
    ]
    values = list(actual_restrict(user).filter(indicator=indicator).order_by("period_start", "unit__code", "category"))
    by_category: dict[str, dict[str, Decimal]] = defaultdict(dict)
    for value in values:
        if value.dimension_id is not None and value.value is not None:
            by_category[value.category][value.period_label] = (
                by_category[value.category].get(value.period_label, Decimal(0)) + value.value
            )
    return {
        "baseline": indicator.baseline_value,
        "baseline_date": indicator.baseline_date,
        "overall": overall,
        "values": values,
        "by_category": dict(by_category),
    }


def sdg_alignment(user: Any, framework: Framework) -> dict[str, Any]:
    """Which nodes of ``framework`` serve which SDG targets (links into the public SDG framework)."""
    framework_get(user, framework.pk)
    links = list(
        NodeLink.objects.filter(source__framework=framework, target__framework__kind=Framework.Kind.GLOBAL_GOALS)
        .select_related("source", "target", "target__parent")
        .order_by("source__path", "target__path")
    )
    nodes: dict[int, ResultNode] = {}
    targets: dict[int, ResultNode] = {}
    cells: set[tuple[int, int]] = set()
    for link in links:
        nodes[link.source_id] = link.source
        targets[link.target_id] = link.target
        cells.add((link.source_id, link.target_id))
    return {
        "rows": sorted(nodes.values(), key=lambda n: n.path),
        "columns": sorted(targets.values(), key=lambda n: n.path),
        "cells": cells,
    }


# --- current status of every indicator, without the tree ------------------------------------------------------

_CURRENT_TARGETS_SQL = """
SELECT id, indicator_id FROM (
    SELECT t.id, t.indicator_id,
           ROW_NUMBER() OVER (
               PARTITION BY t.indicator_id
               ORDER BY CASE WHEN t.period_start <= %s THEN 0 ELSE 1 END,
                        CASE WHEN t.period_start <= %s THEN t.period_start END DESC,
                        CASE WHEN t.period_start > %s THEN t.period_start END ASC,
                        t.period_end DESC, t.id
           ) AS rn
    FROM results_target t
    JOIN results_indicator i ON i.id = t.indicator_id
    JOIN results_resultnode n ON n.id = i.node_id
    WHERE n.framework_id = %s AND t.archived_at IS NULL AND t.dimension_id IS NULL AND t.unit_id IS NULL
      AND i.archived_at IS NULL
) ranked
WHERE rn = 1
"""


@dataclass
class CurrentStatus:
    """Each indicator of a framework at its current target, and the node roll-ups over them."""

    framework: Framework
    as_of: dt.date
    #: indicator id → (node id, responsible unit code or "", result of its current target or None)
    indicators: dict[int, tuple[int, str, TargetResult | None]]
    node_paths: dict[int, str]
    rollups: dict[int, NodeResult]
    totals: dict[str, int]


def framework_current_status(
    user: Any, framework: Framework, *, as_of: dt.date | None = None, statuses: tuple[str, ...] | None = None
) -> CurrentStatus:
    """What a dashboard needs of a framework, in five queries whatever its size: the current target of every
    indicator is chosen in SQL (the same rule as :func:`orbit.results.rollup.choose_current`: the latest
    period started by ``as_of``, the longer one on a tie, else the first period), evaluated in one roll-up
    statement, and rolled up the node paths.  No model instances for targets or indicators."""
    framework_get(user, framework.pk)  # the reader must see it
    as_of = as_of or timezone.localdate()
    node_paths = dict(ResultNode.objects.filter(framework=framework).values_list("pk", "path"))
    rows = list(
        Indicator.objects.filter(node__framework=framework).values_list(
            "pk", "node_id", "responsible_unit__code", "measure", "direction", "time_aggregation",
            "unit_aggregation", "baseline_value",
        )
    )  # fmt: skip
    rules = {
        pk: IndicatorRules(
            measure=measure, direction=direction, time_aggregation=time_aggregation,
            unit_aggregation=unit_aggregation, baseline=baseline, on_track=framework.on_track_threshold,
            at_risk=framework.at_risk_threshold,
        )
        for pk, _node, _unit, measure, direction, time_aggregation, unit_aggregation, baseline in rows
    }  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(_CURRENT_TARGETS_SQL, [as_of, as_of, as_of, framework.pk])
        current_targets = dict(cursor.fetchall())
    results: list[TargetResult] = []
    if current_targets:
        results = evaluate_targets(
            indicator_ids=sorted(set(current_targets.values())),
            target_ids=sorted(current_targets),
            rules=rules,
            statuses=statuses or COUNTED_BY_DEFAULT,
        )
    current = {result.indicator_id: result for result in results}
    rollups = roll_up_nodes(
        node_paths=node_paths,
        indicator_nodes={pk: node for pk, node, *_ in rows if node is not None},
        current=current,
        on_track=framework.on_track_threshold,
        at_risk=framework.at_risk_threshold,
    )
    totals = dict.fromkeys(("on_track", "at_risk", "off_track", "no_data"), 0)
    for result in current.values():
        totals[result.status] += 1
    totals["no_data"] += len(rows) - len(current)
    return CurrentStatus(
        framework=framework,
        as_of=as_of,
        indicators={pk: (node, unit or "", current.get(pk)) for pk, node, unit, *_ in rows},
        node_paths=node_paths,
        rollups=rollups,
        totals=totals,
    )
