"""Frameworks, nodes, indicators, targets and values: numbering, validation, audit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from orbit.governance.models import AuditEvent
from orbit.results.models import ActualValue, ResultNode
from orbit.results.services import (
    actual_create,
    actual_update,
    dimension_create,
    indicator_update,
    node_archive,
    node_move,
    target_create,
)
from orbit.results.tests.factories import make_framework, make_indicator, make_node

pytestmark = pytest.mark.django_db
Y2024 = {"period_type": "annual", "period_start": dt.date(2024, 1, 1), "period_end": dt.date(2024, 12, 31)}
Y2025 = {"period_type": "annual", "period_start": dt.date(2025, 1, 1), "period_end": dt.date(2025, 12, 31)}


@pytest.fixture
def fw(tree):
    return make_framework(tree.bdt)


def numbers(framework):
    return list(ResultNode.objects.filter(framework=framework).order_by("path").values_list("number", flat=True))


def test_nodes_are_numbered_and_renumbered_on_move(fw, system_actor, cli_context):
    a = make_node(fw, "A")
    b = make_node(fw, "B")
    a1 = make_node(fw, "A1", parent=a)
    a2 = make_node(fw, "A2", parent=a)
    b1 = make_node(fw, "B1", parent=b)
    assert numbers(fw) == ["1", "1.1", "1.2", "2", "2.1"]
    assert (a2.number, b1.number, a1.tier) == ("1.2", "2.1", 1)
    moved = node_move(actor=system_actor, node=a2, expected_version=1, parent=b, position=1)
    assert moved.number == "2.1"
    assert ResultNode.objects.get(pk=b1.pk).number == "2.2"
    events = AuditEvent.objects.filter(object_id=str(a2.pk), object_type="results.resultnode").order_by("seq")
    assert events.last().action == "move"
    node_move(actor=system_actor, node=ResultNode.objects.get(pk=b.pk), expected_version=1, parent=None, position=1)
    assert dict(ResultNode.objects.values_list("title__en", "number")) == {
        "B": "1", "A2": "1.1", "B1": "1.2", "A": "2", "A1": "2.1",
    }  # fmt: skip
    node_archive(actor=system_actor, node=ResultNode.objects.get(pk=a1.pk), expected_version=1, reason="dropped")
    assert numbers(fw) == ["1", "1.1", "1.2", "2"]


def test_node_tier_rules(fw, system_actor, cli_context):
    a = make_node(fw, "A")
    a1 = make_node(fw, "A1", parent=a)
    a11 = make_node(fw, "A11", parent=a1)
    with pytest.raises(ValidationError, match="tiers"):
        make_node(fw, "too deep", parent=a11)
    with pytest.raises(ValidationError, match="tier above"):
        node_move(actor=system_actor, node=a11, expected_version=1, parent=a, position=1)
    with pytest.raises(ValidationError, match="itself"):
        node_move(actor=system_actor, node=a1, expected_version=1, parent=a11, position=1)


def test_node_insert_at_position(fw):
    make_node(fw, "A")
    make_node(fw, "B")
    make_node(fw, "first", position=1)
    assert list(ResultNode.objects.order_by("path").values_list("title__en", "number")) == [
        ("first", "1"), ("A", "2"), ("B", "3"),
    ]  # fmt: skip


def test_target_validation(fw, system_actor, cli_context):
    node = make_node(fw, "A")
    ind = make_indicator(node, baseline_value=Decimal(5), baseline_date=dt.date(2024, 6, 1))
    with pytest.raises(ValidationError, match="not a number"):
        target_create(actor=system_actor, indicator=ind, value="twelve", **Y2025)
    with pytest.raises(ValidationError, match="before the baseline"):
        target_create(actor=system_actor, indicator=ind, value=10, **Y2024)
    with pytest.raises(ValidationError, match="outside the framework's cycle"):
        target_create(actor=system_actor, indicator=ind, value=10, period_type="annual",
                      period_start=dt.date(2030, 1, 1), period_end=dt.date(2030, 12, 31))  # fmt: skip
    with pytest.raises(ValidationError, match="not a calendar quarter"):
        target_create(actor=system_actor, indicator=ind, value=10, period_type="quarter",
                      period_start=dt.date(2025, 2, 1), period_end=dt.date(2025, 4, 30))  # fmt: skip
    target_create(actor=system_actor, indicator=ind, value=10, **Y2025)
    with pytest.raises(ValidationError, match="overlaps"):
        target_create(actor=system_actor, indicator=ind, value=12, **Y2025)
    with pytest.raises(ValidationError, match="dated after the target"):
        indicator_update(actor=system_actor, indicator=ind, expected_version=1, baseline_date=dt.date(2025, 3, 1))


def test_actual_value_validation(fw, tree, system_actor, cli_context):
    node = make_node(fw, "A")
    pct = make_indicator(node, "P", measure="percentage", unit_aggregation="ratio")
    num = make_indicator(node, "N")
    qual = make_indicator(
        node, "Q", measure="qualitative", unit_aggregation="none",
        score_scale=[{"score": 1, "label": {"en": "Low"}}, {"score": 2, "label": {"en": "High"}}],
    )  # fmt: skip
    unit = tree.dept_a
    with pytest.raises(ValidationError, match="greater than the denominator"):
        actual_create(actor=system_actor, indicator=pct, unit=unit, numerator=11, denominator=10, **Y2024)
    with pytest.raises(ValidationError, match="not a number"):
        actual_create(actor=system_actor, indicator=num, unit=unit, value="12 countries", **Y2024)
    with pytest.raises(ValidationError, match="scores"):
        actual_create(actor=system_actor, indicator=qual, unit=unit, score=3, **Y2024)
    value = actual_create(actor=system_actor, indicator=pct, unit=unit, numerator=3, denominator=4, **Y2024)
    assert value.value == Decimal("75")
    assert value.status == ActualValue.Status.DRAFT


def test_disaggregation_must_add_up_when_exhaustive(fw, tree, system_actor, cli_context):
    dimension_create(
        actor=system_actor, code="sex", kind="sex", name={"en": "Sex"}, exhaustive=True,
        categories=[{"code": "f", "name": {"en": "Female"}}, {"code": "m", "name": {"en": "Male"}}],
    )  # fmt: skip
    from orbit.results.models import Dimension

    sex = Dimension.objects.get(code="sex")
    ind = make_indicator(make_node(fw, "A"), dimension_codes=["sex"])
    unit = tree.dept_a
    actual_create(actor=system_actor, indicator=ind, unit=unit, value=10, **Y2024)
    actual_create(actor=system_actor, indicator=ind, unit=unit, value=4, dimension=sex, category="f", **Y2024)
    with pytest.raises(ValidationError, match="add up to 9"):
        actual_create(actor=system_actor, indicator=ind, unit=unit, value=5, dimension=sex, category="m", **Y2024)
    with pytest.raises(ValidationError, match="not a category"):
        actual_create(actor=system_actor, indicator=ind, unit=unit, value=5, dimension=sex, category="x", **Y2024)
    actual_create(actor=system_actor, indicator=ind, unit=unit, value=6, dimension=sex, category="m", **Y2024)


def test_values_need_change_right_on_the_reporting_unit(fw, tree, cli_context):
    from orbit.core.errors import NotFound, PermissionDenied
    from orbit.organisation.tests.factories import grant, make_unit, make_user

    ind = make_indicator(make_node(fw, "A"))
    outsider = make_user()
    grant(outsider, make_unit("OUT", parent=tree.root, type="bureau"), "contributor")
    with pytest.raises(NotFound):  # a unit outside BDT cannot see the BDT framework
        actual_create(actor=outsider, indicator=ind, unit=outsider.memberships.get().unit, value=1, **Y2024)
    user = make_user()
    grant(user, tree.dept_a, "contributor")
    # A department under BDT reads the bureau's plan (plans are shared downwards) and reports on it.
    value = actual_create(actor=user, indicator=ind, unit=tree.dept_a, value=1, **Y2024)
    with pytest.raises(PermissionDenied):
        actual_update(actor=user, actual=value, expected_version=1, status="approved")
    with pytest.raises(NotFound):  # a sibling unit is out of the user's scope
        actual_create(actor=user, indicator=ind, unit=tree.dept_b, value=1, **Y2024)


def test_the_database_refuses_a_value_or_target_that_ends_before_it_starts(fw, tree):
    """The roll-up reads values by period end within a target's window; the database guarantees the order."""
    from django.db import IntegrityError, transaction

    from orbit.results.models import Target

    ind = make_indicator(make_node(fw, "A"))
    backwards = {"period_type": "custom", "period_start": dt.date(2025, 6, 30), "period_end": dt.date(2025, 1, 1)}
    with pytest.raises(IntegrityError), transaction.atomic():
        ActualValue.objects.bulk_create([ActualValue(indicator=ind, unit=tree.dept_a, value=1, **backwards)])
    with pytest.raises(IntegrityError), transaction.atomic():
        Target.objects.bulk_create([Target(indicator=ind, value=1, **backwards)])
