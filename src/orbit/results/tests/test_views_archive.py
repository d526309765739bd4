"""Archiving and restoring targets, values, contribution links and frameworks on the web pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from orbit.core.context import audit_context
from orbit.governance.models import AuditEvent
from orbit.organisation.tests.factories import grant, make_user
from orbit.results import services
from orbit.results.models import ActualValue, Framework, NodeLink, Target
from orbit.results.tests.factories import make_framework, make_indicator, make_node

pytestmark = pytest.mark.django_db


def year(y: int) -> dict[str, Any]:
    return {"period_type": "annual", "period_start": dt.date(y, 1, 1), "period_end": dt.date(y, 12, 31)}


def last_seq() -> int:
    return AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


def assert_one_web_event(since: int, actor: Any, action: str, object_type: str) -> AuditEvent:
    events = list(AuditEvent.objects.filter(seq__gt=since).order_by("seq"))
    assert len(events) == 1, [str(e) for e in events]
    event = events[0]
    assert (event.source, event.actor_id, event.action, event.object_type) == ("web", actor.pk, action, object_type)
    return event


def html_of(response: Any) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


@pytest.fixture
def users(tree):
    people = {}
    for role in ("viewer", "contributor", "manager"):
        people[role] = make_user(f"arc-{role}")
        grant(people[role], tree.dept_a, role)
    people["outsider"] = make_user("arc-outsider")
    grant(people["outsider"], tree.dept_b, "manager")
    return people


@pytest.fixture
def plan(tree, system_actor):
    """A framework of dept A with a node linked to an SDG target, an indicator, a target and a value (test data)."""
    framework = make_framework(tree.dept_a, "ARC", tiers=2)
    node = make_node(framework, "Connect schools")
    indicator = make_indicator(node, "A1", unit_label="schools")
    sdg = make_framework(tree.root, "SDGA", tiers=2, kind=Framework.Kind.GLOBAL_GOALS, is_public=True)
    sdg_target = make_node(sdg, "Target 9.c", parent=make_node(sdg, "Goal 9"))
    with audit_context(source="cli", reason="test data"):
        target = services.target_create(actor=system_actor, indicator=indicator, value=10, **year(2024))
        value = services.actual_create(actor=system_actor, indicator=indicator, unit=tree.dept_a, value=4, **year(2024))
        link = services.node_link(actor=system_actor, source=node, target=sdg_target)
    return {"framework": framework, "node": node, "indicator": indicator, "target": target, "value": value,
            "link": link}  # fmt: skip


# --- contribution links ---------------------------------------------------------------------------------------


def test_remove_and_restore_a_link_from_the_node_page(client, users, plan):
    link, node = plan["link"], plan["node"]
    client.force_login(users["contributor"])
    node_url = reverse("results:node-detail", args=[node.pk])
    archive_url = reverse("results:link-archive", args=[link.pk])
    assert archive_url in html_of(client.get(node_url))
    response = client.post(archive_url, {"version": link.version, "reason": " "})
    assert response.status_code == 200 and "reason" in response.context["form"].errors
    since = last_seq()
    response = client.post(archive_url, {"version": link.version, "reason": "serves another target"})
    assert response.status_code == 302 and response["Location"] == node_url + "#links"
    assert_one_web_event(since, users["contributor"], "archive", "results.nodelink")
    page = client.get(node_url)
    assert [x.pk for x in page.context["archived_links"]] == [link.pk] and page.context["active_links"] == []
    restore_url = reverse("results:link-restore", args=[link.pk])
    assert restore_url in html_of(page)
    since = last_seq()
    response = client.post(restore_url, {"version": link.version + 1})
    assert response.status_code == 302
    assert_one_web_event(since, users["contributor"], "restore", "results.nodelink")
    assert NodeLink.objects.filter(pk=link.pk).exists()


def test_remove_a_link_from_the_sdg_matrix_returns_to_it(client, users, plan):
    link, framework = plan["link"], plan["framework"]
    client.force_login(users["contributor"])
    matrix_url = reverse("results:sdg-matrix", args=[framework.pk])
    archive_url = reverse("results:sdg-link-archive", args=[link.pk])
    assert archive_url in html_of(client.get(matrix_url))
    since = last_seq()
    response = client.post(archive_url, {"version": link.version, "reason": "duplicate"})
    assert response.status_code == 302 and response["Location"] == matrix_url + "#sdg-links"
    assert_one_web_event(since, users["contributor"], "archive", "results.nodelink")
    restore_url = reverse("results:sdg-link-restore", args=[link.pk])
    assert restore_url in html_of(client.get(matrix_url))
    since = last_seq()
    assert client.post(restore_url, {"version": link.version + 1}).status_code == 302
    assert_one_web_event(since, users["contributor"], "restore", "results.nodelink")


def test_viewers_see_no_link_actions_and_are_refused(client, users, plan):
    link, node = plan["link"], plan["node"]
    client.force_login(users["viewer"])
    html = html_of(client.get(reverse("results:node-detail", args=[node.pk])))
    assert reverse("results:link-archive", args=[link.pk]) not in html
    matrix = html_of(client.get(reverse("results:sdg-matrix", args=[plan["framework"].pk])))
    assert reverse("results:sdg-link-archive", args=[link.pk]) not in matrix
    since = last_seq()
    for name in ("link-archive", "sdg-link-archive"):
        url = reverse(f"results:{name}", args=[link.pk])
        assert client.post(url, {"version": link.version, "reason": "no"}).status_code == 403
    assert not AuditEvent.objects.filter(seq__gt=since).exists()
    client.force_login(users["outsider"])
    assert client.get(reverse("results:link-archive", args=[link.pk])).status_code == 404


def test_stale_link_archive_shows_the_conflict(client, users, plan, system_actor):
    link = plan["link"]
    with audit_context(source="cli", reason="test data"):
        link = services.node_unlink(actor=system_actor, link=link, expected_version=link.version, reason="gone")
        link = services.node_link_restore(actor=system_actor, link=link, expected_version=link.version)
    client.force_login(users["contributor"])
    since = last_seq()
    response = client.post(reverse("results:link-archive", args=[link.pk]), {"version": 1, "reason": "stale"})
    assert response.status_code == 200
    assert response.context["conflict"] is not None and response.context["conflict"].current.version == 3
    assert response.context["form"]["version"].value() == "3"
    assert not AuditEvent.objects.filter(seq__gt=since).exists()


# --- targets and values ---------------------------------------------------------------------------------------


def test_archive_and_restore_a_target_on_the_indicator_page(client, users, plan):
    target, indicator = plan["target"], plan["indicator"]
    page_url = reverse("results:indicator-detail", args=[indicator.pk])
    archive_url = reverse("results:target-archive", args=[target.pk])
    client.force_login(users["contributor"])
    assert archive_url in html_of(client.get(page_url))
    since = last_seq()
    response = client.post(archive_url, {"version": target.version, "reason": "wrong year"})
    assert response.status_code == 302 and response["Location"] == page_url + "#targets"
    assert_one_web_event(since, users["contributor"], "archive", "results.target")
    page = client.get(page_url)
    assert [t.pk for t in page.context["archived_targets"]] == [target.pk]
    restore_url = reverse("results:target-restore", args=[target.pk])
    assert restore_url in html_of(page)
    response = client.post(restore_url, {"version": target.version})  # stale: the archive moved it on
    assert response.status_code == 200 and response.context["conflict"] is not None
    since = last_seq()
    assert client.post(restore_url, {"version": target.version + 1}).status_code == 302
    assert_one_web_event(since, users["contributor"], "restore", "results.target")
    assert Target.objects.filter(pk=target.pk).exists()


def test_viewers_cannot_archive_targets_or_values(client, users, plan):
    target, value = plan["target"], plan["value"]
    client.force_login(users["viewer"])
    html = html_of(client.get(reverse("results:indicator-detail", args=[plan["indicator"].pk])))
    assert reverse("results:target-archive", args=[target.pk]) not in html
    assert reverse("results:actual-archive", args=[value.pk]) not in html
    since = last_seq()
    assert client.post(reverse("results:target-archive", args=[target.pk]),
                       {"version": target.version, "reason": "x"}).status_code == 403  # fmt: skip
    assert client.post(reverse("results:actual-archive", args=[value.pk]),
                       {"version": value.version, "reason": "x"}).status_code == 403  # fmt: skip
    assert not AuditEvent.objects.filter(seq__gt=since).exists()


def test_approved_values_are_archived_and_restored_by_managers(client, users, plan, system_actor):
    value, indicator = plan["value"], plan["indicator"]
    with audit_context(source="cli", reason="test data"):
        value = services.actual_update(
            actor=system_actor, actual=value, expected_version=value.version, status=ActualValue.Status.APPROVED
        )
    page_url = reverse("results:indicator-detail", args=[indicator.pk])
    archive_url = reverse("results:actual-archive", args=[value.pk])
    client.force_login(users["contributor"])
    assert archive_url not in html_of(client.get(page_url))
    assert client.post(archive_url, {"version": value.version, "reason": "x"}).status_code == 403
    client.force_login(users["manager"])
    assert archive_url in html_of(client.get(page_url))
    since = last_seq()
    response = client.post(archive_url, {"version": value.version, "reason": "reported twice"})
    assert response.status_code == 302 and response["Location"] == page_url + "#values"
    assert_one_web_event(since, users["manager"], "archive", "results.actualvalue")
    restore_url = reverse("results:actual-restore", args=[value.pk])
    client.force_login(users["contributor"])
    page = client.get(page_url)
    assert page.context["archived_values"] == [] and restore_url not in html_of(page)
    client.force_login(users["manager"])
    page = client.get(page_url)
    assert [v.pk for v in page.context["archived_values"]] == [value.pk]
    since = last_seq()
    assert client.post(restore_url, {"version": value.version + 1}).status_code == 302
    assert_one_web_event(since, users["manager"], "restore", "results.actualvalue")


# --- frameworks -----------------------------------------------------------------------------------------------


def test_managers_archive_and_restore_a_framework(client, users, plan):
    framework = plan["framework"]
    tree_url = reverse("results:framework-tree", args=[framework.pk])
    archive_url = reverse("results:framework-archive", args=[framework.pk])
    client.force_login(users["contributor"])
    assert archive_url not in html_of(client.get(tree_url))
    assert client.post(archive_url, {"version": framework.version, "reason": "x"}).status_code == 403
    client.force_login(users["manager"])
    assert archive_url in html_of(client.get(tree_url))
    since = last_seq()
    response = client.post(archive_url, {"version": framework.version, "reason": "plan replaced"})
    assert response.status_code == 302 and response["Location"] == tree_url
    assert_one_web_event(since, users["manager"], "archive", "results.framework")
    restore_url = reverse("results:framework-restore", args=[framework.pk])
    assert restore_url in html_of(client.get(tree_url))
    response = client.post(restore_url, {"version": framework.version})
    assert response.status_code == 200 and response.context["conflict"] is not None
    since = last_seq()
    assert client.post(restore_url, {"version": framework.version + 1}).status_code == 302
    assert_one_web_event(since, users["manager"], "restore", "results.framework")
    assert Framework.objects.filter(pk=framework.pk).exists()
