"""A small, slow, obviously-correct implementation of the roll-up rules in ``docs/results.md``.

It exists to be compared with :mod:`orbit.results.rollup` (set-wise SQL) by property tests; nothing in
the product calls it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from statistics import fmean

from orbit.results.rollup import IndicatorRules, achievement, status_for


@dataclass(frozen=True)
class RefTarget:
    target_id: int
    period_start: dt.date
    period_end: dt.date
    value: Decimal | None
    score: int | None
    unit_path: str | None  # None: every unit
    own_unit_id: int | None  # the unit counted when values do not roll up across units


@dataclass(frozen=True)
class RefActual:
    actual_id: int
    unit_id: int
    unit_path: str
    period_start: dt.date
    period_end: dt.date
    value: Decimal | None
    numerator: Decimal | None
    denominator: Decimal | None
    score: int | None


@dataclass(frozen=True)
class RefResult:
    actual: float | None
    units: int
    meeting: int
    achievement: Decimal | None
    status: str


def evaluate(rules: IndicatorRules, cycle_start: dt.date, target: RefTarget, actuals: list[RefActual]) -> RefResult:
    start = cycle_start if rules.time_aggregation == "cumulative" else target.period_start
    rows = [
        a
        for a in actuals
        if a.period_end <= target.period_end
        and a.period_start >= start
        and (target.unit_path is None or a.unit_path.startswith(target.unit_path))
        and (rules.unit_aggregation != "none" or a.unit_id == target.own_unit_id)
    ]
    per_unit: dict[int, list[RefActual]] = defaultdict(list)
    for row in rows:
        per_unit[row.unit_id].append(row)

    values: list[float] = []
    numerators: list[float] = []
    denominators: list[float] = []
    scores: list[int] = []
    meeting = 0
    for unit_rows in per_unit.values():
        latest = max(unit_rows, key=lambda a: (a.period_end, a.period_start, a.actual_id))
        raw = [float(a.value) for a in unit_rows if a.value is not None]
        if rules.time_aggregation == "latest":
            value = float(latest.value) if latest.value is not None else None
            num = float(latest.numerator) if latest.numerator is not None else None
            den = float(latest.denominator) if latest.denominator is not None else None
        else:
            value = (fmean(raw) if rules.time_aggregation == "average" else sum(raw)) if raw else None
            nums = [float(a.numerator) for a in unit_rows if a.numerator is not None]
            dens = [float(a.denominator) for a in unit_rows if a.denominator is not None]
            num = sum(nums) if nums else None
            den = sum(dens) if dens else None
        if value is not None:
            values.append(value)
        if num is not None:
            numerators.append(num)
        if den is not None:
            denominators.append(den)
        if latest.score is not None:
            scores.append(latest.score)
            if target.score is not None and (
                (rules.direction == "increase" and latest.score >= target.score)
                or (rules.direction == "decrease" and latest.score <= target.score)
                or (rules.direction == "maintain" and latest.score == target.score)
            ):
                meeting += 1

    units = len(per_unit)
    actual: float | None
    if rules.measure == "qualitative":
        actual = fmean(scores) if scores else None
    elif rules.measure == "percentage":
        actual = (
            sum(numerators) / sum(denominators) * 100 if numerators and denominators and sum(denominators) else None
        )
    elif rules.unit_aggregation == "average":
        actual = fmean(values) if values else None
    else:
        actual = sum(values) if values else None
    ratio = achievement(
        measure=rules.measure,
        direction=rules.direction,
        time_aggregation=rules.time_aggregation,
        actual=Decimal(repr(actual)).quantize(Decimal("0.000001")) if actual is not None else None,
        target=target.value,
        baseline=rules.baseline,
        units=units,
        meeting=meeting,
    )
    return RefResult(actual, units, meeting, ratio, status_for(ratio, rules.on_track, rules.at_risk))
