"""The planning API: CRUD through the services, versions, scoping, the review workflow, locked periods,
evidence uploads, budgets that never mix currencies, and list queries that do not grow with the page."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from orbit.core.context import audit_context
from orbit.governance.models import AuditEvent
from orbit.organisation.services import system_actor as get_system_actor
from orbit.organisation.tests.factories import grant, make_user
from orbit.planning.models import Evidence, RegionalInitiative
from orbit.planning.tests.factories import make_activity, make_initiative, make_update, move_update, png_upload
from orbit.results.models import ActualValue, Framework, PeriodLock
from orbit.results.services import actual_create
from orbit.results.tests.factories import make_framework, make_indicator, make_node

pytestmark = pytest.mark.django_db
BASE = "/api/planning"
RESULTS = "/api/results"
MEDIA_MISSING = importlib.util.find_spec("orbit.planning.media") is None


# --- helpers ----------------------------------------------------------------------------------------------------


def client_for(user: Any, **headers: str) -> APIClient:
    client = APIClient(headers=headers or None)
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def assert_error(response: Any, status: int, code: str, *fields: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert error["code"] == code, error
    assert isinstance(error["message"], str) and error["message"]
    for name in fields:
        assert name in error["fields"], error
    return error


def last_seq() -> int:
    return AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


class Events:
    """The audit rows a block writes, each attributed to the API caller."""

    def __init__(self, actor: Any) -> None:
        self.actor = actor
        self.before = last_seq()

    def take(self) -> list[AuditEvent]:
        events = list(AuditEvent.objects.filter(seq__gt=self.before).order_by("seq"))
        self.before = last_seq()
        for event in events:
            assert event.source == "api", event
            assert event.actor_id == self.actor.pk, event
        return events


def etag(client: APIClient, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.content
    return str(response["ETag"])


def year(y: int) -> dict[str, Any]:
    return {"period_type": "annual", "period_start": dt.date(y, 1, 1), "period_end": dt.date(y, 12, 31)}


def user_with(username: str, unit: Any, role: str) -> Any:
    user = make_user(username)
    grant(user, unit, role)
    return user


@pytest.fixture
def manager(tree):
    return user_with("plan-manager", tree.dept_a, "manager")


@pytest.fixture
def contributor(tree):
    return user_with("plan-contributor", tree.dept_a, "contributor")


@pytest.fixture
def viewer(tree):
    return user_with("plan-viewer", tree.dept_a, "viewer")


@pytest.fixture
def sibling(tree):
    """A contributor of DEPT-B, the sibling of DEPT-A."""
    return user_with("plan-sibling", tree.dept_b, "contributor")


@pytest.fixture
def plan(tree):
    """DEPT-A's operational plan (one output with an indicator) and the SDGs (public)."""
    framework = make_framework(tree.dept_a, "OP-A")
    output = make_node(framework, "Output 1")
    indicator = make_indicator(output, "I1")
    sdgs = make_framework(tree.root, "SDG", kind=Framework.Kind.GLOBAL_GOALS, is_public=True, tiers=2)
    goal = make_node(sdgs, "Goal 4")
    target = make_node(sdgs, "Target 4.4", parent=goal)
    return {"framework": framework, "output": output, "indicator": indicator, "goal": goal, "sdg_target": target}


def value_of(indicator: Any, unit: Any, number: int = 5, y: int = 2025) -> ActualValue:
    with audit_context(source="cli", reason="test data"):
        return actual_create(actor=get_system_actor(), indicator=indicator, unit=unit, value=number, **year(y))


# --- activities: CRUD, versions, validation ---------------------------------------------------------------------


def test_activity_crud_with_versions_history_and_related_ids(tree, plan, contributor, manager, viewer, sibling):
    initiative = make_initiative(tree.dept_a, "AFR1")
    client = client_for(contributor)
    events = Events(contributor)
    body = {
        "title": {"en": "Digital skills for rural schools", "fr": "Compétences numériques"},
        "description": {"en": "Train teachers."},
        "type": "capacity_building",
        "responsible_unit": tree.dept_a.pk,
        "contributing_units": [tree.dept_b.pk, tree.dept_b.pk],
        "nodes": [plan["output"].pk],
        "sdg_targets": [plan["sdg_target"].pk],
        "initiatives": [initiative.pk],
        "staff": [contributor.pk, manager.pk],
        "countries": ["SN", "CI"],
        "regions": ["AFR"],
        "partners": ["UNESCO"],
        "planned_start": "2025-02-01",
        "planned_end": "2026-06-30",
    }
    response = client.post(f"{BASE}/activities/", body, format="json")
    assert response.status_code == 201, response.content
    created = response.json()
    url = f"{BASE}/activities/{created['id']}/"
    assert response["ETag"] == '"1"' and response["Location"].endswith(url)
    assert created["code"] == "DEPT-A-2025-001" and created["status"] == "planned"
    assert created["title"] == body["title"] and created["responsible_unit_code"] == "DEPT-A"
    assert created["contributing_units"] == [tree.dept_b.pk]
    assert (created["nodes"], created["sdg_targets"], created["initiatives"]) == (
        [plan["output"].pk], [plan["sdg_target"].pk], [initiative.pk],
    )  # fmt: skip
    assert sorted(created["staff"]) == sorted([contributor.pk, manager.pk])
    assert (created["countries"], created["regions"], created["partners"]) == (["SN", "CI"], ["AFR"], ["UNESCO"])
    assert [e.action for e in events.take()] == ["create"]
    french = client_for(contributor, **{"Accept-Language": "fr"}).get(url).json()
    assert french["title_display"] == "Compétences numériques"

    # Conditional read; writes without a version: 428; a stale one: 409 with what changed since.
    assert client.get(url, HTTP_IF_NONE_MATCH='"1"').status_code == 304
    assert_error(client.patch(url, {"status": "ongoing"}, format="json"), 428, "precondition_required")
    response = client.patch(url, {"title": {"en": "Digital skills"}, "nodes": []}, format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 200, response.content
    assert response["ETag"] == '"2"' and response.json()["nodes"] == [] and response.json()["sdg_targets"]
    error = assert_error(client.patch(url, {"partners": []}, format="json", HTTP_IF_MATCH='"1"'), 409, "stale_version")
    assert error["current_version"] == 2
    assert error["changes_since"][0]["changes"]["title"][1] == {"en": "Digital skills"}
    response = client.patch(url, {"partners": [], "version": 2}, format="json")
    assert response.status_code == 200 and response.json()["version"] == 3
    assert [e.action for e in events.take()] == ["update", "update"]

    # Invalid input names the field and writes nothing.
    for change, field in (
        ({"countries": ["XX"]}, "countries"),
        ({"regions": ["MARS"]}, "regions"),
        ({"status": "delayed"}, "status_reason"),
        ({"planned_end": "2024-01-01"}, "planned_end"),
        ({"nodes": [999999]}, "nodes"),
        ({"staff": [sibling.pk + 1000]}, "staff"),
        ({"title": {"xx": "?"}}, "title"),
    ):
        assert_error(client.patch(url, change, format="json", HTTP_IF_MATCH='"3"'), 400, "invalid", field)
    assert events.take() == []

    # Rights: a viewer of the unit sees it and may not change it; a sibling unit's user does not see it.
    assert client_for(viewer).get(url).status_code == 200
    assert_error(client_for(viewer).patch(url, {"partners": ["X"]}, format="json", HTTP_IF_MATCH='"3"'), 403,
                 "permission_denied")  # fmt: skip
    # DEPT-B contributes, so its users read the activity; changing it needs a right on DEPT-A, outside their scope.
    assert client_for(sibling).get(url).status_code == 200
    assert_error(client_for(sibling).patch(url, {"partners": ["X"]}, format="json", HTTP_IF_MATCH='"3"'), 404,
                 "not_found")  # fmt: skip
    assert_error(client.post(f"{BASE}/activities/", {**body, "responsible_unit": tree.dept_b.pk}, format="json"), 400,
                 "invalid", "responsible_unit")  # fmt: skip
    assert_error(client_for(viewer).post(f"{BASE}/activities/", body, format="json"), 403, "permission_denied")

    # Archive and restore, then the history, newest first.
    assert_error(client.post(url + "archive/", {"version": 3}, format="json"), 400, "invalid", "reason")
    response = client.post(url + "archive/", {"reason": "merged", "version": 3}, format="json")
    assert response.status_code == 200 and response.json()["is_archived"]
    assert client.get(f"{BASE}/activities/").json()["count"] == 0
    assert client.get(f"{BASE}/activities/", {"include_archived": "true"}).json()["count"] == 1
    response = client.post(url + "restore/", {}, format="json", HTTP_IF_MATCH='"4"')
    assert response.status_code == 200 and not response.json()["is_archived"]
    history = client.get(url + "history/").json()["results"]
    assert [e["action"] for e in history] == ["restore", "archive", "update", "update", "create"]
    assert client_for(sibling).get(url + "history/").status_code == 200
    assert client_for(user_with("plan-c", tree.root, "viewer")).get(url).status_code == 200
    assert_error(client.get(f"{BASE}/activities/abc/"), 404, "not_found")


def test_activity_list_filters(tree, plan, manager):
    initiative = make_initiative(tree.dept_a, "AFR2")
    a = make_activity(tree.dept_a, "Broadband mapping", regions=["AFR"], initiatives=[initiative],
                      nodes=[plan["output"]])  # fmt: skip
    b = make_activity(tree.div_a1, "Cyber drill", sdg_targets=[plan["sdg_target"]], planned_start=dt.date(2026, 1, 1),
                      planned_end=dt.date(2026, 12, 31))  # fmt: skip
    c = make_activity(tree.div_a1, "Spectrum workshop", status="ongoing", actual_start=dt.date(2025, 2, 1))
    make_activity(tree.dept_b, "Not ours")
    client = client_for(manager)

    def codes(**params: Any) -> list[str]:
        response = client.get(f"{BASE}/activities/", params)
        assert response.status_code == 200, response.content
        return [row["code"] for row in response.json()["results"]]

    assert codes() == [a.code, c.code, b.code]  # by unit, then code
    assert codes(unit="DIV-A1") == [c.code, b.code]
    assert codes(unit="NOPE") == []
    assert codes(region="AFR") == [a.code]
    assert codes(initiative="AFR2") == [a.code]
    assert codes(status="ongoing") == [c.code]
    assert codes(year=2026) == [b.code]
    assert codes(sdg=plan["goal"].pk) == [b.code]  # a goal: any of its targets
    assert codes(node=plan["output"].pk) == [a.code]
    assert codes(framework=plan["framework"].pk) == [a.code]
    assert codes(q="drill") == [b.code]
    assert codes(q=a.code.lower()) == [a.code]
    assert_error(client.get(f"{BASE}/activities/", {"status": "paused"}), 400, "invalid", "status")
    assert_error(client.get(f"{BASE}/activities/", {"year": "soon"}), 400, "invalid", "year")


def test_activity_list_reads_a_page_of_5_and_of_40_in_the_same_number_of_queries(
    tree, plan, django_assert_max_num_queries
):
    initiative = make_initiative(tree.bdt, "ARB1", region="ARB")
    staff = make_user("staff-1")
    for unit, n in ((tree.dept_b, 5), (tree.div_a1, 40)):
        for k in range(n):
            make_activity(
                unit, f"Activity {k}", nodes=[plan["output"]], sdg_targets=[plan["sdg_target"]],
                contributing_units=[tree.dept_a], initiatives=[initiative], staff=[staff],
            )  # fmt: skip
    reader = user_with("plan-reader", tree.bdt, "viewer")
    client = client_for(reader)
    counts = []
    for code, n in (("DEPT-B", 5), ("DIV-A1", 40)):
        with django_assert_max_num_queries(10), CaptureQueriesContext(connection) as ctx:
            response = client.get(f"{BASE}/activities/", {"unit": code})
        assert response.status_code == 200
        body = response.json()
        assert body["count"] == n and len(body["results"]) == n
        assert all(row["nodes"] == [plan["output"].pk] and row["staff"] == [staff.pk] for row in body["results"])
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts


# --- scoping: 404 out of scope ------------------------------------------------------------------------------------


def test_sibling_units_see_neither_activities_nor_draft_updates_but_readers_see_approved_ones(tree, sibling, manager):
    shared = make_activity(tree.dept_a, "Shared", contributing_units=[tree.dept_b])
    own = make_activity(tree.dept_a, "Own only")
    shared_update = make_update(activity=shared, text="Shared progress")
    own_update = make_update(activity=own, text="Own progress")
    client = client_for(sibling)

    # DEPT-B contributes to one activity: it reads that activity, not the other, and neither draft update.
    assert client.get(f"{BASE}/activities/{shared.pk}/").status_code == 200
    assert_error(client.get(f"{BASE}/activities/{own.pk}/"), 404, "not_found")
    assert_error(client.get(f"{BASE}/activities/{own.pk}/budget/"), 404, "not_found")
    for update in (shared_update, own_update):
        assert_error(client.get(f"{BASE}/updates/{update.pk}/"), 404, "not_found")
        assert_error(client.get(f"{BASE}/updates/{update.pk}/history/"), 404, "not_found")
        assert_error(client.post(f"{BASE}/updates/{update.pk}/submit/", {"version": 1}, format="json"), 404,
                     "not_found")  # fmt: skip
    assert client.get(f"{BASE}/updates/").json()["count"] == 0
    assert [a["code"] for a in client.get(f"{BASE}/activities/").json()["results"]] == [shared.code]

    # Approved, the update of the shared activity is readable by its readers; the other one still is not.
    move_update(shared_update, "submit", "approve")
    move_update(own_update, "submit", "approve")
    response = client.get(f"{BASE}/updates/{shared_update.pk}/")
    assert response.status_code == 200 and response.json()["status"] == "approved"
    assert_error(client.get(f"{BASE}/updates/{own_update.pk}/"), 404, "not_found")
    listed = client.get(f"{BASE}/updates/", {"activity": shared.pk}).json()["results"]
    assert [u["id"] for u in listed] == [shared_update.pk]
    # Reading is not changing: reopening it is for DEPT-A's managers, and DEPT-B is outside that scope.
    assert_error(client.post(f"{BASE}/updates/{shared_update.pk}/reopen/", {"version": 3}, format="json"), 404,
                 "not_found")  # fmt: skip
    assert client_for(manager).get(f"{BASE}/updates/", {"activity": own.pk}).json()["count"] == 1


# --- the review workflow by role ----------------------------------------------------------------------------------


def test_update_workflow_allowed_and_refused_transitions_by_role(tree, contributor, manager):
    activity = make_activity(tree.dept_a, "Workshop")
    author = client_for(contributor)
    reviewer = client_for(manager)
    events = Events(contributor)

    response = author.post(
        f"{BASE}/updates/",
        {"activity": activity.pk, "date": "2025-03-10", "narrative": {"en": "Kick-off held"},
         "new_status": "ongoing", "location": "Dakar", "latitude": "14.7167", "longitude": "-17.4677"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    update = response.json()
    url = f"{BASE}/updates/{update['id']}/"
    assert (update["status"], update["author_username"], update["activity_code"]) == (
        "draft", contributor.username, activity.code,
    )  # fmt: skip
    assert update["latitude"] == "14.7167" and update["transitions"] == ["submit"]
    assert [e.action for e in events.take()] == ["create"]
    assert_error(author.post(f"{BASE}/updates/", {"date": "2025-03-10", "narrative": {"en": "x"}}, format="json"), 400,
                 "invalid", "activity")  # fmt: skip
    half = {"activity": activity.pk, "date": "2025-03-10", "narrative": "x", "latitude": "14.1"}
    assert_error(author.post(f"{BASE}/updates/", half, format="json"), 400, "invalid", "longitude")

    # Submit: contributors may; it needs a version; a stale one is refused.
    assert_error(author.post(url + "submit/", {}, format="json"), 428, "precondition_required")
    assert_error(author.post(url + "submit/", {}, format="json", HTTP_IF_MATCH='"9"'), 409, "stale_version")
    response = author.post(url + "submit/", {}, format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "submitted" and response.json()["submitted_at"]
    assert response["ETag"] == '"2"'
    # Contributors neither approve nor return; a submitted update is no longer edited.
    assert_error(author.post(url + "approve/", {"version": 2}, format="json"), 403, "permission_denied")
    assert_error(author.post(url + "return/", {"version": 2, "note": "x"}, format="json"), 403, "permission_denied")
    error = assert_error(author.patch(url, {"narrative": {"en": "more"}}, format="json", HTTP_IF_MATCH='"2"'), 400,
                         "invalid", "status")  # fmt: skip
    assert "submitted" in error["fields"]["status"][0]
    error = assert_error(author.post(url + "submit/", {"version": 2}, format="json"), 400, "invalid", "status")
    assert "submitted" in error["fields"]["status"][0]

    # A manager returns it only with a note saying what to fix.
    assert_error(reviewer.post(url + "return/", {"version": 2}, format="json"), 400, "invalid", "note")
    assert_error(reviewer.post(url + "return/", {"version": 2, "note": "  "}, format="json"), 400, "invalid", "note")
    response = reviewer.post(url + "return/", {"version": 2, "note": "Add the attendance."}, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["review_note"]) == ("returned", "Add the attendance.")
    assert response.json()["reviewed_by"] == manager.pk

    # The author edits the returned update and submits it again; the manager approves it.
    response = author.patch(url, {"narrative": {"en": "Kick-off held, 40 teachers"}}, format="json",
                            HTTP_IF_MATCH='"3"')  # fmt: skip
    assert response.status_code == 200, response.content
    assert author.post(url + "submit/", {"version": 4}, format="json").status_code == 200
    response = reviewer.post(url + "approve/", {"note": "Fine"}, format="json", HTTP_IF_MATCH='"5"')
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "approved" and response.json()["transitions"] == ["reopen"]
    # Approving applied the reported status to the activity.
    activity.refresh_from_db()
    assert (activity.status, activity.actual_start) == ("ongoing", dt.date(2025, 3, 10))

    # Refused from the wrong state: the message names the status.
    for name in ("approve", "submit"):
        error = assert_error(reviewer.post(url + f"{name}/", {"version": 6}, format="json"), 400, "invalid", "status")
        assert "approved" in error["fields"]["status"][0]
    assert_error(author.patch(url, {"location": "Thiès"}, format="json", HTTP_IF_MATCH='"6"'), 400, "invalid",
                 "status")  # fmt: skip
    assert_error(author.post(url + "archive/", {"reason": "x", "version": 6}, format="json"), 400, "invalid", "status")
    assert_error(author.post(url + "reopen/", {"version": 6}, format="json"), 403, "permission_denied")
    response = reviewer.post(url + "reopen/", {"version": 6}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "draft"
    history = author.get(url + "history/").json()["results"]
    assert [e["action"] for e in history][:2] == ["update", "approve"]
    assert author.get(f"{BASE}/updates/", {"mine": "1", "status": "draft"}).json()["count"] == 1
    assert client_for(manager).get(f"{BASE}/updates/", {"mine": "1"}).json()["count"] == 0

    # An archived draft disappears from the list.
    response = author.post(url + "archive/", {"reason": "duplicate", "version": 7}, format="json")
    assert response.status_code == 200 and response.json()["is_archived"]
    assert author.get(f"{BASE}/updates/").json()["count"] == 0


def test_value_workflow_actions_by_role(tree, plan, contributor, manager):
    value = value_of(plan["indicator"], tree.dept_a)
    url = f"{RESULTS}/values/{value.pk}/"
    author = client_for(contributor)
    reviewer = client_for(manager)
    events = Events(contributor)

    assert_error(author.post(url + "submit/", {}, format="json"), 428, "precondition_required")
    response = author.post(url + "submit/", {"version": 1}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "submitted"
    assert response["ETag"] == '"2"'
    assert [e.action for e in events.take()] == ["update"]
    assert_error(author.post(url + "approve/", {"version": 2}, format="json"), 403, "permission_denied")
    assert_error(author.post(url + "return/", {"version": 2, "note": "x"}, format="json"), 403, "permission_denied")
    assert_error(reviewer.post(url + "return/", {"version": 2, "note": ""}, format="json"), 400, "invalid", "note")
    response = reviewer.post(url + "return/", {"version": 2, "note": "Check the source."}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "returned"
    assert ActualValue.objects.get(pk=value.pk).review_note == "Check the source."
    assert author.post(url + "submit/", {"version": 3}, format="json").status_code == 200
    response = reviewer.post(url + "approve/", {}, format="json", HTTP_IF_MATCH='"4"')
    assert response.status_code == 200 and response.json()["status"] == "approved"
    error = assert_error(reviewer.post(url + "approve/", {"version": 5}, format="json"), 400, "invalid", "status")
    assert "approved" in error["fields"]["status"][0]
    assert_error(author.post(url + "reopen/", {"version": 5}, format="json"), 403, "permission_denied")
    response = reviewer.post(url + "reopen/", {"version": 5}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "draft"

    # An update behind the value is reviewed by the value's unit; it carries no activity status.
    body = {"actual_value": value.pk, "date": "2025-12-31", "narrative": {"en": "Source: survey"}}
    assert_error(author.post(f"{BASE}/updates/", {**body, "new_status": "completed"}, format="json"), 400, "invalid",
                 "new_status")  # fmt: skip
    response = author.post(f"{BASE}/updates/", body, format="json")
    assert response.status_code == 201, response.content
    assert (response.json()["actual_value"], response.json()["activity"], response.json()["unit_code"]) == (
        value.pk, None, "DEPT-A",
    )  # fmt: skip
    assert [u["id"] for u in author.get(f"{BASE}/updates/", {"value": value.pk}).json()["results"]] == [
        response.json()["id"]
    ]
    outsider = client_for(user_with("other", tree.dept_b, "manager"))
    assert_error(outsider.post(url + "submit/", {"version": 6}, format="json"), 404, "not_found")


# --- locked periods -------------------------------------------------------------------------------------------------


def test_locked_periods_refuse_update_and_value_changes_until_a_manager_unlocks(tree, plan, contributor, manager):
    activity = make_activity(tree.dept_a, "Survey")
    update = make_update(activity=activity, date=dt.date(2025, 3, 1))
    below = make_update(activity=make_activity(tree.div_a1, "Below"), date=dt.date(2025, 4, 1))
    value = value_of(plan["indicator"], tree.dept_a)
    author = client_for(contributor)
    reviewer = client_for(manager)

    body = {"unit": tree.dept_a.pk, "period_start": "2025-01-01", "period_end": "2025-06-30",
            "reason": "Half-year report sent"}  # fmt: skip
    assert_error(author.post(f"{RESULTS}/locks/", body, format="json"), 403, "permission_denied")
    assert_error(reviewer.post(f"{RESULTS}/locks/", {**body, "reason": " "}, format="json"), 400, "invalid", "reason")
    response = reviewer.post(f"{RESULTS}/locks/", body, format="json")
    assert response.status_code == 201, response.content
    lock = response.json()
    assert (lock["unit_code"], lock["period_end"], lock["version"]) == ("DEPT-A", "2025-06-30", 1)
    assert [row["id"] for row in author.get(f"{RESULTS}/locks/").json()["results"]] == [lock["id"]]
    outsider = client_for(user_with("b-viewer", tree.dept_b, "viewer"))
    assert_error(outsider.get(f"{RESULTS}/locks/{lock['id']}/"), 404, "not_found")

    # Updates and values in the period (of the unit and the units under it) refuse edits and transitions.
    url = f"{BASE}/updates/{update.pk}/"
    for response in (
        author.patch(url, {"location": "Kigali"}, format="json", HTTP_IF_MATCH='"1"'),
        author.post(url + "submit/", {"version": 1}, format="json"),
        author.post(f"{BASE}/updates/{below.pk}/submit/", {"version": 1}, format="json"),
        author.post(f"{BASE}/updates/", {"activity": activity.pk, "date": "2025-05-05", "narrative": {"en": "x"}},
                    format="json"),
        author.post(f"{RESULTS}/values/{value.pk}/submit/", {"version": 1}, format="json"),
        author.patch(f"{RESULTS}/values/{value.pk}/", {"value": "7"}, format="json", HTTP_IF_MATCH='"1"'),
    ):  # fmt: skip
        error = assert_error(response, 400, "invalid", "period_start")
        assert "locked period" in error["fields"]["period_start"][0]
    # After the period, updates go on.
    later = author.post(f"{BASE}/updates/", {"activity": activity.pk, "date": "2025-07-01", "narrative": {"en": "x"}},
                        format="json")  # fmt: skip
    assert later.status_code == 201, later.content

    # Unlocking needs a manager and a reason.
    lock_url = f"{RESULTS}/locks/{lock['id']}/"
    assert_error(author.post(lock_url + "unlock/", {"reason": "fix", "version": 1}, format="json"), 403,
                 "permission_denied")  # fmt: skip
    assert_error(reviewer.post(lock_url + "unlock/", {"version": 1}, format="json"), 400, "invalid", "reason")
    assert_error(reviewer.post(lock_url + "unlock/", {"reason": "fix"}, format="json"), 428, "precondition_required")
    response = reviewer.post(lock_url + "unlock/", {"reason": "Correction of Q1 figures"}, format="json",
                             HTTP_IF_MATCH='"1"')  # fmt: skip
    assert response.status_code == 200, response.content
    assert response.json()["is_archived"] and response.json()["archive_reason"] == "Correction of Q1 figures"
    assert not PeriodLock.objects.exists()
    assert author.get(f"{RESULTS}/locks/").json()["count"] == 0
    assert author.get(f"{RESULTS}/locks/", {"include_archived": "true"}).json()["count"] == 1
    assert [e["action"] for e in author.get(lock_url + "history/").json()["results"]] == ["archive", "create"]
    assert author.post(url + "submit/", {"version": 1}, format="json").status_code == 200
    assert author.post(f"{RESULTS}/values/{value.pk}/submit/", {"version": 1}, format="json").status_code == 200


# --- evidence -------------------------------------------------------------------------------------------------------


@pytest.fixture
def media_root(settings, tmp_path):
    if MEDIA_MISSING:
        print("orbit.planning.media is missing: evidence upload tests skipped")
        pytest.skip("orbit.planning.media is not written yet")
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


def stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_evidence_upload_download_edit_and_scope(tree, contributor, sibling, media_root):
    activity = make_activity(tree.dept_a, "Training")
    update = make_update(activity=activity)
    client = client_for(contributor)
    events = Events(contributor)

    response = client.post(
        f"{BASE}/updates/{update.pk}/evidence/",
        {"file": png_upload("Dakar training.png", (640, 480)), "caption": "Teachers at work", "credit": "ITU/A. Diop",
         "taken_on": "2025-03-01", "location": "Dakar", "identifiable_people": "true"},
        format="multipart",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    evidence = response.json()
    assert response["Location"].endswith(f"{BASE}/evidence/{evidence['id']}/") and response["ETag"] == '"1"'
    assert (evidence["kind"], evidence["content_type"], evidence["width"], evidence["height"]) == (
        "photo", "image/png", 640, 480,
    )  # fmt: skip
    assert evidence["caption"] == {"en": "Teachers at work"} and evidence["original_name"] == "Dakar training.png"
    assert evidence["publishable"] is False and evidence["gps_kept"] is False
    assert evidence["thumbnail_url"] and evidence["file_url"].endswith(f"/evidence/{evidence['id']}/file/")
    assert [e.action for e in events.take()] == ["create"]
    assert len(stored_files(media_root)) == 2  # the file and its thumbnail

    download = client.get(evidence["file_url"])
    assert download.status_code == 200
    assert download["Content-Type"] == "image/png" and download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Disposition"].startswith("inline")
    assert b"".join(download.streaming_content).startswith(b"\x89PNG")
    attachment = client.get(evidence["file_url"], {"download": "1"}, HTTP_ACCEPT="image/png")
    assert attachment.status_code == 200 and attachment["Content-Disposition"].startswith("attachment")
    thumbnail = client.get(evidence["thumbnail_url"], HTTP_ACCEPT="image/*")
    assert thumbnail.status_code == 200 and thumbnail["Content-Type"] in ("image/jpeg", "image/png")

    # The update shows its evidence; the metadata is edited with a version; a JSON caption keeps its languages.
    assert [e["id"] for e in client.get(f"{BASE}/updates/{update.pk}/").json()["evidence"]] == [evidence["id"]]
    url = f"{BASE}/evidence/{evidence['id']}/"
    assert_error(client.patch(url, {"consent": True}, format="json"), 428, "precondition_required")
    response = client.patch(url, {"consent": True, "caption": {"en": "Teachers", "fr": "Enseignants"}}, format="json",
                            HTTP_IF_MATCH='"1"')  # fmt: skip
    assert response.status_code == 200, response.content
    assert response.json()["publishable"] is True and response.json()["caption_display"] == "Teachers"
    response = client.post(
        f"{BASE}/updates/{update.pk}/evidence/",
        {"file": png_upload("second.png"), "caption": json.dumps({"en": "Room", "fr": "Salle"})},
        format="multipart",
    )
    assert response.status_code == 201 and response.json()["caption"] == {"en": "Room", "fr": "Salle"}
    french = client_for(contributor, **{"Accept-Language": "fr"})
    third = {"file": png_upload("third.png"), "caption": "Salle de classe"}
    response = french.post(f"{BASE}/updates/{update.pk}/evidence/", third, format="multipart")
    assert response.status_code == 201 and response.json()["caption"] == {"fr": "Salle de classe"}

    # Out of scope: not found, file included (in JSON, whatever the client accepts).
    other = client_for(sibling)
    for path in (url, evidence["file_url"], evidence["thumbnail_url"]):
        assert_error(other.get(path), 404, "not_found")
    response = other.get(evidence["file_url"], HTTP_ACCEPT="image/png")
    assert response["Content-Type"] == "application/json"
    assert_error(response, 404, "not_found")
    assert_error(other.post(f"{BASE}/updates/{update.pk}/evidence/", {"file": png_upload()}, format="multipart"), 404,
                 "not_found")  # fmt: skip

    # Archived evidence leaves the update; a submitted update takes no more evidence.
    response = client.post(url + "archive/", {"reason": "blurred", "version": 2}, format="json")
    assert response.status_code == 200 and response.json()["is_archived"]
    assert evidence["id"] not in [e["id"] for e in client.get(f"{BASE}/updates/{update.pk}/").json()["evidence"]]
    move_update(update, "submit")
    response = client.post(f"{BASE}/updates/{update.pk}/evidence/", {"file": png_upload("late.png")},
                           format="multipart")  # fmt: skip
    assert_error(response, 400, "invalid", "status")


def test_refused_upload_answers_400_and_stores_nothing(tree, contributor, media_root):
    update = make_update(activity=make_activity(tree.dept_a, "Training"))
    client = client_for(contributor)
    before = last_seq()
    page = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
    response = client.post(
        f"{BASE}/updates/{update.pk}/evidence/",
        {"file": SimpleUploadedFile("holiday.jpg", page, content_type="image/jpeg"), "caption": "Beach"},
        format="multipart",
    )
    error = assert_error(response, 400, "invalid", "file")
    assert "holiday.jpg" in error["fields"]["file"][0]
    assert_error(client.post(f"{BASE}/updates/{update.pk}/evidence/", {"caption": "no file"}, format="multipart"), 400,
                 "invalid", "file")  # fmt: skip
    assert not Evidence.all_objects.exists()
    assert stored_files(media_root) == []
    assert last_seq() == before


# --- budgets: never mixing currencies -------------------------------------------------------------------------------


def test_budget_totals_are_per_currency_until_a_rate_converts_them(tree, contributor):
    activity = make_activity(tree.dept_a, "Connectivity")
    client = client_for(contributor)
    url = f"{BASE}/activities/{activity.pk}/budget/"
    lines = f"{BASE}/budget-lines/"

    for body in (
        {"source": "regular", "year": 2025, "currency": "CHF", "planned": "1000", "committed": "400", "spent": "250.5"},
        {"source": "extra_budgetary", "year": 2025, "currency": "USD", "planned": "500", "committed": "100"},
    ):
        response = client.post(lines, {"activity": activity.pk, **body}, format="json")
        assert response.status_code == 201, response.content
    usd_line = response.json()
    assert usd_line["planned"] == "500.00" and usd_line["spent"] == "0.00"
    assert_error(client.post(lines, {"activity": activity.pk, "source": "regular", "year": 2025, "currency": "XYZ"},
                             format="json"), 400, "invalid", "currency")  # fmt: skip
    assert_error(client.post(lines, {"activity": activity.pk, "source": "regular", "year": 2025, "planned": "-1"},
                             format="json"), 400, "invalid", "planned")  # fmt: skip
    assert_error(client.post(lines, {"activity": activity.pk, "source": "loan", "year": 2025}, format="json"), 400,
                 "invalid", "source")  # fmt: skip

    body = client.get(url).json()
    assert [(line["source"], line["currency"]) for line in body["lines"]] == [("extra_budgetary", "USD"),
                                                                            ("regular", "CHF")]
    totals = body["totals"]
    assert totals["base"] == "CHF"
    assert totals["by_currency"] == [
        {"currency": "CHF", "planned": "1000.00", "committed": "400.00", "spent": "250.50"},
        {"currency": "USD", "planned": "500.00", "committed": "100.00", "spent": "0.00"},
    ]
    assert totals["converted"] is None and totals["missing_rates"] == ["USD"] and totals["rates"] == []

    # Rates are recorded by administrators only.
    rate = {"currency": "usd", "rate": "0.9", "valid_from": "2024-01-01", "source": "UN operational rates"}
    assert_error(client.post(f"{BASE}/exchange-rates/", rate, format="json"), 403, "permission_denied")
    admin = user_with("plan-admin", tree.bdt, "admin")
    response = client_for(admin).post(f"{BASE}/exchange-rates/", rate, format="json")
    assert response.status_code == 201, response.content
    assert (response.json()["currency"], response.json()["base"], response.json()["rate"]) == ("USD", "CHF", "0.9")
    assert_error(client_for(admin).post(f"{BASE}/exchange-rates/", {**rate, "currency": "CHF"}, format="json"), 400,
                 "invalid", "currency")  # fmt: skip
    assert [r["currency"] for r in client.get(f"{BASE}/exchange-rates/").json()["results"]] == ["USD"]

    totals = client.get(url).json()["totals"]
    assert totals["by_currency"][1]["planned"] == "500.00"  # still kept apart
    assert totals["converted"] == {"planned": "1450.00", "committed": "490.00", "spent": "250.50"}
    assert totals["rates"] == [{"currency": "USD", "rate": "0.9", "valid_from": "2024-01-01"}]
    assert totals["missing_rates"] == []

    # Lines are edited with a version and archived out of the totals.
    line_url = f"{lines}{usd_line['id']}/"
    response = client.patch(line_url, {"planned": "600"}, format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 200 and response.json()["planned"] == "600.00"
    assert client.get(url).json()["totals"]["converted"]["planned"] == "1540.00"
    response = client.post(line_url + "archive/", {"reason": "cancelled grant", "version": 2}, format="json")
    assert response.status_code == 200 and response.json()["is_archived"]
    totals = client.get(url).json()["totals"]
    assert [t["currency"] for t in totals["by_currency"]] == ["CHF"]
    assert totals["converted"] == {"planned": "1000.00", "committed": "400.00", "spent": "250.50"}
    assert [line["currency"] for line in client.get(lines, {"activity": activity.pk}).json()["results"]] == ["CHF"]
    assert client.get(lines, {"activity": activity.pk, "include_archived": "true"}).json()["count"] == 2
    assert_error(client_for(user_with("b-view", tree.dept_b, "viewer")).get(line_url), 404, "not_found")


# --- milestones and initiatives -------------------------------------------------------------------------------------


def test_milestones_crud_and_scope(tree, contributor, viewer, sibling):
    activity = make_activity(tree.dept_a, "Study")
    client = client_for(contributor)
    response = client.post(f"{BASE}/milestones/", {"activity": activity.pk, "title": {"en": "Draft report"},
                                                   "due_date": "2025-05-31"}, format="json")  # fmt: skip
    assert response.status_code == 201, response.content
    milestone = response.json()
    url = f"{BASE}/milestones/{milestone['id']}/"
    assert milestone["activity"] == activity.pk and milestone["title_display"] == "Draft report"
    assert_error(client.post(f"{BASE}/milestones/", {"activity": activity.pk, "title": {"en": "x"}}, format="json"),
                 400, "invalid", "due_date")  # fmt: skip
    assert_error(client_for(viewer).post(f"{BASE}/milestones/", {"activity": activity.pk, "title": {"en": "x"},
                                                                 "due_date": "2025-06-01"}, format="json"), 403,
                 "permission_denied")  # fmt: skip
    response = client.patch(url, {"done_date": "2025-05-20"}, format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 200 and response.json()["done_date"] == "2025-05-20"
    assert_error(client.patch(url, {"done_date": None}, format="json", HTTP_IF_MATCH='"1"'), 409, "stale_version")
    assert [m["id"] for m in client_for(viewer).get(f"{BASE}/milestones/", {"activity": activity.pk}).json()[
        "results"]] == [milestone["id"]]  # fmt: skip
    assert_error(client_for(sibling).get(url), 404, "not_found")
    assert client_for(sibling).get(f"{BASE}/milestones/").json()["count"] == 0
    response = client.post(url + "archive/", {"reason": "dropped"}, format="json", HTTP_IF_MATCH='"2"')
    assert response.status_code == 200 and response.json()["is_archived"]
    assert client.get(f"{BASE}/milestones/", {"activity": activity.pk}).json()["count"] == 0


def test_initiatives_create_list_detail_update(tree, plan, manager, contributor, sibling):
    client = client_for(manager)
    body = {"code": "AFR3", "region": "AFR", "title": {"en": "Digital inclusion"}, "lead_unit": tree.dept_a.pk,
            "outputs": [plan["output"].pk]}  # fmt: skip
    assert_error(client_for(contributor).post(f"{BASE}/initiatives/", body, format="json"), 403, "permission_denied")
    assert_error(client.post(f"{BASE}/initiatives/", {**body, "region": "MARS"}, format="json"), 400, "invalid",
                 "region")  # fmt: skip
    response = client.post(f"{BASE}/initiatives/", body, format="json")
    assert response.status_code == 201, response.content
    initiative = response.json()
    url = f"{BASE}/initiatives/{initiative['id']}/"
    assert initiative["outputs"] == [plan["output"].pk] and initiative["lead_unit_code"] == "DEPT-A"
    record = RegionalInitiative.objects.get(pk=initiative["id"])
    mine = make_activity(tree.dept_a, "Ours", initiatives=[record])
    make_activity(tree.dept_b, "Theirs", initiatives=[record])

    listed = {row["code"]: row for row in client.get(f"{BASE}/initiatives/").json()["results"]}
    assert listed["AFR3"]["activity_count"] == 1  # only the activities the reader may read count
    assert client_for(sibling).get(f"{BASE}/initiatives/").json()["results"][0]["activity_count"] == 1
    detail = client.get(url).json()
    assert [a["code"] for a in detail["activities"]] == [mine.code] and detail["activity_count"] == 1
    chain = detail["chains"][0]
    assert chain["output"]["id"] == plan["output"].pk and chain["output"]["framework_code"] == "OP-A"
    assert client.get(url, HTTP_IF_NONE_MATCH='"1"').status_code == 304

    response = client.patch(url, {"title": {"en": "Digital inclusion for all"}, "outputs": []}, format="json",
                            HTTP_IF_MATCH='"1"')  # fmt: skip
    assert response.status_code == 200, response.content
    assert response.json()["outputs"] == [] and response["ETag"] == '"2"'
    assert_error(client_for(contributor).patch(url, {"title": {"en": "x"}}, format="json", HTTP_IF_MATCH='"2"'), 403,
                 "permission_denied")  # fmt: skip


# --- review queue and my work ---------------------------------------------------------------------------------------


def test_review_queue_and_my_work(tree, plan, contributor, manager):
    activity = make_activity(tree.dept_a, "Field visits", staff=[contributor], status="ongoing",
                             actual_start=dt.date(2025, 1, 15))  # fmt: skip
    draft = make_update(activity=activity, author=contributor, text="Draft")
    waiting = move_update(make_update(activity=activity, author=contributor, text="Waiting"), "submit")
    value = value_of(plan["indicator"], tree.dept_a)
    with audit_context(source="cli", reason="test data"):
        from orbit.results.services import actual_transition

        actual_transition(actor=get_system_actor(), actual=value, action="submit", expected_version=1)

    queue = client_for(manager).get(f"{BASE}/review-queue/").json()
    assert [u["id"] for u in queue["updates"]] == [waiting.pk]
    assert queue["updates"][0]["author_username"] == contributor.username
    assert [v["id"] for v in queue["values"]] == [value.pk] and queue["values"][0]["indicator_code"] == "I1"
    assert client_for(contributor).get(f"{BASE}/review-queue/").json() == {"updates": [], "values": []}

    work = client_for(contributor).get(f"{BASE}/my-work/").json()
    assert [a["code"] for a in work["activities"]] == [activity.code]
    assert [u["id"] for u in work["drafts"]] == [draft.pk]
    assert [u["id"] for u in work["submitted"]] == [waiting.pk]
    assert work["review_updates"] == [] and work["review_values"] == []
    managed = client_for(manager).get(f"{BASE}/my-work/").json()
    assert [u["id"] for u in managed["review_updates"]] == [waiting.pk]
    assert APIClient().get(f"{BASE}/my-work/").status_code == 401
