"""``orbit generate``: counts, determinism, one audit event, derived fields, valid values."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import transaction

from orbit.governance.models import AuditEvent
from orbit.results.generate import CYCLE, SIZES, generate_plan, plan_code, plan_fingerprint
from orbit.results.models import ActualValue, Framework, Indicator, ResultNode, Target
from orbit.results.models.periods import period_errors
from orbit.results.services import renumber

pytestmark = pytest.mark.django_db


@pytest.fixture
def small(tree, system_actor, cli_context):
    report = generate_plan(actor=system_actor, size="small", seed=7, owner=tree.bdt)
    return report, Framework.objects.get(pk=report.framework_id)


def test_small_plan_counts(small):
    report, framework = small
    spec = SIZES["small"]
    assert framework.code == plan_code("small", 7) == "GEN-SMALL-7"
    assert framework.is_sample and framework.owner_unit.code == "BDT"
    counts = (
        ResultNode.objects.filter(framework=framework).count(),
        Indicator.objects.filter(node__framework=framework).count(),
        Target.objects.filter(indicator__node__framework=framework).count(),
        ActualValue.objects.filter(indicator__node__framework=framework).count(),
    )
    assert counts == (report.nodes, report.indicators, report.targets, report.values) == (20, 60, 480, 1500)
    assert spec.nodes == 20
    lookups = (
        (ResultNode, "framework"),
        (Indicator, "node__framework"),
        (Target, "indicator__node__framework"),
        (ActualValue, "indicator__node__framework"),
    )
    for model, lookup in lookups:
        assert not model.objects.filter(**{lookup: framework}, is_sample=False).exists()


def test_large_size_meets_the_benchmark_floor():
    large = SIZES["large"]
    assert large.nodes >= 600 and large.indicators >= 2000
    assert large.indicators * large.targets_per_indicator >= 16000
    assert large.indicators * large.values_per_indicator >= 50000


def test_one_import_event_per_run_with_counts(tree, system_actor, cli_context):
    before = AuditEvent.objects.count()
    report = generate_plan(actor=system_actor, size="small", seed=3, owner=tree.bdt)
    events = list(AuditEvent.objects.order_by("seq")[before:])
    assert len(events) == 1
    event = events[0]
    assert (event.action, event.object_type, event.object_id) == (
        "import",
        "results.framework",
        str(report.framework_id),
    )
    assert event.changes["generated"][1] == {
        "size": "small", "seed": 3, "nodes": 20, "indicators": 60, "targets": 480, "values": 1500,
    }  # fmt: skip
    assert event.scope_path == tree.bdt.path


def test_same_code_twice_is_refused(small, tree, system_actor):
    with pytest.raises(ValidationError, match="already exists"):
        generate_plan(actor=system_actor, size="small", seed=7, owner=tree.bdt)


def test_same_seed_gives_the_same_data_and_another_seed_does_not(tree, system_actor, cli_context):
    def fingerprint(seed):
        with transaction.atomic():
            report = generate_plan(actor=system_actor, size="small", seed=seed, owner=tree.bdt)
            digest = plan_fingerprint(Framework.objects.get(pk=report.framework_id))
            transaction.set_rollback(True)
        return digest

    first = fingerprint(11)
    assert Framework.all_objects.filter(code="GEN-SMALL-11").count() == 0
    assert fingerprint(11) == first
    assert fingerprint(12) != first


def test_derived_fields_are_what_renumber_gives(small, django_assert_max_num_queries):
    _, framework = small
    nodes = ResultNode.objects.filter(framework=framework)
    before = list(nodes.order_by("pk").values_list("pk", "number", "path", "tier", "position"))
    assert [n for _, n, *_ in before][:3] == ["1", "2", "1.1"]
    with django_assert_max_num_queries(1):  # nothing to rewrite: one read, no update
        renumber(framework)
    assert list(nodes.order_by("pk").values_list("pk", "number", "path", "tier", "position")) == before
    for pk, number, path, tier, _position in before:
        assert tier == number.count(".") and path.count("/") == tier + 2, (pk, number, path)
    children = {}
    for node in nodes:
        children.setdefault(node.parent_id, []).append(node.position)
    assert all(sorted(p) == list(range(1, len(p) + 1)) for p in children.values())


def test_values_are_valid_for_their_measure(small):
    _, framework = small
    indicators = {i.pk: i for i in Indicator.objects.filter(node__framework=framework)}
    for indicator in indicators.values():
        indicator.full_clean(exclude=["node", "responsible_unit"])
    assert {i.measure for i in indicators.values()} == {"number", "percentage", "currency", "qualitative"}
    assert {i.time_aggregation for i in indicators.values()} == {"sum", "cumulative", "latest", "average"}
    for target in Target.objects.filter(indicator__node__framework=framework):
        indicator = indicators[target.indicator_id]
        assert period_errors(target.period_type, target.period_start, target.period_end, *CYCLE) == {}
        if indicator.measure == "qualitative":
            assert target.value is None and target.score in indicator.scores
        else:
            assert target.value is not None and target.score is None
            if indicator.measure == "percentage":
                assert Decimal(0) <= target.value <= Decimal(100)
        if indicator.baseline_date:
            assert target.period_start >= indicator.baseline_date
    units = set()
    for value in ActualValue.objects.filter(indicator__node__framework=framework):
        indicator = indicators[value.indicator_id]
        units.add(value.unit_id)
        assert period_errors(value.period_type, value.period_start, value.period_end, *CYCLE) == {}
        if indicator.measure == "percentage":
            assert 0 <= value.numerator <= value.denominator and value.denominator > 0
            assert value.value == (value.numerator / value.denominator * 100).quantize(Decimal("0.000001"))
        elif indicator.measure == "qualitative":
            assert value.value is None and value.score in indicator.scores
        else:
            assert value.value is not None and value.numerator is None and value.score is None
    assert len(units) >= 3


def test_no_overlapping_periods(small):
    _, framework = small
    for model in (Target, ActualValue):
        keys = list(
            model.objects.filter(indicator__node__framework=framework).values_list(
                "indicator_id", "unit_id", "period_type", "period_start"
            )
        )
        assert len(keys) == len(set(keys)), model


def test_command_prints_counts_and_refuses_a_repeat(tree, capsys):
    call_command("generate", "--size", "small", "--seed", "5", "--owner", "BDT")
    out = capsys.readouterr().out
    assert "GEN-SMALL-5: 20 nodes, 60 indicators, 480 targets, 1500 values" in out
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="already exists"):
        call_command("generate", "--size", "small", "--seed", "5", "--owner", "BDT")
    with pytest.raises(CommandError, match="no such unit"):
        call_command("generate", "--owner", "NOPE")
