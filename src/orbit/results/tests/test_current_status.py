"""The dashboard's lean read of a framework agrees with the full tree, indicator by indicator and node by node."""

from __future__ import annotations

import datetime as dt

import pytest

from orbit.results.generate import generate_plan
from orbit.results.models import Framework
from orbit.results.selectors import framework_current_status, framework_tree

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(tree, system_actor, cli_context):
    report = generate_plan(actor=system_actor, size="small", seed=11, owner=tree.bdt)
    return Framework.objects.get(code=report.code)


@pytest.mark.parametrize("as_of", ["2023-06-30", "2024-03-31", "2025-02-15", "2025-09-30", "2027-12-31", "2030-01-01"])
@pytest.mark.parametrize("statuses", [("approved",), ("approved", "submitted"), None])
def test_current_status_matches_the_tree(plan, system_actor, as_of, statuses):
    day = dt.date.fromisoformat(as_of)
    tree = framework_tree(system_actor, plan, as_of=day, statuses=statuses)
    lean = framework_current_status(system_actor, plan, as_of=day, statuses=statuses)
    expected = {
        item.indicator.pk: (item.current.target_id, item.current.status, item.current.achievement)
        if item.current else None
        for view in tree.nodes for item in view.indicators
    }  # fmt: skip
    got = {
        pk: (result.target_id, result.status, result.achievement) if result else None
        for pk, (_node, _unit, result) in lean.indicators.items()
    }
    assert got == expected
    assert lean.totals == tree.totals
    for view in tree.nodes:
        assert view.rollup is not None
        assert (lean.rollups[view.node.pk].counts, lean.rollups[view.node.pk].achievement) == (
            view.rollup.counts, view.rollup.achievement
        ), view.node.number


def test_current_status_reads_in_a_fixed_number_of_queries(plan, system_actor, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        framework_current_status(system_actor, plan, as_of=dt.date(2025, 6, 30))
