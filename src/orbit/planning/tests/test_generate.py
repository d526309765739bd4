"""``orbit generate`` with the operational plan: counts, determinism, sample marks, one audit event, valid rows."""

from __future__ import annotations

import datetime as dt
import re
from functools import partial
from types import SimpleNamespace

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import transaction

from orbit.core.codes import country_codes
from orbit.core.context import audit_context
from orbit.governance.models import AuditEvent
from orbit.governance.workflow import ReviewStatus
from orbit.organisation.tests.factories import grant, make_unit, make_user
from orbit.planning.generate import (
    OPERATIONS_SIZES,
    REFERENCE_DATE,
    SAMPLE_RATE_SOURCE,
    generate_operations,
    operations_fingerprint,
    outputs_of,
)
from orbit.planning.models import (
    Activity,
    ActivityStatus,
    BudgetLine,
    Evidence,
    ExchangeRate,
    Milestone,
    ProgressUpdate,
)
from orbit.planning.services import initiative_create
from orbit.results.generate import CYCLE, generate_plan
from orbit.results.models import Framework, ResultNode
from orbit.results.services import framework_create, node_create

pytestmark = pytest.mark.django_db

SMALL = OPERATIONS_SIZES["small"]


@pytest.fixture
def world(tree, system_actor):
    """The test tree plus a regional office, writers and reviewers, two SDG targets and a regional initiative."""
    office = make_unit("RO-T", parent=tree.bdt, type="regional_office", region="Africa")
    writer, manager = make_user("gen.writer"), make_user("gen.manager")
    grant(writer, tree.bdt, "contributor")
    grant(manager, tree.bdt, "manager")
    with audit_context(source="cli", reason="test data"):
        sdg = framework_create(
            actor=system_actor, owner_unit=tree.root, code="SDG-T", name={"en": "Goals"}, kind="global_goals",
            cycle_start=dt.date(2016, 1, 1), cycle_end=dt.date(2030, 12, 31), tiers=[{"en": "Goal"}, {"en": "Target"}],
        )  # fmt: skip
        goal = node_create(actor=system_actor, framework=sdg, title={"en": "Goal 17"}, ref_code="17")
        targets = [
            node_create(actor=system_actor, framework=sdg, parent=goal, title={"en": f"Target {c}"}, ref_code=c)
            for c in ("17.8", "17.17")
        ]
        initiative = initiative_create(
            actor=system_actor, lead_unit=office, code="AFR-T1", region="AFR", title={"en": "Initiative"}
        )
    return SimpleNamespace(
        tree=tree, office=office, writer=writer, manager=manager, sdg_targets=targets, initiative=initiative
    )


def run(world, actor, seed=7, size="small"):
    report = generate_plan(
        actor=actor, size=size, seed=seed, owner=world.tree.bdt,
        extend=partial(generate_operations, actor=actor, size=size, seed=seed),
    )  # fmt: skip
    return report, Framework.objects.get(pk=report.framework_id)


@pytest.fixture
def small(world, system_actor, cli_context):
    return run(world, system_actor)


def activities_of(framework):
    return Activity.objects.filter(code__startswith=f"{framework.code}-A")


def test_counts_follow_the_size(small):
    report, framework = small
    outputs = outputs_of("small")
    assert outputs == ResultNode.objects.filter(framework=framework, tier=2).count() == 12
    activities = activities_of(framework)
    counts = {
        "activities": activities.count(),
        "milestones": Milestone.objects.filter(activity__in=activities).count(),
        "budget_lines": BudgetLine.objects.filter(activity__in=activities).count(),
        "updates": ProgressUpdate.objects.filter(activity__in=activities).count(),
        "evidence": Evidence.objects.filter(update__activity__in=activities).count(),
    }
    assert counts["activities"] == SMALL.activities(outputs) == 24
    assert counts["updates"] == SMALL.updates(outputs) == 72
    assert counts["evidence"] == SMALL.evidence(outputs) == 120
    assert counts["milestones"] == 24 * SMALL.milestones_per_activity
    assert {name: report.extra[name] for name in counts} == counts
    links = sum(
        through.objects.filter(activity__in=activities).count()
        for through in (Activity.nodes.through, Activity.contributing_units.through,
                        Activity.initiatives.through, Activity.sdg_targets.through)
    )  # fmt: skip
    assert report.extra["activity_links"] == links
    assert report.extra["exchange_rates"] == 8


def test_large_size_meets_the_benchmark_floor():
    large, outputs = OPERATIONS_SIZES["large"], outputs_of("large")
    assert large.activities(outputs) >= 20_000
    assert large.updates(outputs) >= 60_000
    assert large.evidence(outputs) >= 100_000


def test_summary_line_and_one_audit_event(world, system_actor, cli_context):
    before = AuditEvent.objects.count()
    report, _ = run(world, system_actor, seed=3)
    events = list(AuditEvent.objects.order_by("seq")[before:])
    assert len(events) == 1
    generated = events[0].changes["generated"][1]
    assert generated["activities"] == 24 and generated["updates"] == 72 and generated["evidence"] == 120
    assert generated["nodes"] == 20 and generated["values"] == 1500
    assert re.search(r"1500 values, 24 activities, \d+ activity links, 48 milestones, \d+ budget lines, "
                     r"8 exchange rates, 72 updates, 120 evidence in", report.summary())  # fmt: skip


def test_same_seed_gives_the_same_operational_plan(world, system_actor, cli_context):
    def fingerprint(seed):
        with transaction.atomic():
            _, framework = run(world, system_actor, seed=seed)
            digest = operations_fingerprint(framework)
            transaction.set_rollback(True)
        return digest

    first = fingerprint(11)
    assert not Activity.all_objects.exists()
    assert fingerprint(11) == first
    assert fingerprint(12) != first


def test_everything_is_sample_data(small):
    _, framework = small
    activities = activities_of(framework)
    assert activities.exists() and not activities.filter(is_sample=False).exists()
    assert all("Generated" in a.title["en"] for a in activities)
    for model, lookup in ((BudgetLine, "activity__in"), (ProgressUpdate, "activity__in"),
                          (Evidence, "update__activity__in")):  # fmt: skip
        rows = model.objects.filter(**{lookup: activities})
        assert rows.exists() and not rows.filter(is_sample=False).exists(), model
    assert all(m.title["en"].startswith("Generated") for m in Milestone.objects.filter(activity__in=activities))
    rates = ExchangeRate.objects.all()
    assert rates.count() == 8
    assert {(r.currency, r.base, r.is_sample, r.source) for r in rates} == {
        ("USD", "CHF", True, SAMPLE_RATE_SOURCE), ("EUR", "CHF", True, SAMPLE_RATE_SOURCE)
    }  # fmt: skip


def test_a_second_plan_reuses_the_sample_rates(small, world, system_actor):
    report, _ = run(world, system_actor, seed=8)
    assert report.extra["exchange_rates"] == 0
    assert ExchangeRate.objects.count() == 8


def sample(queryset, every=1):
    rows = list(queryset.order_by("pk"))
    return rows[::every]


def test_rows_are_valid(small):
    _, framework = small
    activities = activities_of(framework)
    for activity in sample(activities):
        activity.full_clean()
    for milestone in sample(Milestone.objects.filter(activity__in=activities), 3):
        milestone.full_clean()
    for line in sample(BudgetLine.objects.filter(activity__in=activities), 2):
        line.full_clean()
    for update in sample(ProgressUpdate.objects.filter(activity__in=activities), 2):
        update.full_clean()
    for evidence in sample(Evidence.objects.filter(update__activity__in=activities), 4):
        evidence.full_clean()
    for rate in ExchangeRate.objects.all():
        rate.full_clean()


def test_activities_are_plausible(small, world):
    _, framework = small
    activities = list(activities_of(framework).prefetch_related("nodes", "initiatives", "sdg_targets"))
    outputs = set(ResultNode.objects.filter(framework=framework, tier=2).values_list("pk", flat=True))
    reporting = {u.pk for u in world.tree.bdt.__class__.objects.filter(path__startswith=world.tree.bdt.path)}
    assert len({a.responsible_unit_id for a in activities}) >= 3
    assert {a.responsible_unit_id for a in activities} <= reporting
    assert len({a.status for a in activities}) >= 3
    known = country_codes()
    for activity in activities:
        assert {n.pk for n in activity.nodes.all()} <= outputs and activity.nodes.exists()
        assert set(activity.countries) <= known
        for date in (activity.planned_start, activity.planned_end, activity.actual_start, activity.actual_end):
            assert date is None or CYCLE[0] <= date <= CYCLE[1]
        if activity.status in (ActivityStatus.DELAYED, ActivityStatus.CANCELLED):
            assert activity.status_reason
        if activity.responsible_unit_id == world.office.pk:
            assert activity.regions == ["AFR"]
        for initiative in activity.initiatives.all():
            assert initiative.region in activity.regions
        assert all(node.framework.kind == "global_goals" for node in activity.sdg_targets.all())
        if activity.actual_start:
            assert activity.actual_start <= REFERENCE_DATE
    assert any(a.sdg_targets.exists() for a in activities)
    currencies = set(BudgetLine.objects.filter(activity__in=activities).values_list("currency", flat=True))
    assert "CHF" in currencies and currencies & {"USD", "EUR"}


def test_updates_and_evidence_are_plausible(small, world, system_actor):
    _, framework = small
    updates = ProgressUpdate.objects.filter(activity__code__startswith=f"{framework.code}-A")
    assert set(updates.values_list("status", flat=True)) == set(ReviewStatus.values)
    assert updates.exclude(new_status="").exists()
    assert {u.author_id for u in updates} <= {world.writer.pk, world.manager.pk}
    for update in updates.select_related("activity"):
        assert update.unit_id == update.activity.responsible_unit_id
        assert (update.submitted_at is None) == (update.status == ReviewStatus.DRAFT)
        assert (update.reviewed_by_id is not None) == (update.status in ("approved", "returned"))
        if update.reviewed_by_id:
            assert update.reviewed_by_id == world.manager.pk
        if update.new_status in ("delayed", "cancelled"):
            assert update.status_reason
    evidence = Evidence.objects.filter(update__in=updates)
    assert set(evidence.values_list("kind", flat=True)) == {"photo", "video", "document"}
    for item in evidence:
        assert re.fullmatch(r"[0-9a-f]{64}", item.sha256) and item.size > 0 and item.content_type
        assert item.file.name.startswith("evidence/generated/") and item.original_name
        assert not default_storage.exists(item.file.name)  # metadata only


def test_authors_fall_back_to_the_actor(tree, system_actor, cli_context):
    report = generate_plan(
        actor=system_actor, size="small", seed=2, owner=tree.bdt,
        extend=partial(generate_operations, actor=system_actor, size="small", seed=2),
    )  # fmt: skip
    updates = ProgressUpdate.objects.filter(activity__code__startswith=f"{report.code}-A")
    assert set(updates.values_list("author_id", flat=True)) == {system_actor.pk}


def test_command_generates_the_operational_plan(tree, capsys):
    call_command("generate", "--size", "small", "--seed", "5", "--owner", "BDT")
    out = capsys.readouterr().out
    assert "GEN-SMALL-5: 20 nodes, 60 indicators, 480 targets, 1500 values, 24 activities" in out
    assert "72 updates, 120 evidence" in out
    assert Activity.objects.filter(code__startswith="GEN-SMALL-5-A").count() == 24
