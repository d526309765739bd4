"""The shared dictionaries in the browser: listed and searched by every member, added, changed, archived and
restored by those with the change right somewhere, in a fixed number of queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orbit.core.context import audit_context
from orbit.governance.models import AuditEvent
from orbit.organisation.services import system_actor
from orbit.processes import services
from orbit.processes.models import ItSystem, ProcessRole
from orbit.processes.tests.test_views import client_for, make_user

pytestmark = pytest.mark.django_db


def add_systems(tree, count: int, start: int = 0) -> None:
    with audit_context(source="cli", reason="test data"):
        for index in range(start, start + count):
            services.dictionary_entry_create(
                actor=system_actor(), dictionary="it_systems", code=f"SYS-{index:03d}", name={"en": f"System {index}"},
                owner_unit=tree.dept_b,
            )  # fmt: skip


def rows(page: str) -> list[str]:
    return [chunk.split('"')[0] for chunk in page.split('<tr data-code="')[1:]]


def test_a_member_reads_and_searches_a_dictionary_and_cannot_change_it(tree):
    add_systems(tree, 3)
    viewer = client_for(make_user("v", role="viewer", unit=tree.dept_a))
    page = viewer.get("/processes/dictionaries/it_systems/").content.decode()
    assert rows(page) == ["SYS-000", "SYS-001", "SYS-002"] and "DEPT-B" in page
    assert "Add an entry" not in page and "/archive/" not in page
    assert rows(viewer.get("/processes/dictionaries/it_systems/", {"q": "System 1"}).content.decode()) == ["SYS-001"]
    response = viewer.post("/processes/dictionaries/roles/", {"code": "CLERK", "name_0": "Clerk"})
    assert response.status_code == 403 and not ProcessRole.objects.exists()
    assert viewer.get("/processes/dictionaries/cars/").status_code == 404
    assert viewer.get("/processes/dictionaries/").status_code == 302


def test_add_change_archive_and_restore_an_entry(tree):
    client = client_for(make_user("c", role="contributor", unit=tree.dept_a))
    response = client.post("/processes/dictionaries/roles/", {"code": "CLERK", "name_0": "Registry clerk",
                                                              "reason": "From the registry's manual"})  # fmt: skip
    assert response.status_code == 302
    role = ProcessRole.objects.get(code="CLERK")
    refused = client.post("/processes/dictionaries/roles/", {"code": "CLERK", "name_0": "Again"})
    assert refused.status_code == 200 and "errorlist" in refused.content.decode()  # the code is taken: said, not a 500
    assert ProcessRole.objects.count() == 1

    url = f"/processes/dictionaries/roles/{role.pk}/"
    assert client.post(url, {"version": 1, "code": "CLERK", "name_0": "Records clerk"}).status_code == 302
    role.refresh_from_db()
    assert role.name["en"] == "Records clerk" and role.version == 2

    assert client.post(url + "archive/", {"version": 2, "reason": "Post abolished"}).status_code == 302
    assert ProcessRole.objects.count() == 0 and ProcessRole.all_objects.get().archive_reason == "Post abolished"
    assert rows(client.get("/processes/dictionaries/roles/").content.decode()) == []
    shown = client.get("/processes/dictionaries/roles/", {"archived": "1"}).content.decode()
    assert rows(shown) == ["CLERK"] and f"/processes/dictionaries/roles/{role.pk}/restore/" in shown
    assert client.post(url + "restore/", {"version": 3, "reason": ""}).status_code == 302
    assert ProcessRole.objects.get().version == 4
    actions = list(
        AuditEvent.objects.filter(object_id=str(role.pk), object_type__endswith="processrole")
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == ["create", "update", "archive", "restore"]


def test_the_list_takes_the_same_queries_for_three_entries_or_forty(tree):
    client = client_for(make_user("c", role="contributor", unit=tree.dept_a))
    add_systems(tree, 3)
    client.get("/processes/dictionaries/it_systems/")
    with CaptureQueriesContext(connection) as few:
        client.get("/processes/dictionaries/it_systems/")
    add_systems(tree, 37, start=3)
    with CaptureQueriesContext(connection) as many:
        page = client.get("/processes/dictionaries/it_systems/").content.decode()
    assert len(rows(page)) == 40 and ItSystem.objects.count() == 40
    assert len(many.captured_queries) == len(few.captured_queries)
