"""Roll-ups: progress, achievement and status of indicators, computed set-wise in SQL.

The rules are written down in ``docs/results.md``; :mod:`orbit.results.reference_rollup` is a small
pure-Python implementation of the same rules that the property tests compare this one against.

One SQL statement evaluates every target of the requested indicators: the values that count for each
target are joined once; a window function picks each unit's latest value where the indicator takes the
latest (and for scores), grouping applies the other aggregations over time per unit, and a second grouping
applies the aggregation across units.  Achievement and status are arithmetic on those rows,
and node roll-ups propagate indicator results up the materialised paths: no query per indicator.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple, Protocol, TypeVar

from django.db import connection

from orbit.results.models import ActualValue

ON_TRACK = "on_track"
AT_RISK = "at_risk"
OFF_TRACK = "off_track"
NO_DATA = "no_data"
STATUSES = (ON_TRACK, AT_RISK, OFF_TRACK, NO_DATA)
DEFAULT_STATUSES = (ActualValue.Status.DRAFT, ActualValue.Status.SUBMITTED, ActualValue.Status.APPROVED)
Q6 = Decimal("0.000001")


def to_exact_decimal(value: Any) -> Decimal | None:
    """A stored decimal as read by a raw cursor (PostgreSQL: Decimal; SQLite: int, float or text), unrounded."""
    if value is None or isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(value)


def to_decimal(value: Any) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return value.quantize(Q6)
    return Decimal(repr(float(value)) if isinstance(value, float) else str(value)).quantize(Q6)


class TargetResult(NamedTuple):
    target_id: int
    indicator_id: int
    period_start: dt.date
    period_end: dt.date
    target_value: Decimal | None
    target_score: int | None
    actual: Decimal | None  # aggregated value (percent for percentages, mean score for qualitative)
    numerator: Decimal | None
    denominator: Decimal | None
    units_reporting: int
    units_meeting: int  # qualitative: units whose latest score meets the target score
    achievement: Decimal | None
    status: str


@dataclass
class NodeResult:
    node_id: int
    achievement: Decimal | None = None
    status: str = NO_DATA
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATUSES, 0))


_SQL = """
WITH tgt AS (
    SELECT t.id AS target_id, t.indicator_id, t.period_start, t.period_end, t.value AS target_value,
           t.score AS target_score, tu.path AS unit_path,
           COALESCE(t.unit_id, i.responsible_unit_id) AS own_unit_id,
           i.time_aggregation, i.unit_aggregation, i.measure, i.direction, f.cycle_start
    FROM results_target t
    JOIN results_indicator i ON i.id = t.indicator_id
    JOIN results_resultnode n ON n.id = i.node_id
    JOIN results_framework f ON f.id = n.framework_id
    LEFT JOIN organisation_orgunit tu ON tu.id = t.unit_id
    WHERE t.archived_at IS NULL AND t.dimension_id IS NULL AND i.archived_at IS NULL
      AND {indicator_filter} {target_filter}
),
vals AS NOT MATERIALIZED (
    SELECT tgt.target_id, a.unit_id, a.id AS actual_id, a.period_start, a.period_end,
           a.value, a.numerator, a.denominator, a.score,
           CASE WHEN tgt.time_aggregation = 'latest' OR tgt.measure = 'qualitative' THEN 1 ELSE 0 END AS by_latest,
           CASE WHEN tgt.time_aggregation = 'average' THEN 1 ELSE 0 END AS by_average,
           CASE WHEN tgt.time_aggregation IN ('sum', 'cumulative') AND tgt.measure <> 'qualitative'
                THEN 1 ELSE 0 END AS direct
    FROM tgt
    JOIN results_actualvalue a ON a.indicator_id = tgt.indicator_id
    WHERE a.archived_at IS NULL AND +a.dimension_id IS NULL {status_filter}
      AND a.period_end <= tgt.period_end
      AND a.period_start >= CASE WHEN tgt.time_aggregation = 'cumulative' THEN tgt.cycle_start
                                 ELSE tgt.period_start END
      AND (tgt.unit_path IS NULL OR EXISTS (
              SELECT 1 FROM organisation_orgunit au WHERE au.id = a.unit_id AND au.path LIKE tgt.unit_path || '%%'))
      AND (tgt.unit_aggregation <> 'none' OR a.unit_id = tgt.own_unit_id)
),
per_unit AS (
    SELECT target_id, unit_id, value, numerator, denominator, score FROM (
        SELECT v.target_id, v.unit_id, v.value, v.numerator, v.denominator, v.score,
               ROW_NUMBER() OVER (
                   PARTITION BY v.target_id, v.unit_id
                   ORDER BY v.period_end DESC, v.period_start DESC, v.actual_id DESC
               ) AS rn
        FROM vals v WHERE v.by_latest = 1
    ) ranked WHERE rn = 1
    UNION ALL
    SELECT target_id, unit_id,
           CASE WHEN MAX(by_average) = 1 THEN AVG(value) ELSE SUM(value) END,
           SUM(numerator), SUM(denominator), NULL
    FROM vals WHERE by_latest = 0 AND direct = 0
    GROUP BY target_id, unit_id
),
agg AS (
    SELECT p.target_id,
           SUM(p.value) AS sum_value, AVG(p.value) AS avg_value,
           SUM(p.numerator) AS sum_num, SUM(p.denominator) AS sum_den,
           AVG(p.score) AS avg_score, COUNT(p.unit_id) AS units,
           SUM(CASE WHEN p.score IS NULL THEN 0
                    WHEN t.direction = 'decrease' AND p.score <= t.target_score THEN 1
                    WHEN t.direction = 'maintain' AND p.score = t.target_score THEN 1
                    WHEN t.direction = 'increase' AND p.score >= t.target_score THEN 1
                    ELSE 0 END) AS meeting
    FROM per_unit p JOIN tgt t ON t.target_id = p.target_id
    GROUP BY p.target_id
    UNION ALL
    -- Sums over time need no step per unit: the sum of the units' sums is the sum of the values.
    SELECT v.target_id,
           SUM(v.value),
           SUM(v.value) * 1.0 / NULLIF(COUNT(DISTINCT CASE WHEN v.value IS NOT NULL THEN v.unit_id END), 0),
           SUM(v.numerator), SUM(v.denominator), NULL, COUNT(DISTINCT v.unit_id), 0
    FROM vals v WHERE v.direct = 1
    GROUP BY v.target_id
)
SELECT tgt.target_id, tgt.indicator_id, CAST(tgt.period_start AS TEXT), CAST(tgt.period_end AS TEXT),
       tgt.target_value, tgt.target_score, tgt.measure, tgt.unit_aggregation, tgt.direction,
       agg.sum_value, agg.avg_value, agg.sum_num, agg.sum_den, agg.avg_score, COALESCE(agg.units, 0), agg.meeting
FROM tgt LEFT JOIN agg ON agg.target_id = tgt.target_id
"""


def _as_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def achievement(
    *,
    measure: str,
    direction: str,
    time_aggregation: str,
    actual: Decimal | None,
    target: Decimal | None,
    baseline: Decimal | None,
    units: int,
    meeting: int,
) -> Decimal | None:
    """The achievement ratio of ``actual`` against ``target`` (1 = target met); None without data."""
    if units == 0:
        return None
    if measure == "qualitative":
        return (Decimal(meeting) / Decimal(units)).quantize(Q6)
    if actual is None or target is None:
        return None
    # Levels (latest, average) progress from the baseline; flows (sum, cumulative) count from zero.
    base = baseline if (baseline is not None and time_aggregation in ("latest", "average")) else None
    if direction == "maintain":
        if target == 0:
            return Decimal(1) if actual == 0 else Decimal(0)
        return max(Decimal(0), 1 - abs(actual - target) / abs(target)).quantize(Q6)
    if direction == "decrease":
        if base is not None and base != target:
            return ((base - actual) / (base - target)).quantize(Q6)
        if actual <= 0:
            return Decimal(1)
        return (target / actual).quantize(Q6) if target > 0 else Decimal(0)
    if base is not None and base != target:
        return ((actual - base) / (target - base)).quantize(Q6)
    if target == 0:
        return Decimal(1) if actual >= 0 else Decimal(0)
    return (actual / target).quantize(Q6)


def status_for(ratio: Decimal | None, on_track: Decimal, at_risk: Decimal) -> str:
    if ratio is None:
        return NO_DATA
    if ratio >= on_track:
        return ON_TRACK
    if ratio >= at_risk:
        return AT_RISK
    return OFF_TRACK


@dataclass(frozen=True)
class IndicatorRules:
    measure: str
    direction: str
    time_aggregation: str
    unit_aggregation: str
    baseline: Decimal | None
    on_track: Decimal
    at_risk: Decimal


def _placeholders(values: Sequence[Any]) -> str:
    return ", ".join(["%s"] * len(values))


def evaluate_targets(
    *,
    framework_ids: Sequence[int] = (),
    indicator_ids: Sequence[int] = (),
    target_ids: Sequence[int] = (),
    rules: dict[int, IndicatorRules],
    statuses: Iterable[str] = DEFAULT_STATUSES,
) -> list[TargetResult]:
    """Evaluate every (overall or unit) target of the given frameworks or indicators, in one statement."""
    params: list[Any] = []
    if framework_ids:
        indicator_filter = f"n.framework_id IN ({_placeholders(framework_ids)})"
        params += list(framework_ids)
    elif indicator_ids:
        indicator_filter = f"i.id IN ({_placeholders(indicator_ids)})"
        params += list(indicator_ids)
    else:
        return []
    target_filter = ""
    if target_ids:
        target_filter = f"AND t.id IN ({_placeholders(target_ids)})"
        params += list(target_ids)
    status_list = sorted(set(statuses))
    status_filter = ""
    if set(status_list) != set(ActualValue.Status.values):
        status_filter = f"AND a.status IN ({_placeholders(status_list)})" if status_list else "AND 1 = 0"
        params += status_list
    sql = _SQL.format(indicator_filter=indicator_filter, target_filter=target_filter, status_filter=status_filter)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    results: list[TargetResult] = []
    for row in rows:
        (target_id, indicator_id, start, end, target_value, target_score, measure, unit_aggregation, _direction,
         sum_value, avg_value, sum_num, sum_den, avg_score, units, meeting) = row  # fmt: skip
        rule = rules[indicator_id]
        numerator = to_decimal(sum_num)
        denominator = to_decimal(sum_den)
        if measure == "qualitative":
            actual = to_decimal(avg_score)
        elif measure == "percentage":
            actual = (numerator / denominator * 100).quantize(Q6) if numerator is not None and denominator else None
        elif unit_aggregation == "average":
            actual = to_decimal(avg_value)
        else:
            actual = to_decimal(sum_value)
        target = to_decimal(target_value)
        ratio = achievement(
            measure=measure,
            direction=rule.direction,
            time_aggregation=rule.time_aggregation,
            actual=actual,
            target=target,
            baseline=rule.baseline,
            units=int(units or 0),
            meeting=int(meeting or 0),
        )
        results.append(
            TargetResult(
                target_id=target_id,
                indicator_id=indicator_id,
                period_start=_as_date(start),
                period_end=_as_date(end),
                target_value=target,
                target_score=target_score,
                actual=actual,
                numerator=numerator if measure == "percentage" else None,
                denominator=denominator if measure == "percentage" else None,
                units_reporting=int(units or 0),
                units_meeting=int(meeting or 0),
                achievement=ratio,
                status=status_for(ratio, rule.on_track, rule.at_risk),
            )
        )
    return results


class _Period(Protocol):
    @property
    def indicator_id(self) -> int: ...
    @property
    def period_start(self) -> dt.date: ...
    @property
    def period_end(self) -> dt.date: ...


P = TypeVar("P", bound=_Period)


def choose_current(items: Iterable[P], as_of: dt.date) -> dict[int, P]:
    """Per indicator, its current target (or result): the latest period that has started by ``as_of``
    (the longer period on a tie), or its first period when none has started."""
    chosen: dict[int, P] = {}
    for item in items:
        best = chosen.get(item.indicator_id)
        if best is None or _better(item, best, as_of):
            chosen[item.indicator_id] = item
    return chosen


def current_results(results: Iterable[TargetResult], as_of: dt.date) -> dict[int, TargetResult]:
    return choose_current(results, as_of)


def _better(candidate: _Period, best: _Period, as_of: dt.date) -> bool:
    c_started, b_started = candidate.period_start <= as_of, best.period_start <= as_of
    if c_started != b_started:
        return c_started
    if c_started:
        if candidate.period_start != best.period_start:
            return candidate.period_start > best.period_start
        return candidate.period_end > best.period_end
    if candidate.period_start != best.period_start:
        return candidate.period_start < best.period_start
    return candidate.period_end > best.period_end


def roll_up_nodes(
    *,
    node_paths: dict[int, str],
    indicator_nodes: dict[int, int],
    current: dict[int, TargetResult],
    on_track: Decimal,
    at_risk: Decimal,
) -> dict[int, NodeResult]:
    """Each node's achievement: the mean, over indicators in its subtree with data, of their current
    achievement capped at 1 (one indicator far above target does not hide another below it)."""
    path_to_node = {path: node_id for node_id, path in node_paths.items()}
    totals: dict[int, Decimal] = defaultdict(Decimal)
    counted: dict[int, int] = defaultdict(int)
    results = {node_id: NodeResult(node_id) for node_id in node_paths}
    for indicator_id, node_id in indicator_nodes.items():
        path = node_paths.get(node_id)
        if path is None:
            continue
        result = current.get(indicator_id)
        status = result.status if result is not None else NO_DATA
        segments = [s for s in path.split("/") if s]
        for depth in range(1, len(segments) + 1):
            ancestor = path_to_node.get("/" + "/".join(segments[:depth]) + "/")
            if ancestor is None:
                continue
            results[ancestor].counts[status] += 1
            if result is not None and result.achievement is not None:
                totals[ancestor] += min(result.achievement, Decimal(1))
                counted[ancestor] += 1
    for node_id, node_result in results.items():
        if counted[node_id]:
            node_result.achievement = (totals[node_id] / counted[node_id]).quantize(Q6)
            node_result.status = status_for(node_result.achievement, on_track, at_risk)
    return results
