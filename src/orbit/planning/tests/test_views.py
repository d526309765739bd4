"""Planning pages: they render, they are scoped, and their query counts do not grow with the data."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from orbit.core.context import audit_context
from orbit.organisation.tests.factories import grant, make_unit, make_user
from orbit.planning import services
from orbit.results.services import actual_create, target_create
from orbit.results.tests.factories import make_framework, make_indicator, make_node

pytestmark = pytest.mark.django_db


@pytest.fixture
def org(tree):
    ro_a = make_unit("RO-A", parent=tree.bdt, type="regional_office", region="Africa")
    ro_b = make_unit("RO-B", parent=tree.bdt, type="regional_office", region="Europe")
    people = SimpleNamespace(a_contrib=make_user("a.contrib"), a_manager=make_user("a.manager"),
                             b_contrib=make_user("b.contrib"), bdt_manager=make_user("bdt.manager"))  # fmt: skip
    grant(people.a_contrib, ro_a, "contributor")
    grant(people.a_manager, ro_a, "manager")
    grant(people.b_contrib, ro_b, "contributor")
    grant(people.bdt_manager, tree.bdt, "manager")
    framework = make_framework(tree.bdt, "OP", tiers=2, kind="operational_plan")
    objective = make_node(framework, "Objective")
    output = make_node(framework, "Output", parent=objective)
    return SimpleNamespace(tree=tree, ro_a=ro_a, ro_b=ro_b, framework=framework, output=output, **people.__dict__)


def add_activities(org, count: int, *, start: int = 0) -> list:
    made = []
    with audit_context(source="cli"):
        for index in range(start, start + count):
            activity = services.activity_create(
                actor=org.a_contrib, responsible_unit=org.ro_a if index % 2 else org.ro_b.parent,
                title={"en": f"Activity {index}"}, nodes=[org.output], countries=["ET"], regions=["AFR"],
                planned_start=dt.date(2025, 1 + index % 12, 1),
            ) if index % 2 else services.activity_create(
                actor=org.bdt_manager, responsible_unit=org.ro_b, title={"en": f"Activity {index}"},
                nodes=[org.output], planned_start=dt.date(2025, 1 + index % 12, 1),
            )  # fmt: skip
            services.budget_line_create(actor=org.bdt_manager, activity=activity, source="regular", year=2025,
                                        currency="CHF" if index % 3 else "USD", planned=Decimal(100))  # fmt: skip
            update = services.update_create(actor=org.bdt_manager, activity=activity, date=dt.date(2025, 6, 1),
                                            narrative={"en": "Progress"})  # fmt: skip
            services.update_transition(actor=org.bdt_manager, update=update, action="submit", expected_version=1)
            made.append(activity)
    return made


def queries(client, url: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content[:2000]
    return len(captured), response.status_code


@pytest.mark.parametrize("url_name", ["planning:plan", "planning:dashboard", "planning:review", "planning:my-work"])
def test_page_query_counts_do_not_grow_with_the_data(client, org, url_name):
    from django.core.cache import caches

    client.force_login(org.bdt_manager)
    url = reverse(url_name)

    def cold_and_warm() -> tuple[int, int]:
        caches["derived"].clear()  # derived data (the KPI breakdown) computed afresh, then served from cache
        return queries(client, url)[0], queries(client, url)[0]

    add_activities(org, 4)
    client.get(url)  # warm per-process caches (content types, scopes)
    small = cold_and_warm()
    add_activities(org, 30, start=4)
    large = cold_and_warm()
    assert large == small, f"{url}: (cold, warm) {small} queries with 4 activities, {large} with 34"


def test_plan_list_is_paginated_and_filtered(client, org):
    add_activities(org, 60)
    client.force_login(org.bdt_manager)
    page = client.get(reverse("planning:plan")).content.decode()
    assert "60 activities" in page and "Page 1 of 2" in page
    only_a = client.get(reverse("planning:plan"), {"unit": "RO-A"}).content.decode()
    assert "30 activities" in only_a
    afr = client.get(reverse("planning:plan"), {"region": "AFR"}).content.decode()
    assert "30 activities" in afr


def test_a_sibling_office_gets_404_for_an_activity_and_its_draft_update(client, org):
    activity = add_activities(org, 2)[1]  # RO-A's
    update = services.update_create(actor=org.a_contrib, activity=activity, date=dt.date(2025, 6, 2),
                                    narrative={"en": "Draft"})  # fmt: skip
    client.force_login(org.b_contrib)
    assert client.get(reverse("planning:activity-detail", args=[activity.pk])).status_code == 404
    assert client.get(reverse("planning:update-detail", args=[update.pk])).status_code == 404
    plan = client.get(reverse("planning:plan")).content.decode()
    assert activity.code not in plan
    client.force_login(org.a_contrib)
    assert client.get(reverse("planning:update-detail", args=[update.pk])).status_code == 200


def test_the_review_queue_lists_what_the_manager_may_decide(client, org):
    activities = add_activities(org, 4)
    client.force_login(org.a_manager)
    page = client.get(reverse("planning:review")).content.decode()
    assert activities[1].code in page and activities[0].code not in page  # RO-A's only


def test_return_without_a_note_is_refused_with_a_message(client, org):
    activity = add_activities(org, 2)[1]
    update = activity.updates.get()
    client.force_login(org.a_manager)
    response = client.post(reverse("planning:update-transition", args=[update.pk]),
                           {"action": "return", "version": update.version, "note": ""}, follow=True)  # fmt: skip
    assert "Say what needs to change" in response.content.decode()
    update.refresh_from_db()
    assert update.status == "submitted"


def test_dashboard_counts_only_approved_values_unless_asked(client, org):
    indicator = make_indicator(org.output, "K1", unit_aggregation="sum", time_aggregation="sum")
    today = dt.date.today()
    year = {"period_type": "annual", "period_start": dt.date(today.year, 1, 1),
            "period_end": dt.date(today.year, 12, 31)}  # fmt: skip
    framework = org.framework
    framework.cycle_start, framework.cycle_end = dt.date(today.year - 1, 1, 1), dt.date(today.year + 1, 12, 31)
    with audit_context(source="cli"):
        from orbit.results.services import framework_update

        framework_update(actor=org.bdt_manager, framework=framework, expected_version=framework.version,
                         cycle_start=framework.cycle_start, cycle_end=framework.cycle_end)  # fmt: skip
        target_create(actor=org.bdt_manager, indicator=indicator, value=Decimal(10), **year)
        value = actual_create(actor=org.a_contrib, indicator=indicator, unit=org.ro_a, value=Decimal(10), **year)
        from orbit.results.services import actual_transition

        actual_transition(actor=org.a_contrib, actual=value, action="submit", expected_version=value.version)
    client.force_login(org.bdt_manager)
    approved_only = client.get(reverse("planning:dashboard")).content.decode()
    with_submitted = client.get(reverse("planning:dashboard"), {"submitted": "1"}).content.decode()
    assert "Counting approved values only." in approved_only
    assert "submitted values are not yet approved" in with_submitted
    assert 'data-key="no_data" data-value="1"' in approved_only
    assert 'data-key="on_track" data-value="1"' in with_submitted


def test_every_page_renders(client, org):
    activity = add_activities(org, 2)[1]
    update = activity.updates.get()
    client.force_login(org.bdt_manager)
    for name, args in (
        ("planning:activity-detail", [activity.pk]), ("planning:activity-edit", [activity.pk]),
        ("planning:update-detail", [update.pk]), ("planning:update-create", [activity.pk]),
        ("planning:milestone-create", [activity.pk]), ("planning:budget-line-create", [activity.pk]),
        ("planning:initiative-list", []), ("planning:locks", []), ("planning:activity-create", []),
    ):  # fmt: skip
        response = client.get(reverse(name, args=args))
        assert response.status_code == 200, name
