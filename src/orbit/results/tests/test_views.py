"""The results pages: what each role sees, scope, one audited web event per write, pinned query counts."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from orbit.core.context import audit_context
from orbit.core.i18n import CONTENT_LANGUAGES
from orbit.governance.models import AuditEvent
from orbit.organisation.tests.factories import grant, make_user
from orbit.results import services
from orbit.results.models import ActualValue, Framework, Indicator, NodeLink, ResultNode, Target
from orbit.results.tests.factories import make_framework, make_indicator, make_node

pytestmark = pytest.mark.django_db
AS_OF = "2025-06-30"


def year(y: int) -> dict:
    return {"period_type": "annual", "period_start": dt.date(y, 1, 1), "period_end": dt.date(y, 12, 31)}


def last_seq() -> int:
    latest = AuditEvent.objects.order_by("-seq").first()
    return latest.seq if latest else 0


def assert_one_web_event(since: int, actor, action: str, object_type: str) -> AuditEvent:
    events = list(AuditEvent.objects.filter(seq__gt=since).order_by("seq"))
    assert len(events) == 1, [str(e) for e in events]
    event = events[0]
    assert (event.source, event.actor_id, event.action, event.object_type) == ("web", actor.pk, action, object_type)
    return event


def translated(name: str, **texts: str) -> dict[str, str]:
    """POST data of a six-language text widget."""
    return {f"{name}_{i}": texts.get(code.replace("-", "_"), "") for i, code in enumerate(CONTENT_LANGUAGES)}


def text_of(response) -> str:
    return response.content.decode()


@pytest.fixture
def users(tree):
    people = {}
    for role in ("viewer", "contributor", "manager"):
        people[role] = make_user(f"bdt-{role}")
        grant(people[role], tree.bdt, role)
    people["outsider"] = make_user("deptb-manager")
    grant(people["outsider"], tree.dept_b, "manager")
    return people


def build_plan(tree, system_actor, code: str = "PLAN", outputs: int = 2) -> Framework:
    """Objective → outcome → outputs, one indicator each with 2024 and 2025 targets and values (test data)."""
    framework = make_framework(tree.dept_a, code, tiers=3)
    objective = make_node(framework, "Connect everyone")
    outcome = make_node(framework, "Broadband for schools", parent=objective)
    with audit_context(source="cli", reason="test data"):
        for k in range(outputs):
            output = make_node(framework, f"Output {k}", parent=outcome)
            indicator = make_indicator(output, f"I{k}", unit_label="schools")
            for y in (2024, 2025):
                services.target_create(actor=system_actor, indicator=indicator, value=10, **year(y))
            services.actual_create(actor=system_actor, indicator=indicator, unit=tree.dept_a, value=4 + k, **year(2025))
    return framework


@pytest.fixture
def plan(tree, system_actor):
    return build_plan(tree, system_actor)


@pytest.fixture
def sdg(tree):
    """A tiny public global-goals framework with a Chinese title (test data, not the real SDG text)."""
    framework = make_framework(tree.root, "SDGT", tiers=2, kind=Framework.Kind.GLOBAL_GOALS, is_public=True)
    goal = make_node(framework, "Goal nine", ref_code="9")
    with audit_context(source="cli", reason="test data"):
        from orbit.organisation.services import system_actor as get_system

        target = services.node_create(
            actor=get_system(), framework=framework, parent=goal, ref_code="9.c",
            title={"en": "Access to ICT & the Internet", "zh-hans": "普及信息和通信技术"},
        )  # fmt: skip
    return framework, goal, target


def login(client, user):
    client.force_login(user)
    return client


# --- what each role sees ------------------------------------------------------------------------------------


def test_list_shows_own_and_reference_frameworks_with_sample_badge(client, users, plan, sdg, system_actor):
    with audit_context(source="cli", reason="test data"):
        services.framework_update(actor=system_actor, framework=plan, expected_version=plan.version, is_sample=True)
    response = login(client, users["viewer"]).get(reverse("results:framework-list"))
    assert response.status_code == 200
    assert [f.code for f in response.context["own"]] == ["PLAN"]
    assert [f.code for f in response.context["reference"]] == ["SDGT"]
    assert "sample data" in text_of(response)
    assert "New framework" not in text_of(response), "viewers cannot create frameworks"


def test_list_filters_by_search_in_any_language_status_and_kind(client, users, plan, sdg):
    login(client, users["viewer"])
    found = client.get(reverse("results:framework-list"), {"q": "framework plan"}).context
    assert [f.code for f in found["own"]] == ["PLAN"]
    assert client.get(reverse("results:framework-list"), {"q": "zzz"}).context["own"] == []
    by_kind = client.get(reverse("results:framework-list"), {"kind": "global_goals"}).context
    assert (by_kind["own"], [f.code for f in by_kind["reference"]]) == ([], ["SDGT"])
    assert client.get(reverse("results:framework-list"), {"status": "closed"}).context["reference"] == []


def test_manager_may_create_frameworks(client, users):
    response = login(client, users["manager"]).get(reverse("results:framework-list"))
    assert "New framework" in text_of(response)


@pytest.mark.parametrize(
    ("role", "edit_links"),
    [("viewer", False), ("contributor", True), ("manager", True)],
)
def test_tree_page_per_role(client, users, plan, role, edit_links):
    response = login(client, users[role]).get(reverse("results:framework-tree", args=[plan.pk]),
                                              {"as_of": AS_OF, "values": "all"})  # the test values are drafts
    assert response.status_code == 200
    html = text_of(response)
    assert "Broadband for schools" in html
    assert ("Add indicator" in html) is edit_links
    assert ("Edit framework" in html) is (role == "manager")
    # Output 0: 4 of 10 → off track (below 60%); output 1: 5 of 10 → off track too; totals say so.
    assert response.context["totals"] == [("on_track", 0), ("at_risk", 0), ("off_track", 2), ("no_data", 0)]
    assert 'class="status status-off_track"' in html and "Off track" in html
    assert "45%" in html, "the roll-up of the outcome: mean of 40% and 50%"


def test_tree_as_of_picks_the_current_period(client, users, plan):
    login(client, users["viewer"])
    early = client.get(reverse("results:framework-tree", args=[plan.pk]), {"as_of": "2024-06-30"})
    assert early.context["totals"] == [("on_track", 0), ("at_risk", 0), ("off_track", 0), ("no_data", 2)]
    assert early.context["as_of"] == dt.date(2024, 6, 30)


def test_out_of_scope_framework_answers_404(client, users, plan):
    node = ResultNode.objects.filter(framework=plan).first()
    indicator = Indicator.objects.filter(node__framework=plan).first()
    login(client, users["outsider"])
    for url in (
        reverse("results:framework-tree", args=[plan.pk]),
        reverse("results:sdg-matrix", args=[plan.pk]),
        reverse("results:node-detail", args=[node.pk]),
        reverse("results:indicator-detail", args=[indicator.pk]),
        reverse("results:indicator-chart", args=[indicator.pk]),
        reverse("results:node-create", args=[plan.pk]),
        reverse("governance:history", args=["results.resultnode", node.pk]),
    ):
        assert client.get(url).status_code == 404, url
    assert client.get(reverse("results:framework-list")).context["own"] == []


def test_viewer_cannot_open_editors(client, users, plan):
    node = ResultNode.objects.filter(framework=plan).first()
    login(client, users["viewer"])
    assert client.get(reverse("results:node-create", args=[plan.pk])).status_code == 403
    assert client.get(reverse("results:node-edit", args=[node.pk])).status_code == 403
    assert client.get(reverse("results:framework-create")).status_code == 403


def test_node_page_shows_indicators_links_in_active_language_and_history(client, users, plan, sdg, system_actor):
    _fw, _goal, target = sdg
    node = ResultNode.objects.get(framework=plan, number="1.1")
    with audit_context(source="cli", reason="test data"):
        services.node_link(actor=system_actor, source=node, target=target)
    login(client, users["viewer"])
    url = reverse("results:node-detail", args=[node.pk])
    html = text_of(client.get(url))
    assert "Access to ICT &amp; the Internet" in html
    assert reverse("governance:history", args=["results.resultnode", node.pk]) in html
    zh = text_of(client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans"))
    assert "普及信息和通信技术" in zh
    history = client.get(reverse("governance:history", args=["results.resultnode", node.pk]))
    assert history.status_code == 200
    assert history.context["object"].pk == node.pk


def test_indicator_page_per_role(client, users, plan):
    indicator = Indicator.objects.get(node__framework=plan, code="I0")
    value = ActualValue.objects.get(indicator=indicator)
    url = reverse("results:indicator-detail", args=[indicator.pk])
    viewer = text_of(login(client, users["viewer"]).get(url))
    assert "<svg" in viewer and "Report a value" not in viewer and "Approve" not in viewer
    contributor = text_of(login(client, users["contributor"]).get(url))
    assert "Report a value" in contributor and "Add target" in contributor
    assert reverse("results:actual-edit", args=[value.pk]) in contributor
    assert reverse("results:actual-approve", args=[value.pk]) not in contributor
    manager = text_of(login(client, users["manager"]).get(url))
    assert reverse("results:actual-approve", args=[value.pk]) in manager


# --- every web write: one audited event with source "web" ---------------------------------------------------


def test_create_framework(client, users, tree):
    since = last_seq()
    response = login(client, users["manager"]).post(
        reverse("results:framework-create"),
        {
            "code": "OPS-25", **translated("name", en="Operational plan", zh_hans="业务计划"),
            **translated("description"), "kind": "operational_plan", "cycle_start": "2025-01-01",
            "cycle_end": "2025-12-31", "owner_unit": tree.dept_a.pk, "status": "active",
            "tiers": "Outcome\nen: Output | zh-hans: 产出", "on_track_threshold": "0.9", "at_risk_threshold": "0.6",
        },
    )  # fmt: skip
    assert response.status_code == 302, response.context["form"].errors if response.context else ""
    framework = Framework.objects.get(code="OPS-25")
    assert framework.tiers == [{"en": "Outcome"}, {"en": "Output", "zh-hans": "产出"}]
    assert framework.name == {"en": "Operational plan", "zh-hans": "业务计划"}
    assert_one_web_event(since, users["manager"], "create", "results.framework")


def test_create_framework_shows_service_errors_on_fields(client, users, tree):
    since = last_seq()
    response = login(client, users["manager"]).post(
        reverse("results:framework-create"),
        {
            "code": "BAD", **translated("name", en="Bad"), **translated("description"), "kind": "other",
            "cycle_start": "2025-01-01", "cycle_end": "2025-12-31", "owner_unit": tree.dept_a.pk,
            "status": "draft", "tiers": "A", "on_track_threshold": "0.5", "at_risk_threshold": "0.7",
        },
    )  # fmt: skip
    assert response.status_code == 200
    assert "at_risk_threshold" in response.context["form"].errors
    assert not AuditEvent.objects.filter(seq__gt=since).exists()


def test_owner_unit_choices_are_units_the_user_may_approve(client, users, tree):
    response = login(client, users["manager"]).get(reverse("results:framework-create"))
    choices = {unit.code for unit in response.context["form"].fields["owner_unit"].queryset}
    assert choices == {"BDT", "DEPT-A", "DIV-A1", "DEPT-B"}


def test_add_node_under_parent_at_position(client, users, plan):
    outcome = ResultNode.objects.get(framework=plan, number="1.1")
    since = last_seq()
    response = login(client, users["contributor"]).post(
        reverse("results:node-create", args=[plan.pk]),
        {"parent": outcome.pk, "position": 1, **translated("title", en="First output"), **translated("description")},
    )
    assert response.status_code == 302, response.context["form"].errors if response.context else ""
    node = ResultNode.objects.get(framework=plan, title__en="First output")
    assert (node.number, node.tier) == ("1.1.1", 2)
    assert ResultNode.objects.get(framework=plan, title__en="Output 0").number == "1.1.2"
    assert_one_web_event(since, users["contributor"], "create", "results.resultnode")


def test_add_node_below_the_last_tier_shows_the_error(client, users, plan):
    output = ResultNode.objects.get(framework=plan, number="1.1.1")
    response = login(client, users["contributor"]).post(
        reverse("results:node-create", args=[plan.pk]),
        {"parent": output.pk, **translated("title", en="Too deep"), **translated("description")},
    )
    assert response.status_code == 200
    assert "parent" in response.context["form"].errors


def test_move_node_reorders_and_renumbers(client, users, plan):
    second = ResultNode.objects.get(framework=plan, number="1.1.2")
    outcome = ResultNode.objects.get(framework=plan, number="1.1")
    since = last_seq()
    response = login(client, users["contributor"]).post(
        reverse("results:node-move", args=[second.pk]),
        {"version": second.version, "parent": outcome.pk, "position": 1},
    )
    assert response.status_code == 302, response.context["form"].errors if response.context else ""
    second.refresh_from_db()
    assert second.number == "1.1.1"
    assert_one_web_event(since, users["contributor"], "move", "results.resultnode")


def test_stale_edit_shows_what_changed_and_writes_nothing(client, users, plan, system_actor):
    node = ResultNode.objects.get(framework=plan, number="1.1")
    stale_version = node.version
    with audit_context(source="cli", reason="someone else"):
        services.node_update(
            actor=system_actor, node=node, expected_version=stale_version, title={"en": "Renamed elsewhere"}
        )
    since = last_seq()
    response = login(client, users["contributor"]).post(
        reverse("results:node-edit", args=[node.pk]),
        {"version": stale_version, **translated("title", en="My title"), **translated("description")},
    )
    assert response.status_code == 200
    assert response.context["conflict"] is not None
    html = text_of(response)
    assert "Changed since you opened it" in html and "Renamed elsewhere" in html
    assert f'name="version" value="{stale_version + 1}"' in html, "the form now carries the current version"
    assert not AuditEvent.objects.filter(seq__gt=since).exists()


def test_archive_and_restore_node(client, users, plan):
    leaf = make_node(plan, "Spare", parent=ResultNode.objects.get(framework=plan, number="1.1"))
    login(client, users["contributor"])
    since = last_seq()
    response = client.post(reverse("results:node-archive", args=[leaf.pk]), {"version": leaf.version, "reason": ""})
    assert response.status_code == 200 and "reason" in response.context["form"].errors
    response = client.post(
        reverse("results:node-archive", args=[leaf.pk]), {"version": leaf.version, "reason": "merged"}
    )
    assert response.status_code == 302
    assert_one_web_event(since, users["contributor"], "archive", "results.resultnode")
    tree_page = client.get(reverse("results:framework-tree", args=[plan.pk]))
    assert [n.pk for n in tree_page.context["archived_nodes"]] == [leaf.pk]
    leaf = ResultNode.all_objects.get(pk=leaf.pk)
    since = last_seq()
    response = client.post(reverse("results:node-restore", args=[leaf.pk]), {"version": leaf.version})
    assert response.status_code == 302
    assert_one_web_event(since, users["contributor"], "restore", "results.resultnode")


def test_add_and_edit_indicator(client, users, plan):
    node = ResultNode.objects.get(framework=plan, number="1.1")
    login(client, users["contributor"])
    data = {
        "code": "Q1", **translated("title", en="Readiness"), **translated("definition", en="How ready"),
        "measure": "qualitative", "score_scale": "1 = Not started\n2 = Under way\n3 = Done", "direction": "increase",
        "time_aggregation": "latest", "unit_aggregation": "average", "collection_frequency": "annual",
    }  # fmt: skip
    since = last_seq()
    response = client.post(reverse("results:indicator-create", args=[node.pk]), data)
    assert response.status_code == 302, response.context["form"].errors if response.context else ""
    indicator = Indicator.objects.get(node=node, code="Q1")
    assert indicator.scores == [1, 2, 3]
    assert indicator.score_scale[1] == {"score": 2, "label": {"en": "Under way"}}
    assert_one_web_event(since, users["contributor"], "create", "results.indicator")
    since = last_seq()
    response = client.post(
        reverse("results:indicator-edit", args=[indicator.pk]),
        {**data, "version": indicator.version, "measure": "number"},
    )
    assert response.status_code == 200, "a score scale on a number indicator is refused"
    assert "score_scale" in response.context["form"].errors
    response = client.post(
        reverse("results:indicator-edit", args=[indicator.pk]),
        {**data, "version": indicator.version, "unit_label": "level"},
    )
    assert response.status_code == 302, response.context["form"].errors if response.context else ""
    assert_one_web_event(since, users["contributor"], "update", "results.indicator")


def test_add_annual_target_fills_the_period_end(client, users, plan):
    indicator = Indicator.objects.get(node__framework=plan, code="I0")
    since = last_seq()
    response = login(client, users["contributor"]).post(
        reverse("results:target-create", args=[indicator.pk]),
        {"period_type": "annual", "period_start": "2026-01-01", "value": "12"},
    )
    assert response.status_code == 302, response.context["form"].errors if response.context else ""
    target = Target.objects.get(indicator=indicator, period_start=dt.date(2026, 1, 1))
    assert (target.period_end, target.value) == (dt.date(2026, 12, 31), Decimal(12))
    assert_one_web_event(since, users["contributor"], "create", "results.target")
    response = login(client, users["contributor"]).post(
        reverse("results:target-create", args=[indicator.pk]),
        {"period_type": "annual", "period_start": "2031-01-01", "value": "12"},
    )
    assert response.status_code == 200
    assert "outside the framework" in " ".join(response.context["form"].errors["period_start"])


def test_edit_target(client, users, plan):
    target = Target.objects.filter(indicator__node__framework=plan).first()
    since = last_seq()
    response = login(client, users["contributor"]).post(
        reverse("results:target-edit", args=[target.pk]),
        {"version": target.version, "period_type": "annual", "period_start": str(target.period_start), "value": "20"},
    )
    assert response.status_code == 302, response.context["form"].errors if response.context else ""
    target.refresh_from_db()
    assert target.value == Decimal(20)
    assert_one_web_event(since, users["contributor"], "update", "results.target")


def test_report_value_then_approve(client, users, plan, tree):
    indicator = Indicator.objects.get(node__framework=plan, code="I1")
    login(client, users["contributor"])
    since = last_seq()
    response = client.post(
        reverse("results:actual-create", args=[indicator.pk]),
        {"period_type": "annual", "period_start": "2024-01-01", "unit": tree.div_a1.pk, "value": "abc"},
    )  # fmt: skip
    assert response.status_code == 200 and "value" in response.context["form"].errors
    response = client.post(
        reverse("results:actual-create", args=[indicator.pk]),
        {"period_type": "annual", "period_start": "2024-01-01", "unit": tree.div_a1.pk, "value": "9"},
    )  # fmt: skip
    assert response.status_code == 302, response.context["form"].errors if response.context else ""
    value = ActualValue.objects.get(indicator=indicator, unit=tree.div_a1)
    assert (value.value, value.status) == (Decimal(9), "draft")
    assert_one_web_event(since, users["contributor"], "create", "results.actualvalue")
    assert (
        client.post(reverse("results:actual-approve", args=[value.pk]), {"version": value.version}).status_code == 403
    )
    login(client, users["manager"])
    since = last_seq()
    response = client.post(reverse("results:actual-approve", args=[value.pk]), {"version": value.version})
    assert response.status_code == 302
    value.refresh_from_db()
    assert value.status == "approved"
    assert_one_web_event(since, users["manager"], "update", "results.actualvalue")


def test_edit_value_with_stale_version(client, users, plan, tree, system_actor):
    value = ActualValue.objects.filter(indicator__node__framework=plan).first()
    old = value.version
    with audit_context(source="cli", reason="someone else"):
        services.actual_update(actor=system_actor, actual=value, expected_version=old, value=7)
    data = {"version": old, "period_type": "annual", "period_start": "2025-01-01", "unit": tree.dept_a.pk,
            "value": "8", "status": "draft"}  # fmt: skip
    login(client, users["contributor"])
    response = client.post(reverse("results:actual-edit", args=[value.pk]), data)
    assert response.status_code == 200 and response.context["conflict"] is not None
    since = last_seq()
    response = client.post(reverse("results:actual-edit", args=[value.pk]), {**data, "version": old + 1})
    assert response.status_code == 302, response.context["form"].errors if response.context else ""
    value.refresh_from_db()
    assert value.value == Decimal(8)
    assert_one_web_event(since, users["contributor"], "update", "results.actualvalue")


def test_sdg_matrix_and_link_form(client, users, plan, sdg):
    _fw, goal, target = sdg
    node = ResultNode.objects.get(framework=plan, number="1.1")
    login(client, users["contributor"])
    url = reverse("results:sdg-matrix", args=[plan.pk])
    page = client.get(url, {"goal": goal.pk})
    assert page.status_code == 200 and "Link a node to an SDG target" in text_of(page)
    since = last_seq()
    response = client.post(url, {"source": node.pk, "target": target.pk, "note": ""})
    assert response.status_code == 302, response.context["form"].errors if response.context else ""
    assert NodeLink.objects.filter(source=node, target=target).exists()
    assert_one_web_event(since, users["contributor"], "create", "results.nodelink")
    matrix = client.get(url)
    rows = {n.pk: marks for n, marks in matrix.context["rows"]}
    assert rows[node.pk] == [True]
    assert [c.pk for c in matrix.context["columns"]] == [target.pk]
    html = text_of(matrix)
    assert 'scope="colgroup"' in html and 'scope="row"' in html
    duplicate = client.post(url, {"source": node.pk, "target": target.pk, "note": ""})
    assert duplicate.status_code == 200 and duplicate.context["form"].errors
    viewer = text_of(login(client, users["viewer"]).get(url))
    assert "Link a node to an SDG target" not in viewer


def test_history_pages_of_results_objects(client, users, plan):
    indicator = Indicator.objects.get(node__framework=plan, code="I0")
    target = Target.objects.filter(indicator=indicator).first()
    value = ActualValue.objects.get(indicator=indicator)
    login(client, users["viewer"])
    for object_type, obj in (
        ("results.framework", plan), ("results.indicator", indicator), ("results.target", target),
        ("results.actualvalue", value),
    ):  # fmt: skip
        response = client.get(reverse("governance:history", args=[object_type, obj.pk]))
        assert response.status_code == 200, object_type
        assert len(response.context["page"].object_list) >= 1, object_type


def test_indicator_chart_is_svg_with_the_series(client, users, plan):
    indicator = Indicator.objects.get(node__framework=plan, code="I1")
    response = login(client, users["viewer"]).get(reverse("results:indicator-chart", args=[indicator.pk]))
    assert response["Content-Type"] == "image/svg+xml"
    root = ET.fromstring(response.content)  # noqa: S314 (our own output)
    ns = "{http://www.w3.org/2000/svg}"
    actual = [(p.get("data-period"), p.get("data-value")) for p in root.iter() if "actual" in (p.get("class") or "")
              and p.tag in (f"{ns}circle",)]  # fmt: skip
    assert actual == [("2025", "5")]


# --- query counts ---------------------------------------------------------------------------------------------


def count_queries(client, url: str, params: dict | None = None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_tree_page_query_count_does_not_grow_with_size(client, users, tree, system_actor):
    small = build_plan(tree, system_actor, "SMALL", outputs=1)
    big = build_plan(tree, system_actor, "BIG", outputs=12)
    login(client, users["contributor"])
    counts = [
        count_queries(client, reverse("results:framework-tree", args=[fw.pk]), {"as_of": AS_OF}) for fw in (small, big)
    ]
    assert counts[0] == counts[1], counts
    assert counts[1] <= 20, counts


def test_tree_page_query_count_is_pinned(client, users, plan, django_assert_num_queries):
    """Session, user, memberships; framework (twice: the page and the tree's scope check); nodes, indicators,
    targets, links, one roll-up statement; archived nodes (editors); the unit switcher."""
    login(client, users["contributor"])
    with django_assert_num_queries(12):
        response = client.get(reverse("results:framework-tree", args=[plan.pk]), {"as_of": AS_OF})
    assert response.status_code == 200


def test_list_page_query_count_is_pinned(client, users, tree, system_actor, django_assert_num_queries):
    for k in range(3):
        build_plan(tree, system_actor, f"LIST{k}", outputs=1)
    login(client, users["viewer"])
    few = count_queries(client, reverse("results:framework-list"))
    for k in range(3, 8):
        build_plan(tree, system_actor, f"LIST{k}", outputs=1)
    many = count_queries(client, reverse("results:framework-list"))
    assert few == many, (few, many)
    with django_assert_num_queries(5):  # session, user, memberships, frameworks, unit switcher
        client.get(reverse("results:framework-list"))


def test_tree_outline_nests_children_in_details(client, users, plan):
    tree_url = reverse("results:framework-tree", args=[plan.pk])
    html = text_of(login(client, users["viewer"]).get(tree_url, {"values": "all"}))  # the test values are drafts
    assert html.count("<details open>") == 4, "every node of a small framework starts open"
    outcome = ResultNode.objects.get(framework=plan, number="1.1")
    start = html.index(f'id="node-{outcome.pk}"')
    output = ResultNode.objects.get(framework=plan, number="1.1.1")
    assert html.index(f'id="node-{output.pk}"') > start
    assert re.search(r'<span class="progress-text ltr"><span class="visually-hidden">Achievement: </span>45%', html)


def test_node_page_rolls_up_as_of_the_chosen_date(client, users, plan):
    outcome = ResultNode.objects.get(framework=plan, number="1.1")
    login(client, users["viewer"])
    url = reverse("results:node-detail", args=[outcome.pk])
    approved_only = client.get(url, {"as_of": AS_OF}).context["view"].rollup
    assert approved_only.status == "no_data", "the test values are drafts: by default only approved ones count"
    current = client.get(url, {"as_of": AS_OF, "values": "all"}).context["view"].rollup
    assert (current.achievement, current.status) == (Decimal("0.45"), "off_track")
    early = client.get(url, {"as_of": "2024-06-30", "values": "all"}).context["view"].rollup
    assert early.status == "no_data"
    tree_page = text_of(client.get(reverse("results:framework-tree", args=[plan.pk]), {"as_of": AS_OF}))
    assert f'{url}?as_of={AS_OF}"' in tree_page, "the tree opens nodes at its date"
    tree_all = text_of(client.get(reverse("results:framework-tree", args=[plan.pk]), {"as_of": AS_OF, "values": "all"}))
    assert f'{url}?as_of={AS_OF}&amp;values=all"' in tree_all, "and with the values it counts"
