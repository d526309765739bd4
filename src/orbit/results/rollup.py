"""Roll-ups: progress, achievement and status of indicators, computed set-wise in SQL.

The rules are written down in ``docs/results.md``; :mod:`orbit.results.reference_rollup` is a small
pure-Python implementation of the same rules that the property tests compare this one against.

One SQL statement evaluates every target of the requested indicators, each kind of target over its own
values: each unit's latest value where the indicator takes the latest (and for scores), each unit's mean for
averages, then the aggregation across units; sums over time add the values directly.  Achievement and status
are arithmetic on those rows, and node roll-ups propagate indicator results up the materialised paths: no
query per indicator.  How the statement reads the tables is described with it below and in the docs.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import re
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


# ---------------------------------------------------------------------------------------------------------------
# The statement.  Targets fall in three kinds, each evaluated only over its own targets' values:
#
# * latest (and every qualitative indicator): each unit's latest value in the window, then across units;
# * averages over time (and any other non-additive aggregation): each unit's mean, then across units;
# * sums over time (sum, cumulative): no step per unit, the sum of the units' sums is the sum of the values.
#
# A value counts for a target when its period lies inside the target's window, so its end lies inside it too:
# both bounds on ``period_end`` let the (indicator, period_end) index read only the window's values.
#
# Every branch returns the same columns, one row per target: target id, indicator id, the period's start and end
# as ISO text in one string, the target value and score, the measure, the aggregated actual (mean score,
# sum or mean across units; unused for percentages), the sums of numerators and denominators, the units
# reporting and (qualitative) the units meeting the target score.

_LATEST = "(i.time_aggregation = 'latest' OR i.measure = 'qualitative')"
_DIRECT = "(i.time_aggregation IN ('sum', 'cumulative') AND i.measure <> 'qualitative')"
# Whether a unit's latest score meets the target score (qualitative indicators).
_MEETS = """CASE WHEN a.score IS NULL THEN 0
                WHEN i.direction = 'decrease' AND a.score <= t.score THEN 1
                WHEN i.direction = 'maintain' AND a.score = t.score THEN 1
                WHEN i.direction = 'increase' AND a.score >= t.score THEN 1
                ELSE 0 END"""

# SQLite.  Each branch reads indicator by indicator (CROSS JOIN fixes the order of the loops, NOT INDEXED reads
# the indicators in id order), so that in the sums over time rows arrive grouped by target and
# ``GROUP BY i.id, t.period_start, t.id`` needs no sort.  Each unit's latest value is taken with SQLite's bare
# columns: in a query with a single max(), the other columns come from the row holding the maximum, here of
# the key (period end, period start, id).  ``+a.period_start`` compares the ISO dates as they are stored,
# without trying each one as a number first.
_SQLITE_TARGETS = """FROM results_indicator i NOT INDEXED
        CROSS JOIN results_resultnode n
        CROSS JOIN results_target t
        CROSS JOIN results_framework f
        LEFT JOIN organisation_orgunit tu ON tu.id = t.unit_id"""
_SQLITE_FROM = "CASE WHEN i.time_aggregation = 'cumulative' THEN f.cycle_start ELSE t.period_start END"
_SQLITE_VALUES = f"""LEFT JOIN results_actualvalue a ON a.indicator_id = t.indicator_id
            AND a.archived_at IS NULL AND +a.dimension_id IS NULL {{status}}
            AND a.period_end <= t.period_end AND a.period_end >= {_SQLITE_FROM} AND +a.period_start >= {_SQLITE_FROM}
            AND (tu.path IS NULL OR EXISTS (
                    SELECT 1 FROM organisation_orgunit au WHERE au.id = a.unit_id AND au.path LIKE tu.path || '%%'))
            AND (i.unit_aggregation <> 'none' OR a.unit_id = COALESCE(t.unit_id, i.responsible_unit_id))"""
_SQLITE_SCOPE = """f.id = n.framework_id AND n.id = i.node_id AND t.indicator_id = i.id
          AND t.archived_at IS NULL AND t.dimension_id IS NULL AND i.archived_at IS NULL AND {scope}"""
# Which targets each branch evaluates.  Where values are added up (sums over time whose units are not averaged,
# and every percentage, whose numerators and denominators are added up across time and units alike) the values
# are summed directly; where only one unit counts (``none``) its latest value is taken directly; the others go
# through a step per unit (each unit's latest value, mean or sum) and then across units, whose rows then find
# their targets (CROSS JOIN: as they come, without being stored first).  Where one unit counts, the key's max()
# is also what says whether it reported at all.
_SQLITE_SUMMED = f"NOT {_LATEST} AND (i.measure = 'percentage' OR ({_DIRECT} AND i.unit_aggregation <> 'average'))"
_SQLITE_ONE_UNIT = f"{_LATEST} AND i.unit_aggregation = 'none'"
_SQLITE_PER_UNIT = f"NOT {_LATEST} AND NOT ({_SQLITE_SUMMED})"
# A value as the statement returns it: the score (qualitative), the numerator (percentage), else the value.
_SQLITE_VALUE = "CASE i.measure WHEN 'qualitative' THEN a.score WHEN 'percentage' THEN a.numerator ELSE a.value END"
_SQLITE_LATEST_KEY = "MAX(a.period_end || a.period_start || printf('%%020d', a.id))"
_SQLITE_SQL = f"""
SELECT t.id, t.indicator_id, t.period_start || t.period_end, t.value, t.score,
       g.sum_value, g.avg_value, g.sum_denominator, g.units, g.meeting
FROM (
    SELECT target_id, SUM(value) AS sum_value, AVG(value) AS avg_value, SUM(denominator) AS sum_denominator,
           COUNT(unit_id) AS units, SUM(meets) AS meeting
    FROM (
        SELECT t.id AS target_id, a.unit_id, {_SQLITE_LATEST_KEY}, {_SQLITE_VALUE} AS value,
               CASE i.measure WHEN 'percentage' THEN a.denominator END AS denominator, {_MEETS} AS meets
        {_SQLITE_TARGETS}
        {_SQLITE_VALUES}
        WHERE {_SQLITE_SCOPE} AND {_LATEST} AND i.unit_aggregation <> 'none'
        GROUP BY t.id, a.unit_id
        UNION ALL
        SELECT t.id, a.unit_id, NULL, AVG(a.value), NULL, 0
        {_SQLITE_TARGETS}
        {_SQLITE_VALUES}
        WHERE {_SQLITE_SCOPE} AND {_SQLITE_PER_UNIT} AND i.time_aggregation = 'average'
        GROUP BY t.id, a.unit_id
        UNION ALL
        SELECT t.id, a.unit_id, NULL, SUM(a.value), NULL, 0
        {_SQLITE_TARGETS}
        {_SQLITE_VALUES}
        WHERE {_SQLITE_SCOPE} AND {_SQLITE_PER_UNIT} AND i.time_aggregation <> 'average'
        GROUP BY t.id, a.unit_id
    )
    GROUP BY target_id
) g
CROSS JOIN results_target t ON t.id = g.target_id
UNION ALL
SELECT t.id, t.indicator_id, t.period_start || t.period_end, t.value, t.score,
       SUM(CASE i.measure WHEN 'percentage' THEN a.numerator ELSE a.value END), NULL,
       SUM(CASE i.measure WHEN 'percentage' THEN a.denominator END), COUNT(DISTINCT a.unit_id), 0
{_SQLITE_TARGETS}
{_SQLITE_VALUES}
WHERE {_SQLITE_SCOPE} AND {_SQLITE_SUMMED}
GROUP BY i.id, t.period_start, t.id
UNION ALL
SELECT t.id, t.indicator_id, t.period_start || t.period_end, t.value, t.score,
       {_SQLITE_VALUE}, {_SQLITE_VALUE}, CASE i.measure WHEN 'percentage' THEN a.denominator END,
       CASE WHEN {_SQLITE_LATEST_KEY} IS NULL THEN 0 ELSE 1 END, {_MEETS}
{_SQLITE_TARGETS}
{_SQLITE_VALUES}
WHERE {_SQLITE_SCOPE} AND {_SQLITE_ONE_UNIT}
GROUP BY i.id, t.period_start, t.id
"""

# PostgreSQL.  The targets once (materialised, with the start of each one's window), then for each target its
# own values through the (indicator, period_end) index and its own small aggregate (LATERAL): no sort or hash
# over all the values of the framework, which the planner would have to size from a guess.
_POSTGRES_VALUES = """FROM results_actualvalue a
        WHERE a.indicator_id = tgt.indicator_id
          AND a.period_end <= tgt.period_end AND a.period_end >= tgt.from_date AND a.period_start >= tgt.from_date
          AND a.archived_at IS NULL AND a.dimension_id IS NULL {status}
          AND (tgt.unit_path IS NULL OR EXISTS (
                  SELECT 1 FROM organisation_orgunit au WHERE au.id = a.unit_id AND au.path LIKE tgt.unit_path || '%%'))
          AND (tgt.unit_aggregation <> 'none' OR a.unit_id = tgt.own_unit_id)"""
_POSTGRES_TARGET = "tgt.target_id, tgt.indicator_id, tgt.period, tgt.target_value, tgt.target_score"
_POSTGRES_SQL = f"""
WITH tgt AS MATERIALIZED (
    SELECT t.id AS target_id, t.indicator_id, CAST(t.period_start AS TEXT) || CAST(t.period_end AS TEXT) AS period,
           t.period_end, t.value AS target_value, t.score AS target_score, tu.path AS unit_path,
           COALESCE(t.unit_id, i.responsible_unit_id) AS own_unit_id,
           i.measure, i.time_aggregation, i.unit_aggregation, i.direction,
           CASE WHEN i.time_aggregation = 'cumulative' THEN f.cycle_start ELSE t.period_start END AS from_date,
           CASE WHEN {_LATEST} THEN 1 WHEN NOT {_DIRECT} THEN 2 WHEN i.unit_aggregation <> 'average' THEN 3 ELSE 4 END
               AS kind
    FROM results_target t
    JOIN results_indicator i ON i.id = t.indicator_id
    JOIN results_resultnode n ON n.id = i.node_id
    JOIN results_framework f ON f.id = n.framework_id
    LEFT JOIN organisation_orgunit tu ON tu.id = t.unit_id
    WHERE t.archived_at IS NULL AND t.dimension_id IS NULL AND i.archived_at IS NULL AND {{scope}}
)
SELECT {_POSTGRES_TARGET},
       CASE tgt.measure WHEN 'percentage' THEN x.sum_num ELSE x.sum_value END,
       CASE tgt.measure WHEN 'qualitative' THEN x.avg_score ELSE x.avg_value END,
       CASE tgt.measure WHEN 'percentage' THEN x.sum_den END, x.units, x.meeting
FROM tgt CROSS JOIN LATERAL (
    SELECT SUM(u.value) AS sum_value, AVG(u.value) AS avg_value, SUM(u.numerator) AS sum_num,
           SUM(u.denominator) AS sum_den, AVG(u.score) AS avg_score, COUNT(*) AS units,
           COUNT(*) FILTER (WHERE (tgt.direction = 'decrease' AND u.score <= tgt.target_score)
                               OR (tgt.direction = 'maintain' AND u.score = tgt.target_score)
                               OR (tgt.direction = 'increase' AND u.score >= tgt.target_score)) AS meeting
    FROM (
        SELECT DISTINCT ON (a.unit_id) a.value, a.numerator, a.denominator, a.score
        {_POSTGRES_VALUES}
        ORDER BY a.unit_id, a.period_end DESC, a.period_start DESC, a.id DESC
    ) u
) x
WHERE tgt.kind = 1
UNION ALL
SELECT {_POSTGRES_TARGET},
       CASE tgt.measure WHEN 'percentage' THEN x.sum_num ELSE x.sum_value END, x.avg_value,
       CASE tgt.measure WHEN 'percentage' THEN x.sum_den END, x.units, 0
FROM tgt CROSS JOIN LATERAL (
    SELECT SUM(u.value) AS sum_value, AVG(u.value) AS avg_value, SUM(u.numerator) AS sum_num,
           SUM(u.denominator) AS sum_den, COUNT(*) AS units
    FROM (
        SELECT CASE WHEN tgt.time_aggregation = 'average' THEN AVG(a.value) ELSE SUM(a.value) END AS value,
               SUM(a.numerator) AS numerator, SUM(a.denominator) AS denominator
        {_POSTGRES_VALUES}
        GROUP BY a.unit_id
    ) u
) x
WHERE tgt.kind = 2
UNION ALL
SELECT {_POSTGRES_TARGET},
       CASE tgt.measure WHEN 'percentage' THEN x.sum_num ELSE x.sum_value END, NULL,
       CASE tgt.measure WHEN 'percentage' THEN x.sum_den END, x.units, 0
FROM tgt CROSS JOIN LATERAL (
    SELECT SUM(a.value) AS sum_value, SUM(a.numerator) AS sum_num, SUM(a.denominator) AS sum_den,
           COUNT(DISTINCT a.unit_id) AS units
    {_POSTGRES_VALUES}
) x
WHERE tgt.kind = 3
UNION ALL
SELECT {_POSTGRES_TARGET},
       CASE tgt.measure WHEN 'percentage' THEN x.sum_num ELSE x.sum_value END, x.avg_value,
       CASE tgt.measure WHEN 'percentage' THEN x.sum_den END, x.units, 0
FROM tgt CROSS JOIN LATERAL (
    SELECT SUM(a.value) AS sum_value,
           SUM(a.value) * 1.0 / NULLIF(COUNT(DISTINCT CASE WHEN a.value IS NOT NULL THEN a.unit_id END), 0)
               AS avg_value,
           SUM(a.numerator) AS sum_num, SUM(a.denominator) AS sum_den, COUNT(DISTINCT a.unit_id) AS units
    {_POSTGRES_VALUES}
) x
WHERE tgt.kind = 4
"""


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


def _in_list(column: str, values: Sequence[Any], sqlite: bool) -> tuple[str, list[Any]]:
    """``column IN (...)``.  On SQLite, whose statement names its scope in every branch, the ids go as one JSON
    parameter rather than a placeholder each (a tree's current targets are thousands of ids)."""
    if sqlite:
        return f"{column} IN (SELECT value FROM json_each(%s))", [json.dumps([int(value) for value in values])]
    return f"{column} IN ({_placeholders(values)})", list(values)


def _render(template: str, fragments: dict[str, tuple[str, list[Any]]]) -> tuple[str, list[Any]]:
    """``template`` with each ``{name}`` replaced by its fragment's SQL, and the fragments' parameters in the
    order the placeholders appear (a fragment may appear in several branches)."""
    params: list[Any] = []

    def fragment(match: re.Match[str]) -> str:
        sql, values = fragments[match.group(1)]
        params.extend(values)
        return sql

    return re.sub(r"\{(\w+)\}", fragment, template), params


def evaluate_targets(
    *,
    framework_ids: Sequence[int] = (),
    indicator_ids: Sequence[int] = (),
    target_ids: Sequence[int] = (),
    rules: dict[int, IndicatorRules],
    statuses: Iterable[str] = DEFAULT_STATUSES,
) -> list[TargetResult]:
    """Evaluate every (overall or unit) target of the given frameworks or indicators, in one statement."""
    sqlite = connection.vendor == "sqlite"
    if framework_ids:
        scope_sql, scope_params = f"n.framework_id IN ({_placeholders(framework_ids)})", list(framework_ids)
    elif indicator_ids:
        scope_sql, scope_params = _in_list("i.id", indicator_ids, sqlite)
    else:
        return []
    if target_ids:
        # SQLite: the targets are reached through their indicators, then checked against the list (``+``), not
        # looked up once for each listed id under every indicator.
        target_sql, target_params = _in_list("+t.id" if sqlite else "t.id", target_ids, sqlite)
        scope_sql, scope_params = f"{scope_sql} AND {target_sql}", scope_params + target_params
    status_list = sorted(set(statuses))
    status: tuple[str, list[Any]] = ("", [])
    if set(status_list) != set(ActualValue.Status.values):
        status = (f"AND a.status IN ({_placeholders(status_list)})", status_list) if status_list else ("AND 1 = 0", [])
    template = _SQLITE_SQL if sqlite else _POSTGRES_SQL
    sql, params = _render(template, {"scope": (scope_sql, scope_params), "status": status})
    # Tens of thousands of rows and results, none of them garbage: cyclic collection held off meanwhile.
    paused = gc.isenabled()
    if paused:
        gc.disable()
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        return _results(rows, rules)
    finally:
        if paused:
            gc.enable()


_ONE = Decimal(1)
_ZERO = Decimal(0)
# How a row's actual is read, by measure: the mean score, the numerator and denominator sums, the sum, the mean.
_SCORED, _RATIO, _SUMMED, _AVERAGED = range(4)
_INCREASE, _DECREASE, _MAINTAIN = range(3)


def _results(rows: list[Any], rules: dict[int, IndicatorRules]) -> list[TargetResult]:
    """The statement's rows as results: the same arithmetic as :func:`achievement` and :func:`status_for`,
    written out for the loop over every target of a framework (tens of thousands of rows): what depends only
    on the indicator, the target value or the unit counts is worked out once."""
    new = tuple.__new__
    quantize = Decimal.quantize
    no_data, on_track_status, at_risk_status, off_track_status = NO_DATA, ON_TRACK, AT_RISK, OFF_TRACK

    # Stored values, sums and means repeat across targets: each distinct float or integer (SQLite) is converted
    # once.  Zero is never kept (-0.0 equals 0 but converts to another Decimal); 1 and 1.0 convert alike.
    # Decimals (PostgreSQL) are only rounded, as cheap as looking them up.
    converted: dict[Any, Decimal | None] = {}

    def exact(value: Any) -> Decimal | None:  # to_decimal, for the types drivers return
        if value.__class__ is Decimal:
            return quantize(value, Q6)
        result = converted.get(value)
        if result is None:
            kind = value.__class__
            if kind is float:
                result = quantize(Decimal(repr(value)), Q6)
            elif kind is int:
                result = quantize(Decimal(value), Q6)
            else:
                result = to_decimal(value)
            if value:
                converted[value] = result
        return result

    spans: dict[str, tuple[dt.date, dt.date]] = {}
    shares: dict[tuple[int, int], Decimal] = {}
    plans: dict[int, tuple[int, int, Decimal | None, Decimal, Decimal]] = {}
    results: list[TargetResult] = []
    append = results.append
    for row in rows:
        target_id, indicator_id, period, target_value, target_score, sum_value, avg_value, sum_den, units, meeting = row
        span = spans.get(period)
        if span is None:
            span = spans[period] = _span(period)
        plan = plans.get(indicator_id)
        if plan is None:
            plan = plans[indicator_id] = _plan(rules[indicator_id])
        reading, direction, base, on_track, at_risk = plan
        target = None if target_value is None else exact(target_value)
        if units.__class__ is not int:
            units = int(units or 0)
        if meeting.__class__ is not int:
            meeting = int(meeting or 0)
        numerator = denominator = None
        if reading == _SCORED:
            actual = None if avg_value is None else exact(avg_value)
            if units:
                ratio = shares.get((meeting, units))
                if ratio is None:
                    ratio = shares[meeting, units] = quantize(Decimal(meeting) / Decimal(units), Q6)
            else:
                ratio = None
        else:
            if reading == _RATIO:
                numerator = None if sum_value is None else exact(sum_value)
                denominator = None if sum_den is None else exact(sum_den)
                actual = quantize(numerator / denominator * 100, Q6) if numerator is not None and denominator else None
            else:
                raw = sum_value if reading == _SUMMED else avg_value
                actual = None if raw is None else exact(raw)
            if not units or actual is None or target is None:
                ratio = None
            elif direction == _INCREASE:
                if base is not None and base != target:
                    ratio = quantize((actual - base) / (target - base), Q6)
                elif target:
                    ratio = quantize(actual / target, Q6)
                else:
                    ratio = _ONE if actual >= 0 else _ZERO
            elif direction == _DECREASE:
                if base is not None and base != target:
                    ratio = quantize((base - actual) / (base - target), Q6)
                elif actual <= 0:
                    ratio = _ONE
                else:
                    ratio = quantize(target / actual, Q6) if target > 0 else _ZERO
            elif target:
                ratio = quantize(max(_ZERO, 1 - abs(actual - target) / abs(target)), Q6)
            else:
                ratio = _ONE if actual == 0 else _ZERO
        if ratio is None:
            status = no_data
        elif ratio >= on_track:
            status = on_track_status
        elif ratio >= at_risk:
            status = at_risk_status
        else:
            status = off_track_status
        start, end = span
        append(new(TargetResult, (
            target_id, indicator_id, start, end, target, target_score, actual, numerator, denominator, units, meeting,
            ratio, status,
        )))  # fmt: skip
    return results


def _plan(rule: IndicatorRules) -> tuple[int, int, Decimal | None, Decimal, Decimal]:
    """What the loop in :func:`_results` needs of an indicator's rules."""
    if rule.measure == "qualitative":
        reading = _SCORED
    elif rule.measure == "percentage":
        reading = _RATIO
    else:
        reading = _AVERAGED if rule.unit_aggregation == "average" else _SUMMED
    direction = {"maintain": _MAINTAIN, "decrease": _DECREASE}.get(rule.direction, _INCREASE)
    # Levels (latest, average) progress from the baseline; flows (sum, cumulative) count from zero.
    base = rule.baseline if rule.time_aggregation in ("latest", "average") else None
    return reading, direction, base, rule.on_track, rule.at_risk


def _span(period: Any) -> tuple[dt.date, dt.date]:
    """A target's period, selected as its start and end in ISO form in one string."""
    text = str(period)
    return dt.date.fromisoformat(text[:10]), dt.date.fromisoformat(text[10:20])


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
