"""The framework tree: outline, current results, node roll-ups, in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from orbit.results.selectors import COUNTED, framework_tree
from orbit.results.services import actual_create, target_create
from orbit.results.tests.factories import make_framework, make_indicator, make_node

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2025, 6, 30)


def year(y: int) -> dict:
    return {"period_type": "annual", "period_start": dt.date(y, 1, 1), "period_end": dt.date(y, 12, 31)}


def build(tree, system_actor, n_outputs: int):
    fw = make_framework(tree.bdt, f"FW{n_outputs}")
    objective = make_node(fw, "Objective")
    outcome = make_node(fw, "Outcome", parent=objective)
    for k in range(n_outputs):
        output = make_node(fw, f"Output {k}", parent=outcome)
        ind = make_indicator(output, f"I{k}")
        for y in (2024, 2025):
            target_create(actor=system_actor, indicator=ind, value=10, **year(y))
        actual_create(actor=system_actor, indicator=ind, unit=tree.dept_a, value=4 + k, **year(2025))
        actual_create(actor=system_actor, indicator=ind, unit=tree.div_a1, value=2, **year(2025))
    return fw


def test_tree_rolls_up_indicators_to_nodes(tree, system_actor, cli_context):
    fw = build(tree, system_actor, 2)
    result = framework_tree(system_actor, fw, as_of=AS_OF, statuses=COUNTED["all"])  # the values are drafts
    assert [v.node.number for v in result.nodes] == ["1", "1.1", "1.1.1", "1.1.2"]
    out0, out1 = result.nodes[2], result.nodes[3]
    assert out0.indicators[0].current.actual == Decimal(6)  # 4 + 2 across units, 2025 target
    assert out0.indicators[0].current.achievement == Decimal("0.6")
    assert out0.indicators[0].current.status == "at_risk"
    assert out1.indicators[0].current.status == "at_risk"  # 7/10
    assert result.nodes[0].rollup.achievement == Decimal("0.65")
    assert result.nodes[0].rollup.counts["at_risk"] == 2
    assert result.totals == {"on_track": 0, "at_risk": 2, "off_track": 0, "no_data": 0}


def test_tree_query_count_does_not_grow_with_size(tree, system_actor, cli_context, django_assert_num_queries):
    small = build(tree, system_actor, 1)
    large = build(tree, system_actor, 8)
    counts = []
    for fw in (small, large):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            framework_tree(system_actor, fw, as_of=AS_OF)
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
    assert counts[0] <= 15


def test_roll_ups_can_count_only_approved_values(tree, system_actor, cli_context):
    from orbit.results.models import ActualValue
    from orbit.results.services import actual_update

    fw = build(tree, system_actor, 1)
    value = ActualValue.objects.filter(indicator__node__framework=fw, unit=tree.dept_a).get()
    assert framework_tree(system_actor, fw, as_of=AS_OF, statuses=("approved",)).totals["no_data"] == 1
    actual_update(actor=system_actor, actual=value, expected_version=1, status="approved")
    approved = framework_tree(system_actor, fw, as_of=AS_OF, statuses=("approved",))
    assert approved.nodes[2].indicators[0].current.actual == Decimal(4)  # the unapproved 2 of DIV-A1 is left out
    assert framework_tree(system_actor, fw, as_of=AS_OF).nodes[2].indicators[0].current.actual == Decimal(4), (
        "by default only approved values count"
    )
    every = framework_tree(system_actor, fw, as_of=AS_OF, statuses=COUNTED["all"])
    assert every.nodes[2].indicators[0].current.actual == Decimal(6)
