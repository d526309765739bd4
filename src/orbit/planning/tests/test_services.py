"""Activities, the review workflow by role, locked periods, currency totals: services and selectors."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError

from orbit.core.context import audit_context
from orbit.core.errors import NotFound, PermissionDenied, StaleVersion
from orbit.governance.models import AuditEvent
from orbit.organisation.tests.factories import grant, make_unit, make_user
from orbit.planning import selectors, services
from orbit.planning.models import Activity, ProgressUpdate
from orbit.results.models import ActualValue
from orbit.results.services import actual_create, actual_transition, period_lock, period_unlock
from orbit.results.tests.factories import make_framework, make_indicator, make_node

pytestmark = pytest.mark.django_db
DAY = dt.date(2025, 3, 10)


@pytest.fixture
def org(tree):
    """Two sibling regional offices under BDT, each with a contributor and a manager (test data)."""
    ro_a = make_unit("RO-A", parent=tree.bdt, type="regional_office", region="Africa")
    ro_b = make_unit("RO-B", parent=tree.bdt, type="regional_office", region="Europe")
    people = SimpleNamespace(
        a_contrib=make_user("a.contrib"), a_manager=make_user("a.manager"),
        b_contrib=make_user("b.contrib"), b_manager=make_user("b.manager"), hq_viewer=make_user("hq.viewer"),
    )  # fmt: skip
    grant(people.a_contrib, ro_a, "contributor")
    grant(people.a_manager, ro_a, "manager")
    grant(people.b_contrib, ro_b, "contributor")
    grant(people.b_manager, ro_b, "manager")
    grant(people.hq_viewer, tree.bdt, "viewer")
    framework = make_framework(tree.bdt, "OP", tiers=2)
    objective = make_node(framework, "Objective")
    output = make_node(framework, "Output", parent=objective)
    return SimpleNamespace(tree=tree, ro_a=ro_a, ro_b=ro_b, framework=framework, output=output, **people.__dict__)


def new_activity(org, actor=None, **values):
    values.setdefault("title", {"en": "Workshop"})
    values.setdefault("planned_start", dt.date(2025, 1, 1))
    with audit_context(source="web"):
        return services.activity_create(actor=actor or org.a_contrib, responsible_unit=org.ro_a, **values)


def new_update(org, activity, actor=None, **values):
    values.setdefault("date", DAY)
    values.setdefault("narrative", {"en": "Done"})
    return services.update_create(actor=actor or org.a_contrib, activity=activity, **values)


def step(update, actor, action, note=""):
    return services.update_transition(
        actor=actor, update=update, action=action, expected_version=update.version, note=note
    )


# --- activities -------------------------------------------------------------------------------------------------


def test_activity_gets_a_code_and_its_links_in_one_audited_write(org):
    activity = new_activity(org, nodes=[org.output], countries=["ET"], regions=["AFR"])
    assert activity.code == "RO-A-2025-001"
    assert new_activity(org).code == "RO-A-2025-002"
    events = AuditEvent.objects.filter(object_type="planning.activity", object_id=str(activity.pk))
    assert events.count() == 1
    assert events.get().changes["nodes"] == [None, [org.output.pk]]


def test_changing_only_the_links_bumps_the_version_and_is_audited(org):
    activity = new_activity(org)
    updated = services.activity_update(
        actor=org.a_contrib, activity=activity, expected_version=1, nodes=[org.output]
    )
    assert updated.version == 2
    assert list(updated.nodes.all()) == [org.output]
    last = AuditEvent.objects.filter(object_type="planning.activity").order_by("-seq").first()
    assert last.changes == {"nodes": [[], [org.output.pk]]}
    unchanged = services.activity_update(actor=org.a_contrib, activity=updated, expected_version=2, nodes=[org.output])
    assert unchanged.version == 2
    with pytest.raises(StaleVersion):
        services.activity_update(actor=org.a_contrib, activity=updated, expected_version=1, nodes=[])


@pytest.mark.parametrize(
    ("values", "field", "words"),
    [
        ({"status": "delayed"}, "status_reason", "delayed or cancelled"),
        ({"status": "completed"}, "actual_end", "actual end"),
        ({"countries": ["XX1"]}, "countries", "Unknown country"),
        ({"regions": ["MARS"]}, "regions", "Unknown ITU region"),
        ({"planned_end": dt.date(2024, 1, 1)}, "planned_end", "before the planned start"),
        ({"partners": [""]}, "partners", "partner names"),
    ],
)
def test_activity_validation_names_the_field(org, values, field, words):
    with pytest.raises(ValidationError) as caught:
        new_activity(org, **values)
    assert field in caught.value.message_dict
    assert words in " ".join(caught.value.message_dict[field])
    assert not Activity.all_objects.exists()


def test_an_sdg_target_must_be_an_sdg_target(org):
    with pytest.raises(ValidationError) as caught:
        new_activity(org, sdg_targets=[org.output])
    assert "sdg_targets" in caught.value.message_dict


def test_sibling_office_cannot_read_or_change_an_activity(org):
    activity = new_activity(org)
    with pytest.raises(NotFound):
        selectors.activity_get(org.b_contrib, activity.pk)
    with pytest.raises(NotFound):
        services.activity_update(actor=org.b_contrib, activity=activity, expected_version=1, title={"en": "x"})
    assert selectors.activity_get(org.hq_viewer, activity.pk) == activity  # the bureau above reads it
    with pytest.raises(PermissionDenied):
        services.activity_update(actor=org.hq_viewer, activity=activity, expected_version=1, title={"en": "x"})


def test_a_contributing_unit_reads_the_activity(org):
    activity = new_activity(org, contributing_units=[org.ro_b])
    assert selectors.activity_get(org.b_contrib, activity.pk) == activity
    with pytest.raises(NotFound):
        selectors.activity_get(org.b_contrib, activity.pk, "change")


# --- the workflow ---------------------------------------------------------------------------------------------


def test_the_whole_loop_submit_return_resubmit_approve(org):
    activity = new_activity(org)
    update = new_update(org, activity, new_status="ongoing")
    update = step(update, org.a_contrib, "submit")
    assert update.status == "submitted" and update.submitted_at is not None
    with pytest.raises(ValidationError) as no_note:
        step(update, org.a_manager, "return")
    assert "note" in no_note.value.message_dict
    update = step(update, org.a_manager, "return", note="Add the participant list.")
    assert (update.status, update.review_note, update.reviewed_by) == ("returned", "Add the participant list.",
                                                                        org.a_manager)  # fmt: skip
    update = services.update_edit(
        actor=org.a_contrib, update=update, expected_version=update.version, narrative={"en": "Done, 30 people"}
    )
    update = step(update, org.a_contrib, "submit")
    update = step(update, org.a_manager, "approve")
    assert update.status == "approved"
    activity.refresh_from_db()
    assert (activity.status, activity.actual_start) == ("ongoing", DAY)
    actions = list(
        AuditEvent.objects.filter(object_type="planning.progressupdate", object_id=str(update.pk))
        .order_by("seq").values_list("action", flat=True)
    )  # fmt: skip
    assert actions == ["create", "update", "update", "update", "update", "approve"]


@pytest.mark.parametrize(
    ("who", "action", "from_status", "outcome"),
    [
        ("a_contrib", "submit", "draft", "submitted"),
        ("a_manager", "submit", "draft", "submitted"),
        ("a_contrib", "approve", "submitted", PermissionDenied),
        ("a_contrib", "return", "submitted", PermissionDenied),
        ("a_contrib", "reopen", "approved", PermissionDenied),
        ("a_manager", "approve", "submitted", "approved"),
        ("a_manager", "reopen", "approved", "draft"),
        ("a_manager", "approve", "draft", ValidationError),
        ("a_manager", "submit", "approved", ValidationError),
        ("a_manager", "return", "approved", ValidationError),
        ("b_manager", "approve", "submitted", NotFound),
        ("hq_viewer", "submit", "draft", PermissionDenied),
    ],
)
def test_transitions_allowed_and_refused_by_role(org, who, action, from_status, outcome):
    update = new_update(org, new_activity(org))
    path = {"draft": [], "submitted": [("a_contrib", "submit")],
            "approved": [("a_contrib", "submit"), ("a_manager", "approve")]}[from_status]  # fmt: skip
    for actor, name in path:
        update = step(update, getattr(org, actor), name)
    actor = getattr(org, who)
    note = "fix it" if action == "return" else ""
    if isinstance(outcome, str):
        assert step(update, actor, action, note).status == outcome
    else:
        with pytest.raises(outcome):
            step(update, actor, action, note)
        assert ProgressUpdate.objects.get(pk=update.pk).status == from_status


def test_submitted_and_approved_updates_refuse_edits(org):
    update = step(new_update(org, new_activity(org)), org.a_contrib, "submit")
    with pytest.raises(ValidationError) as caught:
        services.update_edit(actor=org.a_contrib, update=update, expected_version=update.version, location="x")
    assert "submitted" in " ".join(caught.value.message_dict["status"])


def test_a_sibling_cannot_see_a_draft_update_but_readers_see_it_approved(org):
    activity = new_activity(org, contributing_units=[org.ro_b])
    update = new_update(org, activity)
    with pytest.raises(NotFound):
        selectors.update_get(org.b_contrib, update.pk)
    update = step(step(update, org.a_contrib, "submit"), org.a_manager, "approve")
    assert selectors.update_get(org.b_contrib, update.pk) == update


def test_values_follow_the_same_workflow(org):
    node = make_node(org.framework, "Output 2", parent=org.output.parent)
    indicator = make_indicator(node, "K1", unit_aggregation="sum", time_aggregation="sum")
    value = actual_create(
        actor=org.a_contrib, indicator=indicator, unit=org.ro_a, value=Decimal(5), period_type="annual",
        period_start=dt.date(2025, 1, 1), period_end=dt.date(2025, 12, 31),
    )  # fmt: skip
    value = actual_transition(actor=org.a_contrib, actual=value, action="submit", expected_version=value.version)
    with pytest.raises(PermissionDenied):
        actual_transition(actor=org.a_contrib, actual=value, action="approve", expected_version=value.version)
    value = actual_transition(
        actor=org.a_manager, actual=value, action="return", expected_version=value.version, note="Source?"
    )
    assert (value.status, value.review_note) == (ActualValue.Status.RETURNED, "Source?")
    value = actual_transition(actor=org.a_contrib, actual=value, action="submit", expected_version=value.version)
    value = actual_transition(actor=org.a_manager, actual=value, action="approve", expected_version=value.version)
    assert value.status == ActualValue.Status.APPROVED


# --- locked periods -------------------------------------------------------------------------------------------


def test_locked_periods_refuse_edits_until_a_manager_unlocks(org):
    activity = new_activity(org)
    update = new_update(org, activity)
    with pytest.raises(PermissionDenied):
        period_lock(actor=org.a_contrib, unit=org.ro_a, period_start=dt.date(2025, 1, 1),
                    period_end=dt.date(2025, 3, 31), reason="Q1 closed")  # fmt: skip
    with pytest.raises(ValidationError):
        period_lock(actor=org.a_manager, unit=org.ro_a, period_start=dt.date(2025, 1, 1),
                    period_end=dt.date(2025, 3, 31), reason=" ")  # fmt: skip
    lock = period_lock(actor=org.a_manager, unit=org.ro_a, period_start=dt.date(2025, 1, 1),
                       period_end=dt.date(2025, 3, 31), reason="Q1 closed")  # fmt: skip
    for attempt in (
        lambda: services.update_edit(actor=org.a_contrib, update=update, expected_version=1, location="x"),
        lambda: step(update, org.a_contrib, "submit"),
        lambda: new_update(org, activity, date=dt.date(2025, 2, 1)),
    ):
        with pytest.raises(ValidationError) as caught:
            attempt()
        assert "locked period" in " ".join(caught.value.messages)
    assert new_update(org, activity, date=dt.date(2025, 4, 1)).status == "draft"  # outside the lock
    with pytest.raises(PermissionDenied):
        period_unlock(actor=org.a_contrib, lock=lock, expected_version=1, reason="reopen")
    with pytest.raises(ValidationError):
        period_unlock(actor=org.a_manager, lock=lock, expected_version=1, reason="")
    period_unlock(actor=org.a_manager, lock=lock, expected_version=1, reason="correction needed")
    assert step(ProgressUpdate.objects.get(pk=update.pk), org.a_contrib, "submit").status == "submitted"
    unlock = AuditEvent.objects.filter(object_type="results.periodlock").order_by("-seq").first()
    assert (unlock.action, unlock.reason) == ("archive", "correction needed")


def test_a_lock_on_a_parent_unit_covers_values_of_units_below(org):
    node = make_node(org.framework, "Output 3", parent=org.output.parent)
    indicator = make_indicator(node, "K2")
    period_lock(actor=_bdt_manager(org), unit=org.tree.bdt, period_start=dt.date(2025, 1, 1),
                period_end=dt.date(2025, 12, 31), reason="year closed")  # fmt: skip
    with pytest.raises(ValidationError) as caught:
        actual_create(
            actor=org.a_contrib, indicator=indicator, unit=org.ro_a, value=Decimal(1), period_type="quarter",
            period_start=dt.date(2025, 4, 1), period_end=dt.date(2025, 6, 30),
        )  # fmt: skip
    assert "BDT" in " ".join(caught.value.messages)


def _bdt_manager(org):
    manager = make_user("bdt.manager")
    grant(manager, org.tree.bdt, "manager")
    return manager


# --- money ----------------------------------------------------------------------------------------------------


def test_totals_never_mix_currencies(org):
    activity = new_activity(org)
    for currency, planned in (("CHF", "100.00"), ("USD", "50.00"), ("CHF", "20.00")):
        services.budget_line_create(actor=org.a_contrib, activity=activity, source="regular", year=2025,
                                    currency=currency, planned=Decimal(planned))  # fmt: skip
    _lines, totals = selectors.activity_budget(activity)
    assert totals.by_currency["CHF"]["planned"] == Decimal("120.00")
    assert totals.by_currency["USD"]["planned"] == Decimal("50.00")
    assert totals.converted is None and totals.missing_rates == ["USD"]
    admin = make_user("rates.admin", is_superuser=True)
    services.exchange_rate_create(actor=admin, currency="USD", base="CHF", rate=Decimal("2"),
                                  valid_from=dt.date.today() + dt.timedelta(days=30))  # fmt: skip
    _lines, totals = selectors.activity_budget(activity)
    assert totals.converted is None, "a rate valid only in the future does not convert today"
    services.exchange_rate_create(actor=admin, currency="USD", base="CHF", rate=Decimal("0.9"),
                                  valid_from=dt.date(2025, 1, 1))  # fmt: skip
    _lines, totals = selectors.activity_budget(activity)
    assert totals.converted is not None
    assert totals.converted["planned"] == Decimal("165.00")  # 120 CHF + 50 USD × 0.9


def test_a_budget_line_refuses_an_unknown_currency(org):
    with pytest.raises(ValidationError) as caught:
        services.budget_line_create(actor=org.a_contrib, activity=new_activity(org), source="regular", year=2025,
                                    currency="XYZ", planned=Decimal(1))  # fmt: skip
    assert "currency" in caught.value.message_dict


def test_only_an_administrator_records_exchange_rates(org):
    with pytest.raises(PermissionDenied):
        services.exchange_rate_create(actor=org.a_manager, currency="USD", base="CHF", rate=Decimal(1),
                                      valid_from=dt.date(2025, 1, 1))  # fmt: skip


def test_an_activity_cannot_serve_a_result_of_a_framework_its_planner_cannot_read(org):
    sibling_plan = make_framework(org.ro_b, "OP-B", tiers=1)
    hidden = make_node(sibling_plan, "Output of RO-B")
    with pytest.raises(ValidationError) as caught:
        new_activity(org, nodes=[hidden])
    assert "not in a framework you may read" in " ".join(caught.value.message_dict["nodes"])
    assert new_activity(org, nodes=[org.output]).nodes.get() == org.output  # the bureau's plan is shared down
