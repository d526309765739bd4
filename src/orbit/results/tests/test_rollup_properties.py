"""Property tests: the set-wise SQL roll-up agrees with the pure-Python reference on random plans."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orbit.results.models import ActualValue, Indicator, Target
from orbit.results.reference_rollup import RefActual, RefTarget, evaluate
from orbit.results.rollup import NO_DATA, IndicatorRules, evaluate_targets
from orbit.results.tests.factories import make_framework, make_node

pytestmark = pytest.mark.django_db

CYCLE = (dt.date(2024, 1, 1), dt.date(2025, 12, 31))
TARGET_PERIODS = [
    ("annual", dt.date(2024, 1, 1), dt.date(2024, 12, 31)),
    ("annual", dt.date(2025, 1, 1), dt.date(2025, 12, 31)),
    ("semester", dt.date(2025, 1, 1), dt.date(2025, 6, 30)),
    ("quarter", dt.date(2025, 4, 1), dt.date(2025, 6, 30)),
    ("cycle", *CYCLE),
]
VALUE_PERIODS = [
    ("quarter", dt.date(y, m, 1), dt.date(y, m + 2, 30 if m + 2 in (6, 9) else 31))
    for y in (2024, 2025)
    for m in (1, 4, 7, 10)
] + [
    ("annual", dt.date(2024, 1, 1), dt.date(2024, 12, 31)),
    ("annual", dt.date(2025, 1, 1), dt.date(2025, 12, 31)),
    ("month", dt.date(2025, 5, 1), dt.date(2025, 5, 31)),
]
UNIT_AGG = {
    "number": ["sum", "average", "none"],
    "currency": ["sum", "average", "none"],
    "percentage": ["ratio", "none"],
    "qualitative": ["sum", "none"],
}
money = st.integers(min_value=0, max_value=100_000).map(lambda n: Decimal(n) / 100)


@st.composite
def scenarios(draw):
    measure = draw(st.sampled_from(sorted(UNIT_AGG)))
    rules = {
        "measure": measure,
        "direction": draw(st.sampled_from(["increase", "decrease", "maintain"])),
        "time_aggregation": draw(st.sampled_from(["sum", "cumulative", "latest", "average"])),
        "unit_aggregation": draw(st.sampled_from(UNIT_AGG[measure])),
    }
    if measure == "qualitative":
        rules["baseline"] = draw(st.none() | st.integers(1, 4).map(Decimal))
    else:
        rules["baseline"] = draw(st.none() | money)
    targets = draw(st.lists(st.sampled_from(range(len(TARGET_PERIODS))), min_size=1, max_size=4, unique=True))
    target_rows = []
    for index in targets:
        unit = draw(st.sampled_from([None, "dept_a", "div_a1", "dept_b"]))
        if measure == "qualitative":
            target_rows.append((index, unit, None, draw(st.integers(1, 4))))
        elif measure == "percentage":
            target_rows.append((index, unit, draw(st.integers(0, 100).map(Decimal)), None))
        else:
            target_rows.append((index, unit, draw(money), None))
    pairs = draw(
        st.lists(
            st.tuples(
                st.sampled_from(["dept_a", "div_a1", "dept_b", "bdt"]), st.sampled_from(range(len(VALUE_PERIODS)))
            ),
            min_size=2,
            max_size=16,
            unique=True,
        )
    )
    actual_rows = []
    for unit, index in pairs:
        if measure == "qualitative":
            actual_rows.append((unit, index, None, None, None, draw(st.integers(1, 4))))
        elif measure == "percentage":
            den = draw(st.integers(1, 500))
            num = draw(st.integers(0, den))
            actual_rows.append((unit, index, Decimal(num) / den * 100, Decimal(num), Decimal(den), None))
        else:
            actual_rows.append((unit, index, draw(money), None, None, None))
    responsible = draw(st.sampled_from([None, "dept_a", "bdt"]))
    return rules, target_rows, actual_rows, responsible


class _Rollback(Exception):
    pass


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scenario=scenarios())
def test_sql_rollup_matches_reference(tree, scenario):
    rules_dict, target_rows, actual_rows, responsible = scenario
    units = {"dept_a": tree.dept_a, "div_a1": tree.div_a1, "dept_b": tree.dept_b, "bdt": tree.bdt}
    try:
        with transaction.atomic():
            _check(tree, units, rules_dict, target_rows, actual_rows, responsible)
            raise _Rollback
    except _Rollback:
        pass


def _check(tree, units, rules_dict, target_rows, actual_rows, responsible):
    framework = make_framework(tree.root, "PROP", cycle_start=CYCLE[0], cycle_end=CYCLE[1])
    node = make_node(framework, "Node")
    indicator = Indicator.objects.create(
        node=node,
        code="P",
        title={"en": "P"},
        measure=rules_dict["measure"],
        direction=rules_dict["direction"],
        time_aggregation=rules_dict["time_aggregation"],
        unit_aggregation=rules_dict["unit_aggregation"],
        baseline_value=rules_dict["baseline"],
        responsible_unit=units[responsible] if responsible else None,
    )
    targets = Target.objects.bulk_create(
        [
            Target(
                indicator=indicator,
                period_type=TARGET_PERIODS[i][0],
                period_start=TARGET_PERIODS[i][1],
                period_end=TARGET_PERIODS[i][2],
                unit=units[unit] if unit else None,
                value=value,
                score=score,
            )
            for i, unit, value, score in target_rows
        ]
    )
    actuals = ActualValue.objects.bulk_create(
        [
            ActualValue(
                indicator=indicator,
                unit=units[unit],
                period_type=VALUE_PERIODS[i][0],
                period_start=VALUE_PERIODS[i][1],
                period_end=VALUE_PERIODS[i][2],
                value=value,
                numerator=num,
                denominator=den,
                score=score,
            )
            for unit, i, value, num, den, score in actual_rows
        ]
    )
    rules = IndicatorRules(on_track=framework.on_track_threshold, at_risk=framework.at_risk_threshold, **rules_dict)
    got = {r.target_id: r for r in evaluate_targets(indicator_ids=[indicator.pk], rules={indicator.pk: rules})}
    _check_scopes(framework, indicator, rules, targets, got)
    ref_actuals = [
        RefActual(a.pk, a.unit_id, a.unit.path, a.period_start, a.period_end, a.value, a.numerator, a.denominator,
                  a.score)
        for a in actuals
    ]  # fmt: skip
    own = units[responsible].pk if responsible else None
    assert len(got) == len(targets)
    for target in targets:
        expected = evaluate(
            rules,
            CYCLE[0],
            RefTarget(target.pk, target.period_start, target.period_end, target.value, target.score,
                      target.unit.path if target.unit else None, target.unit_id or own),
            ref_actuals,
        )  # fmt: skip
        result = got[target.pk]
        assert result.units_reporting == expected.units
        assert result.units_meeting == expected.meeting
        if expected.actual is None:
            assert result.actual is None
        else:
            assert result.actual is not None
            assert float(result.actual) == pytest.approx(expected.actual, rel=1e-6, abs=1e-4)
        if expected.achievement is None:
            assert result.achievement is None
        else:
            assert float(result.achievement) == pytest.approx(float(expected.achievement), rel=1e-5, abs=1e-4)
            near = min(abs(float(expected.achievement) - float(t)) for t in (rules.on_track, rules.at_risk))
            if near > 1e-3:
                assert result.status == expected.status


def _check_scopes(framework, indicator, rules, targets, got):
    """The same targets give the same results whether asked for by framework, by indicator or by target, and a
    status filter reaches every kind of target (the generated values are drafts)."""
    by_rules = {indicator.pk: rules}
    by_framework = {r.target_id: r for r in evaluate_targets(framework_ids=[framework.pk], rules=by_rules)}
    assert by_framework == got
    chosen = [target.pk for target in targets[::2]]
    by_target = evaluate_targets(indicator_ids=[indicator.pk], target_ids=chosen, rules=by_rules)
    assert {r.target_id: r for r in by_target} == {pk: got[pk] for pk in chosen}
    approved = evaluate_targets(indicator_ids=[indicator.pk], rules=by_rules, statuses=[ActualValue.Status.APPROVED])
    assert sorted(r.target_id for r in approved) == sorted(got)
    assert all(r.units_reporting == 0 and r.actual is None and r.status == NO_DATA for r in approved)
