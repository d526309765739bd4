"""``restore/`` on targets, values and contribution links: one audit row from the API, rights, 409, 428."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from orbit.core.context import audit_context
from orbit.governance.models import AuditEvent
from orbit.organisation.services import system_actor
from orbit.organisation.tests.factories import grant, make_user
from orbit.results.models import ActualValue, Framework, NodeLink, Target
from orbit.results.services import actual_create, actual_update, node_link, target_create
from orbit.results.tests.factories import make_framework, make_indicator, make_node

pytestmark = pytest.mark.django_db
BASE = "/api/results"


def year(y: int) -> dict[str, Any]:
    return {"period_type": "annual", "period_start": dt.date(y, 1, 1), "period_end": dt.date(y, 12, 31)}


def client_for(user: Any) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def last_seq() -> int:
    return AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


def api_events(since: int, actor: Any) -> list[tuple[str, str]]:
    events = list(AuditEvent.objects.filter(seq__gt=since).order_by("seq"))
    for event in events:
        assert (event.source, event.actor_id) == ("api", actor.pk), event
    return [(event.action, event.object_type) for event in events]


@pytest.fixture
def users(tree):
    people = {}
    for role in ("viewer", "contributor", "manager"):
        people[role] = make_user(f"apir-{role}")
        grant(people[role], tree.dept_a, role)
    people["outsider"] = make_user("apir-outsider")
    grant(people["outsider"], tree.dept_b, "manager")
    return people


@pytest.fixture
def data(tree):
    framework = make_framework(tree.dept_a, "APIR", tiers=2)
    node = make_node(framework, "Goal")
    indicator = make_indicator(node, "P1")
    sdg = make_framework(tree.root, "SDGP", tiers=2, kind=Framework.Kind.GLOBAL_GOALS, is_public=True)
    sdg_target = make_node(sdg, "Target", parent=make_node(sdg, "Goal"))
    with audit_context(source="cli", reason="test data"):
        actor = system_actor()
        target = target_create(actor=actor, indicator=indicator, value=10, **year(2024))
        value = actual_create(actor=actor, indicator=indicator, unit=tree.dept_a, value=3, **year(2024))
        link = node_link(actor=actor, source=node, target=sdg_target)
    return {"target": target, "value": value, "link": link, "node": node, "sdg_target": sdg_target}


def archive(client: APIClient, kind: str, pk: int, version: int) -> dict[str, Any]:
    response = client.post(f"{BASE}/{kind}/{pk}/archive/", {"reason": "test"}, format="json",
                           HTTP_IF_MATCH=f'"{version}"')  # fmt: skip
    assert response.status_code == 200, response.content
    body: dict[str, Any] = response.json()
    assert body["is_archived"] is True
    return body


@pytest.mark.parametrize(("kind", "key", "model", "object_type"), [
    ("targets", "target", Target, "results.target"),
    ("values", "value", ActualValue, "results.actualvalue"),
    ("links", "link", NodeLink, "results.nodelink"),
])  # fmt: skip
def test_restore_writes_one_api_event_and_answers_409_when_stale(users, data, kind, key, model, object_type):
    client = client_for(users["contributor"])
    record = data[key]
    archived = archive(client, kind, record.pk, record.version)
    url = f"{BASE}/{kind}/{record.pk}/restore/"
    since = last_seq()
    assert client.post(url, {}, format="json").status_code == 428
    stale = client.post(url, {}, format="json", HTTP_IF_MATCH=f'"{record.version}"')
    assert stale.status_code == 409, stale.content
    assert stale.json()["error"]["code"] == "stale_version"
    assert api_events(since, users["contributor"]) == []
    response = client.post(url, {"reason": "back", "version": archived["version"]}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["is_archived"] is False and response.json()["version"] == archived["version"] + 1
    assert response["ETag"] == f'"{archived["version"] + 1}"'
    assert api_events(since, users["contributor"]) == [("restore", object_type)]
    assert model.objects.filter(pk=record.pk).exists()
    again = client.post(url, {}, format="json", HTTP_IF_MATCH=f'"{archived["version"] + 1}"')
    assert again.status_code == 400, again.content


@pytest.mark.parametrize(("kind", "key"), [("targets", "target"), ("values", "value"), ("links", "link")])
def test_viewers_get_403_and_outsiders_404(users, data, kind, key):
    record = data[key]
    archived = archive(client_for(users["manager"]), kind, record.pk, record.version)
    url = f"{BASE}/{kind}/{record.pk}/restore/"
    since = last_seq()
    viewer = client_for(users["viewer"]).post(url, {}, format="json", HTTP_IF_MATCH=f'"{archived["version"]}"')
    assert viewer.status_code == 403, viewer.content
    outsider = client_for(users["outsider"]).post(url, {}, format="json", HTTP_IF_MATCH=f'"{archived["version"]}"')
    assert outsider.status_code == 404, outsider.content
    assert not AuditEvent.objects.filter(seq__gt=since).exists()


def test_approved_value_restore_needs_a_manager(users, data):
    value = data["value"]
    with audit_context(source="cli", reason="test data"):
        value = actual_update(actor=system_actor(), actual=value, expected_version=value.version, status="approved")
    manager = client_for(users["manager"])
    archived = archive(manager, "values", value.pk, value.version)
    url = f"{BASE}/values/{value.pk}/restore/"
    refused = client_for(users["contributor"]).post(url, {}, format="json", HTTP_IF_MATCH=f'"{archived["version"]}"')
    assert refused.status_code == 403, refused.content
    since = last_seq()
    response = manager.post(url, {}, format="json", HTTP_IF_MATCH=f'"{archived["version"]}"')
    assert response.status_code == 200 and response.json()["status"] == "approved"
    assert api_events(since, users["manager"]) == [("restore", "results.actualvalue")]


def test_link_restore_refuses_a_second_active_link(users, data):
    client = client_for(users["contributor"])
    link = data["link"]
    archived = archive(client, "links", link.pk, link.version)
    created = client.post(f"{BASE}/links/", {"source": data["node"].pk, "target": data["sdg_target"].pk},
                          format="json")  # fmt: skip
    assert created.status_code == 201, created.content
    since = last_seq()
    response = client.post(f"{BASE}/links/{link.pk}/restore/", {}, format="json",
                           HTTP_IF_MATCH=f'"{archived["version"]}"')  # fmt: skip
    assert response.status_code == 400, response.content
    assert "already recorded" in response.json()["error"]["message"] + str(response.json()["error"].get("fields"))
    assert api_events(since, users["contributor"]) == []
    assert NodeLink.objects.filter(source=data["node"], target=data["sdg_target"]).count() == 1
