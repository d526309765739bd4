"""The audit log over the API: auditors and superusers read it all, nobody else reads any of it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from orbit.governance.models import AuditEvent
from orbit.organisation.tests.factories import grant, make_user

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def auditor(tree):
    user = make_user("auditor")
    grant(user, None, "auditor")
    return user


@pytest.fixture
def unit_admin(tree):
    user = make_user("unit-admin")
    grant(user, tree.dept_a, "admin")
    return user


def seqs(response: Any) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["seq"] for row in response.json()["results"]]


def test_auditor_and_superuser_read_the_whole_log_newest_first(tree, auditor):
    every = list(AuditEvent.objects.order_by("-seq").values_list("seq", flat=True))
    assert len(every) >= 5
    superuser = make_user("root", is_superuser=True)
    for reader in (auditor, superuser):
        assert seqs(client_for(reader).get("/api/audit-events/", {"page_size": 500})) == every


def test_everyone_else_gets_an_empty_log_and_404_for_an_event(tree, unit_admin):
    viewer = make_user("viewer")
    grant(viewer, tree.bdt, "viewer")
    event = AuditEvent.objects.filter(scope_path__startswith=tree.dept_a.path).first()
    assert event is not None
    for reader in (unit_admin, viewer, make_user("nobody")):
        client = client_for(reader)
        assert seqs(client.get("/api/audit-events/")) == []
        response = client.get(f"/api/audit-events/{event.pk}/")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


def test_auditor_reads_one_event_with_its_chain_links(tree, auditor):
    event = AuditEvent.objects.order_by("-seq").first()
    body = client_for(auditor).get(f"/api/audit-events/{event.pk}/").json()
    assert body["seq"] == event.seq
    assert body["hmac"] == event.hmac and body["prev_hash"] == event.prev_hash
    assert body["changes"] == event.changes


def test_api_writes_show_up_in_the_log_attributed_to_the_api(tree, auditor, unit_admin):
    response = client_for(unit_admin).patch(
        f"/api/org-units/{tree.div_a1.pk}/", {"city": "Geneva"}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert response.status_code == 200
    rows = client_for(auditor).get("/api/audit-events/", {"source": "api"}).json()["results"]
    assert [(r["action"], r["actor_username"], r["object_id"]) for r in rows] == [
        ("update", "unit-admin", str(tree.div_a1.pk))
    ]
    assert rows[0]["request_id"] == response["X-Request-ID"]


def test_filters(tree, auditor, unit_admin):
    client = client_for(auditor)
    client_for(unit_admin).patch(
        f"/api/org-units/{tree.div_a1.pk}/", {"city": "Geneva"}, format="json", HTTP_IF_MATCH='"1"'
    )
    last = AuditEvent.objects.order_by("-seq").first()
    first = AuditEvent.objects.order_by("seq").first()

    def rows(**params: Any) -> list[dict[str, Any]]:
        response = client.get("/api/audit-events/", {"page_size": 500, **params})
        assert response.status_code == 200, response.content
        return response.json()["results"]

    assert {r["actor_username"] for r in rows(actor_username="unit-admin")} == {"unit-admin"}
    assert len(rows(actor_username="unit-admin")) == 1
    assert {r["action"] for r in rows(action="create")} == {"create"}
    assert {r["object_type"] for r in rows(object_type="organisation.membership")} == {"organisation.membership"}
    assert {r["object_id"] for r in rows(object_type="organisation.orgunit", object_id=str(tree.div_a1.pk))} == {
        str(tree.div_a1.pk)
    }
    assert {r["source"] for r in rows(source="cli")} == {"cli"}
    assert [r["seq"] for r in rows(since=last.occurred_at.isoformat())] == [
        e.seq for e in AuditEvent.objects.filter(occurred_at__gte=last.occurred_at).order_by("-seq")
    ]
    assert rows(until=(first.occurred_at - dt.timedelta(seconds=1)).isoformat()) == []
    assert rows(since=(timezone.now() + dt.timedelta(days=1)).isoformat()) == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"since": "yesterday"}, "since"),
        ({"until": "2025-13-40T00:00"}, "until"),
        ({"action": "explode"}, "action"),
        ({"source": "telepathy"}, "source"),
    ],
)
def test_bad_filters_are_400_naming_the_parameter(tree, auditor, params, field):
    response = client_for(auditor).get("/api/audit-events/", params)
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_audit_log_is_read_only_over_the_api(tree, auditor):
    superuser = make_user("root", is_superuser=True)
    event = AuditEvent.objects.order_by("-seq").first()
    client = client_for(superuser)
    assert client.post("/api/audit-events/", {}, format="json").status_code == 405
    assert client.delete(f"/api/audit-events/{event.pk}/").status_code == 405
    assert client.patch(f"/api/audit-events/{event.pk}/", {"reason": "x"}, format="json").status_code == 405
    assert AuditEvent.objects.get(pk=event.pk).reason == event.reason


def test_log_query_count_is_flat(tree, auditor, django_assert_max_num_queries):
    from orbit.organisation.tests.factories import make_unit

    for index in range(50):
        make_unit(f"Q{index:02d}", parent=tree.dept_b)
    client = client_for(auditor)
    client.get("/api/audit-events/")
    with django_assert_max_num_queries(5):
        response = client.get("/api/audit-events/", {"page_size": 200})
    assert len(response.json()["results"]) >= 55
