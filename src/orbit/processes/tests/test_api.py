"""The process inventory API: processes with versions and rights, what hangs from them, dependencies and impact
analysis, the graph in JSON and SVG, BPMN uploads previewed then applied, scoring rounds with quick wins,
submissions, dictionaries, the APQC taxonomy, list and detail queries that do not grow, and the schema."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
import yaml
from conftest import shared_path
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from orbit.core.context import audit_context
from orbit.governance.models import AuditEvent
from orbit.organisation.services import system_actor
from orbit.organisation.tests.factories import grant, make_user
from orbit.processes import apqc, services
from orbit.processes.models import BpmnUpload, Dependency, Level, Process, ProcessParticipant
from orbit.results.tests.factories import make_framework, make_node

pytestmark = pytest.mark.django_db
BASE = "/api/processes"


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


def user_with(username: str, unit: Any, role: str) -> Any:
    user = make_user(username)
    grant(user, unit, role)
    return user


def last_seq() -> int:
    return AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


def make_process(unit: Any, name: str, **values: Any) -> Process:
    with audit_context(source="cli", reason="test data"):
        return services.process_create(actor=system_actor(), owner_unit=unit, name={"en": name}, **values)


def link(source: Process, target: Process, kind: str, **values: Any) -> Dependency:
    with audit_context(source="cli", reason="test data"):
        return services.dependency_create(actor=system_actor(), source=source, target=target, kind=kind, **values)


def entry(dictionary: str, code: str) -> Any:
    with audit_context(source="cli", reason="test data"):
        return services.dictionary_entry_create(
            actor=system_actor(), dictionary=dictionary, code=code, name={"en": code.title()}
        )


@pytest.fixture
def manager(tree):
    return user_with("proc-manager", tree.dept_a, "manager")


@pytest.fixture
def contributor(tree):
    return user_with("proc-contributor", tree.dept_a, "contributor")


@pytest.fixture
def viewer(tree):
    return user_with("proc-viewer", tree.dept_a, "viewer")


@pytest.fixture
def sibling(tree):
    """A contributor of DEPT-B, the sibling of DEPT-A."""
    return user_with("proc-sibling", tree.dept_b, "contributor")


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


# --- processes: CRUD, versions, rights --------------------------------------------------------------------------


def test_process_crud_with_versions_history_and_rights(tree, contributor, viewer, sibling):
    erp = entry("it_systems", "ERP")
    invoice = entry("records", "INVOICE")
    client = client_for(contributor)
    before = last_seq()
    body = {
        "name": {"en": "Procure goods", "fr": "Acheter des biens"},
        "description": {"en": "From request to payment."},
        "owner_unit": tree.dept_a.pk,
        "level": 3,
        "nature": "support",
        "digitisation": "partly_digital",
        "it_systems": [erp.pk, erp.pk],
        "records": [invoice.pk],
        "cost_per_case": "120.50",
        "currency": "CHF",
        "yearly_volume": 4000,
    }
    response = client.post(f"{BASE}/processes/", body, format="json")
    assert response.status_code == 201, response.content
    created = response.json()
    url = f"{BASE}/processes/{created['id']}/"
    assert response["ETag"] == '"1"' and response["Location"].endswith(url)
    assert created["code"] == "DEPT-A-P001" and created["owner_unit_code"] == "DEPT-A"
    assert created["name"] == body["name"] and created["name_display"] == "Procure goods"
    assert (created["nature"], created["digitisation"], created["transformation_status"]) == (
        "support", "partly_digital", "documented",
    )  # fmt: skip
    assert [s["code"] for s in created["it_systems"]] == ["ERP"]
    assert [r["code"] for r in created["records"]] == ["INVOICE"]
    assert created["cost_per_case"] == "120.5" and created["yearly_volume"] == 4000
    for key in ("participants", "change_windows", "impacts", "kpis", "dependencies_in", "dependencies_out"):
        assert created[key] == [], key
    assert created["pcf"] is None
    events = list(AuditEvent.objects.filter(seq__gt=before))
    assert [(e.action, e.source, e.actor_id) for e in events] == [("create", "api", contributor.pk)]
    french = client_for(contributor, **{"Accept-Language": "fr"}).get(url).json()
    assert french["name_display"] == "Acheter des biens"

    # Conditional read; writes without a version: 428; a stale one: 409 with what changed since.
    assert client.get(url, HTTP_IF_NONE_MATCH='"1"').status_code == 304
    assert_error(client.patch(url, {"nature": "core"}, format="json"), 428, "precondition_required")
    response = client.patch(url, {"pain_points": "Three signatures on paper."}, format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 200, response.content
    assert response["ETag"] == '"2"' and response.json()["pain_points"] == "Three signatures on paper."
    error = assert_error(
        client.patch(url, {"nature": "core"}, format="json", HTTP_IF_MATCH='"1"'), 409, "stale_version"
    )
    assert error["current_version"] == 2
    assert error["changes_since"][0]["changes"]["pain_points"][1] == "Three signatures on paper."
    response = client.patch(url, {"nature": "core", "records": [], "version": 2}, format="json")
    assert response.status_code == 200 and response.json()["version"] == 3
    assert response.json()["nature"] == "core" and response.json()["records"] == []

    # Invalid input names the field and writes nothing.
    seq = last_seq()
    for change, field in (
        ({"level": 9}, "level"),
        ({"nature": "magic"}, "nature"),
        ({"name": {"xx": "?"}}, "name"),
        ({"currency": ""}, "currency"),  # amounts need their currency
        ({"parent": 999999}, "parent"),
        ({"it_systems": [999999]}, "it_systems"),
        ({"process_owner": sibling.pk + 1000}, "process_owner"),
        ({"yearly_volume": -1}, "yearly_volume"),
        ({"cycle_time_days": "soon"}, "cycle_time_days"),
        ({"owner_unit": tree.dept_b.pk}, "owner_unit"),  # a unit outside the writer's scope does not exist
    ):
        assert_error(client.patch(url, change, format="json", HTTP_IF_MATCH='"3"'), 400, "invalid", field)
    assert last_seq() == seq

    # Rights: every member reads the inventory; a viewer may not write; another unit's contributor sees DEPT-A's
    # process but may not change it.
    assert client_for(viewer).get(f"{BASE}/processes/").json()["count"] == 1
    assert_error(client_for(viewer).patch(url, {"nature": "core"}, format="json", HTTP_IF_MATCH='"3"'), 403,
                 "permission_denied")  # fmt: skip
    assert_error(client_for(viewer).post(f"{BASE}/processes/", body, format="json"), 403, "permission_denied")
    other = client_for(sibling)
    assert other.get(url).status_code == 200
    assert other.get(f"{BASE}/processes/").json()["count"] == 1
    assert_error(other.patch(url, {"nature": "core"}, format="json", HTTP_IF_MATCH='"3"'), 403, "permission_denied")
    assert_error(other.post(url + "archive/", {"reason": "x", "version": 3}, format="json"), 403,
                 "permission_denied")  # fmt: skip
    assert_error(other.post(f"{BASE}/processes/", body, format="json"), 400, "invalid", "owner_unit")
    nobody = client_for(make_user("no-role"))
    assert_error(nobody.get(f"{BASE}/processes/"), 403, "permission_denied")
    assert APIClient().get(f"{BASE}/processes/").status_code == 401
    assert last_seq() == seq

    # Archive and restore, then the history, newest first.
    assert_error(client.post(url + "archive/", {"version": 3}, format="json"), 400, "invalid", "reason")
    response = client.post(url + "archive/", {"reason": "merged into another", "version": 3}, format="json")
    assert response.status_code == 200 and response.json()["is_archived"]
    assert client.get(f"{BASE}/processes/").json()["count"] == 0
    assert client.get(f"{BASE}/processes/", {"archived": "true"}).json()["count"] == 1
    assert client.get(url).status_code == 200  # archived ones are still read one by one
    response = client.post(url + "restore/", {}, format="json", HTTP_IF_MATCH='"4"')
    assert response.status_code == 200 and not response.json()["is_archived"]
    history = client.get(url + "history/").json()["results"]
    assert [e["action"] for e in history] == ["restore", "archive", "update", "update", "create"]
    for path in ("abc", "99999999999999999999", "-1"):
        assert_error(client.get(f"{BASE}/processes/{path}/"), 404, "not_found")


def test_process_list_filters(tree, viewer):
    paper = make_process(tree.dept_a, "Issue visas", nature="core", digitisation="paper")
    group = make_process(tree.dept_a, "Travel", level=Level.PROCESS_GROUP, nature="support")
    digital = make_process(tree.dept_b, "Book rooms", nature="support", digitisation="digital",
                           transformation_status="assessed")  # fmt: skip
    client = client_for(viewer)

    def codes(**params: Any) -> list[str]:
        response = client.get(f"{BASE}/processes/", params)
        assert response.status_code == 200, response.content
        return [row["code"] for row in response.json()["results"]]

    assert codes() == sorted([paper.code, group.code, digital.code])
    assert codes(unit=tree.dept_b.pk) == [digital.code]
    assert codes(level=2) == [group.code]
    assert codes(nature="support") == sorted([group.code, digital.code])
    assert codes(digitisation="paper", nature="core") == [paper.code]
    assert codes(status="assessed") == [digital.code]
    assert codes(q="visas") == [paper.code]
    assert codes(q=digital.code.lower()) == [digital.code]
    assert codes(impact="none") == sorted([paper.code, group.code, digital.code])
    page = client.get(f"{BASE}/processes/", {"page_size": 2}).json()
    assert page["count"] == 3 and len(page["results"]) == 2 and page["next"]
    for params, field in (
        ({"level": "six"}, "level"),
        ({"level": 0}, "level"),
        ({"nature": "odd"}, "nature"),
        ({"status": "done"}, "status"),
        ({"unit": "DEPT-A"}, "unit"),
        ({"unit": 2**70}, "unit"),
    ):
        assert_error(client.get(f"{BASE}/processes/", params), 400, "invalid", field)


def test_process_list_and_detail_read_5_and_40_in_the_same_number_of_queries(
    tree, viewer, django_assert_max_num_queries
):
    erp = entry("it_systems", "ERP")
    roles = [entry("roles", f"CLERK-{k}") for k in range(41)]
    hub = {}
    for unit, n in ((tree.dept_b, 5), (tree.div_a1, 40)):
        processes = [make_process(unit, f"Process {k}", it_systems=[erp]) for k in range(n)]
        centre = processes[0]
        with audit_context(source="cli", reason="test data"):
            for k, other in enumerate([*processes[1:], make_process(unit, "Extra")]):
                services.dependency_create(actor=system_actor(), source=centre, target=other, kind="hands_over")
                services.dependency_create(actor=system_actor(), source=other, target=centre, kind="shares_data")
                services.participant_add(actor=system_actor(), process=centre, raci="C", role=roles[k])
                services.change_window_add(actor=system_actor(), process=centre, kind="freeze",
                                           start=dt.date(2025, 1, 1 + k % 28), end=dt.date(2025, 12, 31))  # fmt: skip
        hub[n] = centre
    client = client_for(viewer)

    list_counts, detail_counts = [], []
    for unit, n in ((tree.dept_b, 5), (tree.div_a1, 40)):
        with django_assert_max_num_queries(8), CaptureQueriesContext(connection) as ctx:
            response = client.get(f"{BASE}/processes/", {"unit": unit.pk})
        assert response.status_code == 200
        assert response.json()["count"] == n + 1
        list_counts.append(len(ctx.captured_queries))
        with django_assert_max_num_queries(25), CaptureQueriesContext(connection) as ctx:
            response = client.get(f"{BASE}/processes/{hub[n].pk}/")
        assert response.status_code == 200
        body = response.json()
        assert len(body["dependencies_out"]) == n and len(body["dependencies_in"]) == n
        assert len(body["participants"]) == n and len(body["change_windows"]) == n
        assert body["participants"][0]["role_code"] == "CLERK-0"
        assert body["dependencies_in"][0]["source_unit_code"] == unit.code
        detail_counts.append(len(ctx.captured_queries))
    print(f"process list: {list_counts} queries; process detail: {detail_counts} queries")
    assert list_counts[0] == list_counts[1], list_counts
    assert detail_counts[0] == detail_counts[1], detail_counts


# --- what hangs from a process ------------------------------------------------------------------------------------


def test_participants_windows_impacts_and_kpis(tree, contributor, manager, viewer):
    process = make_process(tree.dept_a, "Recruit staff")
    role = entry("roles", "HR-OFFICER")
    client = client_for(contributor)
    url = f"{BASE}/processes/{process.pk}/"

    response = client.post(url + "participants/", {"role": role.pk, "raci": "A", "note": "Signs"}, format="json")
    assert response.status_code == 201, response.content
    participant = response.json()
    assert (participant["role_code"], participant["raci"], participant["process"]) == ("HR-OFFICER", "A", process.pk)
    response = client.post(url + "participants/", {"unit": tree.dept_b.pk, "raci": "I"}, format="json")
    assert response.status_code == 201 and response.json()["unit_code"] == "DEPT-B"
    assert_error(client.post(url + "participants/", {"role": role.pk, "raci": "A"}, format="json"), 400, "invalid",
                 "raci")  # fmt: skip
    assert_error(client.post(url + "participants/", {"raci": "R"}, format="json"), 400, "invalid", "role")
    assert_error(client.post(url + "participants/", {"role": 999999}, format="json"), 400, "invalid", "role")
    assert_error(client.post(url + "participants/", {"role": role.pk, "raci": "Z"}, format="json"), 400, "invalid",
                 "raci")  # fmt: skip
    assert_error(client_for(viewer).post(url + "participants/", {"role": role.pk}, format="json"), 403,
                 "permission_denied")  # fmt: skip
    assert [p["raci"] for p in client.get(url).json()["participants"]] == ["A", "I"]

    removal = f"{url}participants/{participant['id']}/"
    assert_error(client.delete(removal, {}, format="json"), 400, "invalid", "reason")
    response = client.delete(removal, {"reason": "Role merged"}, format="json")
    assert response.status_code == 200 and response.json()["is_archived"]
    assert [p["raci"] for p in client.get(url).json()["participants"]] == ["I"]
    assert_error(client.delete(removal, {"reason": "again"}, format="json"), 404, "not_found")
    assert_error(client.delete(f"{url}participants/abc/", {"reason": "x"}, format="json"), 404, "not_found")
    assert ProcessParticipant.all_objects.filter(pk=participant["id"]).exists()  # archived, never deleted

    window = {"kind": "freeze", "start": "2025-09-01", "end": "2025-08-01", "note": "Conference"}
    assert_error(client.post(url + "windows/", window, format="json"), 400, "invalid", "end")
    assert_error(client.post(url + "windows/", {**window, "kind": "maybe"}, format="json"), 400, "invalid", "kind")
    response = client.post(url + "windows/", {**window, "end": "2025-10-31"}, format="json")
    assert response.status_code == 201 and response.json()["kind"] == "freeze"
    window_id = response.json()["id"]
    assert [w["note"] for w in client.get(url).json()["change_windows"]] == ["Conference"]
    response = client.delete(f"{url}windows/{window_id}/?reason=Conference+moved")
    assert response.status_code == 200 and response.json()["is_archived"]

    framework = make_framework(tree.dept_a, "OP-A")
    node = make_node(framework, "Output 1")
    response = client.post(url + "impacts/", {"node": node.pk, "rating": 3, "note": "Core"}, format="json")
    assert response.status_code == 200, response.content
    impact = response.json()
    assert (impact["rating"], impact["framework_code"], impact["node_title_display"]) == (3, "OP-A", "Output 1")
    response = client.post(url + "impacts/", {"node": node.pk, "rating": 1}, format="json")
    assert response.status_code == 200 and response.json()["id"] == impact["id"]
    assert [i["rating"] for i in client.get(url).json()["impacts"]] == [1]
    assert_error(client.post(url + "impacts/", {"node": node.pk, "rating": 4}, format="json"), 400, "invalid",
                 "rating")  # fmt: skip
    assert_error(client.post(url + "impacts/", {"node": 999999, "rating": 2}, format="json"), 400, "invalid", "node")

    kpi = {"code": "TTH", "title": {"en": "Days to hire"}, "unit_label": "days", "baseline_value": "90",
           "target_value": "60", "target_year": 2026}  # fmt: skip
    assert_error(client.post(url + "kpis/", kpi, format="json"), 403, "permission_denied")  # targets: managers
    assert_error(client_for(manager).post(url + "kpis/", {**kpi, "target_year": "next"}, format="json"), 400,
                 "invalid", "target_year")  # fmt: skip
    response = client_for(manager).post(url + "kpis/", kpi, format="json")
    assert response.status_code == 201, response.content
    indicator = response.json()["indicator"]
    assert (indicator["code"], indicator["direction"], indicator["baseline_value"]) == ("TTH", "decrease", "90")
    assert [(t["period_start"], t["value"]) for t in indicator["targets"]] == [("2026-01-01", "60")]
    assert [k["indicator"]["code"] for k in client.get(url).json()["kpis"]] == ["TTH"]


# --- dependencies, impact analysis and the graph ----------------------------------------------------------------------


@pytest.fixture
def small_graph(tree):
    """A hands over to B, B calls C, C hands over to D, D hands over to B (a cycle B-C-D), E shares data with B,
    F messages A."""
    names = "ABCDEF"
    p = {name: make_process(tree.dept_a if name < "E" else tree.dept_b, f"Step {name}") for name in names}
    link(p["A"], p["B"], "hands_over")
    link(p["B"], p["C"], "calls")
    link(p["C"], p["D"], "hands_over")
    link(p["D"], p["B"], "hands_over")
    link(p["E"], p["B"], "shares_data")
    link(p["F"], p["A"], "messages")
    return p


def test_impact_distances_kinds_via_and_cycles(tree, small_graph, viewer):
    p = small_graph
    client = client_for(viewer)
    name = {process.pk: key for key, process in p.items()}

    def impact(key: str, **params: Any) -> dict[str, Any]:
        response = client.get(f"{BASE}/processes/{p[key].pk}/impact/", params)
        assert response.status_code == 200, response.content
        return response.json()

    def rows(items: list[dict[str, Any]]) -> list[tuple[str, int, list[str], str]]:
        return [(name[r["id"]], r["distance"], r["kinds"], name[r["via"]]) for r in items]

    # Worked out by hand from the edges above: downstream follows directed edges forwards and shared data both
    # ways; upstream follows directed edges backwards and shared data both ways.
    full = impact("B")
    assert full["process"]["code"] == p["B"].code
    assert rows(full["downstream"]) == [("C", 1, ["calls"], "B"), ("E", 1, ["shares_data"], "B"),
                                        ("D", 2, ["hands_over"], "C")]  # fmt: skip
    assert rows(full["upstream"]) == [
        ("A", 1, ["hands_over"], "B"), ("D", 1, ["hands_over"], "B"), ("E", 1, ["shares_data"], "B"),
        ("C", 2, ["hands_over"], "D"), ("F", 2, ["messages"], "A"),
    ]  # fmt: skip
    assert [[name[c["id"]] for c in cycle] for cycle in full["cycles"]] == [["B", "C", "D"]]
    reached_e = next(r for r in full["downstream"] if r["id"] == p["E"].pk)
    assert (reached_e["owner_unit_code"], reached_e["name"]) == ("DEPT-B", {"en": "Step E"})

    limited = impact("B", kinds="hands_over,calls", max_distance=1)
    assert limited["kinds"] == ["hands_over", "calls"] and limited["max_distance"] == 1
    assert rows(limited["downstream"]) == [("C", 1, ["calls"], "B")]
    assert rows(limited["upstream"]) == [("A", 1, ["hands_over"], "B"), ("D", 1, ["hands_over"], "B")]
    assert [[name[c["id"]] for c in cycle] for cycle in limited["cycles"]] == [["B", "C", "D"]]

    hand_overs = impact("B", kinds="hands_over")
    assert hand_overs["downstream"] == [] and hand_overs["cycles"] == []  # B calls C: no hand-over leaves B
    assert rows(hand_overs["upstream"]) == [("A", 1, ["hands_over"], "B"), ("D", 1, ["hands_over"], "B"),
                                            ("C", 2, ["hands_over"], "D")]  # fmt: skip
    assert rows(impact("A", kinds="messages", max_distance=3)["upstream"]) == [("F", 1, ["messages"], "A")]
    assert impact("F")["upstream"] == [] and len(impact("F")["downstream"]) == 5  # A, then B, then C, E, then D

    url = f"{BASE}/processes/{p['B'].pk}/impact/"
    assert_error(client.get(url, {"kinds": "hands_over,teleports"}), 400, "invalid", "kinds")
    assert_error(client.get(url, {"max_distance": 0}), 400, "invalid", "max_distance")
    assert_error(client.get(url, {"max_distance": "far"}), 400, "invalid", "max_distance")
    assert_error(client.get(f"{BASE}/processes/999999/impact/"), 404, "not_found")


def test_graph_json_and_svg(tree, small_graph, viewer):
    p = small_graph
    client = client_for(viewer)
    name = {process.pk: key for key, process in p.items()}
    response = client.get(f"{BASE}/graph/")
    assert response.status_code == 200, response.content
    body = response.json()
    nodes = {name[n["id"]]: n for n in body["nodes"]}
    assert set(nodes) == set("ABCDEF") and nodes["E"]["unit_code"] == "DEPT-B"
    assert nodes["A"]["status"] == "documented" and nodes["A"]["code"] == p["A"].code
    # Waves by hand: F and E (nothing feeds them), then A, then the cycle B-C-D as one step.
    assert [sorted(name[pk] for pk in wave) for wave in body["waves"]] == [["E", "F"], ["A"], ["B", "C", "D"]]
    assert {key: nodes[key]["wave"] for key in "ABCDEF"} == {"A": 1, "B": 2, "C": 2, "D": 2, "E": 0, "F": 0}
    assert [[name[pk] for pk in cycle] for cycle in body["cycles"]] == [["B", "C", "D"]]
    edges = {(name[e["source"]], name[e["target"]], e["kind"]) for e in body["edges"]}
    assert len(body["edges"]) == 6 and ("E", "B", "shares_data") in edges and body["truncated"] is False
    only_b = client.get(f"{BASE}/graph/", {"unit": tree.dept_b.pk}).json()
    assert {name[n["id"]] for n in only_b["nodes"]} == {"E", "F"} and only_b["edges"] == []

    response = client.get(f"{BASE}/graph.svg")
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("image/svg+xml")
    root = ElementTree.fromstring(response.content)  # noqa: S314 (our own output)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    text = response.content.decode()
    assert all(process.code in text for process in p.values()) and "<script" not in text
    by_wave = client.get(f"{BASE}/graph.svg", {"group_by": "wave", "unit": tree.dept_a.pk}, HTTP_ACCEPT="image/svg+xml")
    assert by_wave.status_code == 200 and by_wave["Content-Type"].startswith("image/svg+xml")
    assert p["A"].code in by_wave.content.decode() and p["E"].code not in by_wave.content.decode()
    response = client.get(f"{BASE}/graph.svg", {"group_by": "colour"}, HTTP_ACCEPT="image/svg+xml")
    assert response["Content-Type"] == "application/json"
    assert_error(response, 400, "invalid", "group_by")
    assert_error(client.get(f"{BASE}/graph/", {"unit": "x"}), 400, "invalid", "unit")
    assert client_for(make_user("no-role-graph")).get(f"{BASE}/graph.svg").status_code == 403


def test_graph_svg_of_a_process_impact_marks_what_a_change_reaches(tree, small_graph, viewer):
    p = small_graph
    client = client_for(viewer)
    name = {process.pk: key for key, process in p.items()}
    impact = client.get(f"{BASE}/processes/{p['A'].pk}/impact/", {"kinds": "hands_over,calls,messages"}).json()
    downstream = {name[r["id"]] for r in impact["downstream"]}
    upstream = {name[r["id"]] for r in impact["upstream"]}
    assert downstream == {"B", "C", "D"} and upstream == {"F"}  # by hand: E only shares data, left out

    response = client.get(f"{BASE}/graph.svg", {"process": p["A"].pk, "kinds": "hands_over,calls,messages"})
    assert response.status_code == 200, response.content
    root = ElementTree.fromstring(response.content)  # noqa: S314 (our own output)
    marks: dict[str, str] = {}
    for node in root.iter("{http://www.w3.org/2000/svg}a"):
        classes = set((node.get("class") or "").split())
        if "node" in classes:
            mark = classes & {"focus", "downstream", "upstream"}
            marks[name[int(node.get("data-id") or 0)]] = mark.pop() if mark else ""
    assert marks == {"A": "focus", "B": "downstream", "C": "downstream", "D": "downstream", "F": "upstream"}
    assert p["A"].code in root.findtext("{http://www.w3.org/2000/svg}title", "")

    # One step only: D (three steps away) is not drawn.
    near = ElementTree.fromstring(  # noqa: S314 (our own output)
        client.get(f"{BASE}/graph.svg", {"process": p["A"].pk, "max_distance": 1}).content
    )
    drawn = {name[int(a.get("data-id") or 0)] for a in near.iter("{http://www.w3.org/2000/svg}a") if a.get("data-id")}
    assert "D" not in drawn and {"A", "B", "F"} <= drawn

    assert_error(client.get(f"{BASE}/graph.svg", {"process": p["A"].pk, "kinds": "teleports"}), 400, "invalid", "kinds")
    assert client.get(f"{BASE}/graph.svg", {"process": 987654321}).status_code == 404


def test_dependencies_crud_filters_and_rights(tree, contributor, sibling):
    a = make_process(tree.dept_a, "Plan")
    b = make_process(tree.dept_a, "Do")
    foreign = make_process(tree.dept_b, "Check")
    client = client_for(contributor)
    body = {"source": a.pk, "target": b.pk, "kind": "hands_over", "strength": 3, "note": "Plan goes to Do"}
    response = client.post(f"{BASE}/dependencies/", body, format="json")
    assert response.status_code == 201, response.content
    created = response.json()
    url = f"{BASE}/dependencies/{created['id']}/"
    assert response["ETag"] == '"1"' and response["Location"].endswith(url)
    assert (created["source_code"], created["target_code"], created["strength"]) == (a.code, b.code, 3)
    assert_error(client.post(f"{BASE}/dependencies/", body, format="json"), 400, "invalid", "kind")  # duplicate
    for change, field in (({"kind": "teleports"}, "kind"), ({"strength": 5}, "strength"),
                          ({"target": 999999}, "target"), ({"source": "one"}, "source")):  # fmt: skip
        assert_error(client.post(f"{BASE}/dependencies/", {**body, **change}, format="json"), 400, "invalid", field)
    # DEPT-A's contributor may point at DEPT-B's process, not start a dependency from it.
    response = client.post(f"{BASE}/dependencies/", {**body, "target": foreign.pk, "kind": "calls"}, format="json")
    assert response.status_code == 201
    assert_error(client.post(f"{BASE}/dependencies/", {**body, "source": foreign.pk, "target": a.pk}, format="json"),
                 403, "permission_denied")  # fmt: skip
    assert_error(client_for(sibling).patch(url, {"strength": 1}, format="json", HTTP_IF_MATCH='"1"'), 403,
                 "permission_denied")  # fmt: skip

    def targets(**params: Any) -> list[str]:
        response = client.get(f"{BASE}/dependencies/", params)
        assert response.status_code == 200, response.content
        return [row["target_code"] for row in response.json()["results"]]

    assert targets() == [b.code, foreign.code]
    assert targets(kind="calls") == [foreign.code]
    assert targets(target=b.pk) == [b.code] and targets(source=b.pk) == []
    assert_error(client.get(f"{BASE}/dependencies/", {"kind": "odd"}), 400, "invalid", "kind")

    response = client.patch(url, {"strength": 1}, format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 200 and response.json()["strength"] == 1 and response["ETag"] == '"2"'
    assert_error(client.patch(url, {"strength": 2}, format="json", HTTP_IF_MATCH='"1"'), 409, "stale_version")
    response = client.post(url + "archive/", {"reason": "No longer", "version": 2}, format="json")
    assert response.status_code == 200 and response.json()["is_archived"]
    assert targets() == [foreign.code]
    assert len(targets(include_archived="true")) == 2
    assert [e["action"] for e in client.get(url + "history/").json()["results"]] == ["archive", "update", "create"]


# --- BPMN uploads -------------------------------------------------------------------------------------------------


def bpmn_file(*parts: str) -> SimpleUploadedFile:
    path = shared_path("data", "bpm", "bpmn", *parts)
    return SimpleUploadedFile(Path(path).name, path.read_bytes(), content_type="application/octet-stream")


def test_camunda_pair_uploaded_previewed_then_applied(tree, contributor, sibling, viewer, media_root):
    client = client_for(contributor)
    files = [bpmn_file("camunda", "invoice.v2.bpmn"), bpmn_file("camunda", "reviewInvoice.bpmn")]
    response = client.post(f"{BASE}/bpmn-uploads/", {"files[]": files, "owner_unit": tree.dept_a.pk},
                           format="multipart")  # fmt: skip
    assert response.status_code == 201, response.content
    upload = response.json()
    url = f"{BASE}/bpmn-uploads/{upload['id']}/"
    assert response["Location"].endswith(url) and response["ETag"] == '"1"'
    assert upload["status"] == "previewed" and upload["report"]["ok"] is True
    assert [f["name"] for f in upload["files"]] == ["invoice.v2.bpmn", "reviewInvoice.bpmn"]
    assert all(set(f) == {"name", "sha256", "size"} for f in upload["files"])  # the storage path stays inside
    assert [(c["called_element"], c["status"]) for c in upload["report"]["calls"]] == [("ReviewInvoice", "resolved")]
    assert upload["report"]["counts"]["process"]["create"] == 2
    assert not Process.all_objects.exists()  # a preview changes nothing
    assert client.get(url).json()["report"] == upload["report"]
    # An upload is seen by those who may change its owner unit (who made it, or could have).
    assert_error(client_for(sibling).get(url), 404, "not_found")
    assert_error(client_for(viewer).post(url + "apply/", {"version": 1}, format="json"), 404, "not_found")

    assert_error(client.post(url + "apply/", {}, format="json"), 428, "precondition_required")
    response = client.post(url + "apply/", {}, format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "applied" and response.json()["applied_at"]
    invoice = Process.objects.get(import_key="bpmn:invoice.v2.bpmn#invoice")
    review = Process.objects.get(import_key="bpmn:reviewInvoice.bpmn#ReviewInvoice")
    assert invoice.owner_unit == tree.dept_a and invoice.level == Level.PROCESS
    calls = client.get(f"{BASE}/dependencies/", {"source": invoice.pk, "kind": "calls"}).json()["results"]
    assert [(d["target"], d["kind"]) for d in calls] == [(review.pk, "calls")]
    detail = client.get(f"{BASE}/processes/{invoice.pk}/").json()
    assert [d["target_code"] for d in detail["dependencies_out"]] == [review.code]
    assert {p["role_code"] for p in detail["participants"]} >= {"APPROVER", "TEAM-ASSISTANT"}
    assert len(detail["it_systems"]) == 1 and detail["children"]
    assert_error(client.post(url + "apply/", {"version": 2}, format="json"), 400, "invalid", "status")  # once only

    # The list: newest first, with counts and refusals but not the records; scoped as the detail is.
    client.post(f"{BASE}/bpmn-uploads/", {"files": [bpmn_file("bpmnjs", "malformed", "error_binary.png")],
                                          "owner_unit": tree.dept_a.pk}, format="multipart")  # fmt: skip
    listed = client.get(f"{BASE}/bpmn-uploads/").json()["results"]
    assert [(u["status"], u["owner_unit_code"]) for u in listed] == [("refused", "DEPT-A"), ("applied", "DEPT-A")]
    assert "report" not in listed[0] and listed[1]["counts"]["process"]["create"] == 2 and listed[1]["refused"] == []
    assert listed[0]["refused"] and listed[0]["refused"][0].startswith("error_binary.png: ")
    only_applied = client.get(f"{BASE}/bpmn-uploads/", {"status": "applied"}).json()["results"]
    assert [u["id"] for u in only_applied] == [upload["id"]]
    assert client_for(sibling).get(f"{BASE}/bpmn-uploads/").json()["results"] == []
    assert client_for(viewer).get(f"{BASE}/bpmn-uploads/").json()["results"] == []
    assert_error(client.get(f"{BASE}/bpmn-uploads/", {"status": "lost"}), 400, "invalid", "status")


@pytest.mark.parametrize("name", ["error_binary.png", "error_no-xml.txt", "error_missing-namespace.bpmn"])
def test_a_malformed_file_gives_a_refused_report_and_cannot_be_applied(tree, contributor, media_root, name):
    client = client_for(contributor)
    files = [bpmn_file("camunda", "reviewInvoice.bpmn"), bpmn_file("bpmnjs", "malformed", name)]
    response = client.post(f"{BASE}/bpmn-uploads/", {"files": files, "owner_unit": tree.dept_a.pk},
                           format="multipart")  # fmt: skip
    assert response.status_code == 201, response.content
    upload = response.json()
    assert upload["status"] == "refused" and upload["report"]["ok"] is False
    refused = [f for f in upload["report"]["files"] if f["refused"]]
    assert [f["name"] for f in refused] == [name] and name in refused[0]["refused"]
    response = client.post(f"{BASE}/bpmn-uploads/{upload['id']}/apply/", {"version": 1}, format="json")
    assert_error(response, 400, "invalid", "status")
    assert not Process.all_objects.exists()
    assert BpmnUpload.objects.get().status == BpmnUpload.Status.REFUSED


def test_upload_input_errors_answer_400_or_403(tree, contributor, viewer, media_root):
    client = client_for(contributor)
    assert_error(client.post(f"{BASE}/bpmn-uploads/", {"owner_unit": tree.dept_a.pk}, format="multipart"), 400,
                 "invalid", "files")  # fmt: skip
    review = bpmn_file("camunda", "reviewInvoice.bpmn")
    assert_error(client.post(f"{BASE}/bpmn-uploads/", {"files": [review]}, format="multipart"), 400, "invalid",
                 "owner_unit")  # fmt: skip
    twice = [bpmn_file("camunda", "reviewInvoice.bpmn"), bpmn_file("camunda", "reviewInvoice.bpmn")]
    assert_error(client.post(f"{BASE}/bpmn-uploads/", {"files": twice, "owner_unit": tree.dept_a.pk},
                             format="multipart"), 400, "invalid", "files")  # fmt: skip
    assert_error(client.post(f"{BASE}/bpmn-uploads/", {"files": "text", "owner_unit": tree.dept_a.pk},
                             format="json"), 400, "invalid", "files")  # fmt: skip
    response = client_for(viewer).post(
        f"{BASE}/bpmn-uploads/",
        {"files": [bpmn_file("camunda", "reviewInvoice.bpmn")], "owner_unit": tree.dept_a.pk},
        format="multipart",
    )
    assert_error(response, 403, "permission_denied")
    assert not BpmnUpload.objects.exists()
    assert_error(client.get(f"{BASE}/bpmn-uploads/999999/"), 404, "not_found")


# --- assessment rounds ----------------------------------------------------------------------------------------------


def test_scoring_through_the_api_ranks_and_flags_quick_wins(tree, manager, viewer, sibling):
    owner = make_user("owner-1")
    p1 = make_process(tree.dept_a, "Pay invoices", process_owner=owner)
    p2 = make_process(tree.dept_a, "Audit accounts", process_owner=owner)
    p3 = make_process(tree.dept_a, "Archive invoices", process_owner=owner)
    p4 = make_process(tree.dept_a, "Chase payments")  # no owner
    link(p1, p3, "hands_over")  # p1 feeds p3 and ranks higher: p3 waits for it
    client = client_for(manager)

    models = client.get(f"{BASE}/scoring-models/").json()
    assert [m["key"] for m in models] == ["value_effort", "wsjf", "rice"]
    assert [c["key"] for c in models[0]["criteria"]] == ["value", "effort"]
    assert models[1]["criteria"][0]["choices"] == ["1", "2", "3", "5", "8", "13", "20"]

    round_body = {"name": "2025 round", "owner_unit": tree.dept_a.pk, "model_key": "value_effort"}
    assert_error(client.post(f"{BASE}/rounds/", {**round_body, "model_key": "astrology"}, format="json"), 400,
                 "invalid", "model_key")  # fmt: skip
    bad_criteria = {**round_body, "model_key": "weighted", "criteria": [{"key": "x", "label": "X", "role": "value"}]}
    assert_error(client.post(f"{BASE}/rounds/", bad_criteria, format="json"), 400, "invalid", "criteria")
    assert_error(client_for(viewer).post(f"{BASE}/rounds/", round_body, format="json"), 403, "permission_denied")
    response = client.post(f"{BASE}/rounds/", round_body, format="json")
    assert response.status_code == 201, response.content
    round_ = response.json()
    url = f"{BASE}/rounds/{round_['id']}/"
    assert round_["status"] == "open" and round_["ranking"] == [] and round_["model"]["key"] == "value_effort"

    def score(process: Process, value: Any, effort: Any, who: APIClient = client) -> Any:
        body = {"process": process.pk, "answers": {"value": value, "effort": effort}}
        return who.post(url + "scores/", body, format="json")

    # Value ÷ effort: p1 9/2 = 4.5, p4 10/4 = 2.5, p3 6/3 = 2, p2 8/8 = 1.
    for process, value, effort in ((p1, 9, 2), (p2, 8, 8), (p3, "6", "3"), (p4, 10, 4.0)):
        response = score(process, value, effort)
        assert response.status_code == 200, response.content
    assert response.json()["total"] == "2.5" and response.json()["answers"] == {"value": "10", "effort": "4.0"}
    for value, effort, field in (("lots", 2, "answers.value"), (None, 2, "answers.value"), (5, 11, "answers.effort"),
                                 (True, 2, "answers.value"), ({"x": 1}, 2, "answers.value")):  # fmt: skip
        assert_error(score(p2, value, effort), 400, "invalid", field)
    assert_error(client.post(url + "scores/", {"process": p2.pk, "answers": [1, 2]}, format="json"), 400, "invalid",
                 "answers")  # fmt: skip
    assert_error(client.post(url + "scores/", {"process": 999999, "answers": {}}, format="json"), 400, "invalid",
                 "process")  # fmt: skip
    assert_error(score(p2, 5, 5, client_for(viewer)), 403, "permission_denied")
    assert_error(score(p2, 5, 5, client_for(sibling)), 403, "permission_denied")  # rounds are read by all

    detail = client.get(url).json()
    ranking = [(r["rank"], r["process"]["code"], r["total"], r["quick_win"]) for r in detail["ranking"]]
    assert ranking == [(1, p1.code, "4.5", True), (2, p4.code, "2.5", False), (3, p3.code, "2", False),
                       (4, p2.code, "1", False)]  # fmt: skip
    reasons = {r["process"]["code"]: r["reasons"] for r in detail["ranking"]}
    assert reasons[p1.code] == []
    assert reasons[p4.code] == ["No owner assigned."]
    assert reasons[p3.code] == ["Blocked upstream by: Pay invoices."]
    assert [b["code"] for b in detail["ranking"][2]["blocking"]] == [p1.code]
    assert reasons[p2.code] == ["Effort 8.00 is above 4, the most effort of a quick win."]
    assert (detail["ranking"][0]["value"], detail["ranking"][0]["effort"]) == ("9", "2")
    assert Process.objects.get(pk=p1.pk).transformation_status == "assessed"
    assert client.get(f"{BASE}/rounds/").json()["results"][0]["scored"] == 4

    # Scoring again replaces the answers; a closed round takes no more scores.
    response = score(p2, 9, 1)
    assert response.status_code == 200 and response.json()["total"] == "9" and response.json()["version"] == 2
    assert client.get(url).json()["ranking"][0]["process"]["code"] == p2.code
    assert_error(client.post(url + "close/", {}, format="json"), 428, "precondition_required")
    response = client.post(url + "close/", {"version": 1}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "closed"
    assert_error(score(p2, 5, 5), 400, "invalid", "round")


def test_bad_input_answers_400_or_404_never_500(tree, manager, media_root):
    process = make_process(tree.dept_a, "Pay invoices", process_owner=manager)
    client = client_for(manager)
    client.raise_request_exception = False  # a server error would come back as a 500 response, not an exception
    response = client.post(f"{BASE}/rounds/", {"name": "RICE", "owner_unit": tree.dept_a.pk, "model_key": "rice"},
                           format="json")  # fmt: skip
    scores = f"{BASE}/rounds/{response.json()['id']}/scores/"
    for answers in (
        {"reach": 10_000_000, "impact": 3, "confidence": 100, "effort": "1e-30"},  # a total beyond any column
        {"reach": 10**400, "impact": 3, "confidence": 100, "effort": 1},  # far out of range
        {"reach": 1.5e308, "impact": 3, "confidence": 100, "effort": 1},
    ):
        assert_error(client.post(scores, {"process": process.pk, "answers": answers}, format="json"), 400, "invalid")
    url = f"{BASE}/processes/{process.pk}/"
    assert_error(client.patch(url, "{not json", content_type="application/json", HTTP_IF_MATCH='"1"'), 400,
                 "parse_error")  # fmt: skip
    assert_error(client.patch(url, {"nature": "core"}, format="json", HTTP_IF_MATCH='W/"x"'), 400, "invalid",
                 "If-Match")  # fmt: skip
    assert_error(client.patch(url, {"parent": process.pk}, format="json", HTTP_IF_MATCH='"1"'), 400, "invalid",
                 "parent")  # fmt: skip
    for path in ("participants/99999999999999999999/", "windows/x/", "impacts/0/"):
        assert_error(client.delete(url + path, {"reason": "x"}, format="json"), 404, "not_found")
    assert_error(client.get(f"{BASE}/graph.svg", {"unit": "abc"}), 400, "invalid", "unit")
    assert_error(client.get(f"{BASE}/pcf/elements/", {"release": "latest"}), 400, "invalid", "release")
    assert_error(client.get(f"{BASE}/submissions/", {"mine": "maybe"}), 400, "invalid", "mine")
    assert_error(client.delete(url), 405, "method_not_allowed")  # records are archived, never deleted
    empty = SimpleUploadedFile("empty.bpmn", b"", content_type="application/octet-stream")
    response = client.post(f"{BASE}/bpmn-uploads/", {"files": [empty], "owner_unit": tree.dept_a.pk},
                           format="multipart")  # fmt: skip
    assert response.status_code == 201 and response.json()["status"] == "refused"
    assert response.json()["report"]["files"][0]["refused"]


# --- submissions ---------------------------------------------------------------------------------------------------


def test_submissions_created_by_any_member_and_reviewed_by_managers(tree, manager, contributor, viewer, sibling):
    author = client_for(viewer)
    body = {"kind": "pain_point", "title": "Travel claims on paper", "description": "Claims wait weeks.",
            "unit": tree.dept_a.pk}  # fmt: skip
    response = author.post(f"{BASE}/submissions/", body, format="json")
    assert response.status_code == 201, response.content
    submission = response.json()
    url = f"{BASE}/submissions/{submission['id']}/"
    assert (submission["status"], submission["submitted_by"], submission["unit_code"]) == ("new", viewer.pk, "DEPT-A")
    assert_error(author.post(f"{BASE}/submissions/", {**body, "kind": "rant"}, format="json"), 400, "invalid", "kind")
    assert_error(author.post(f"{BASE}/submissions/", {**body, "unit": 999999}, format="json"), 400, "invalid", "unit")
    assert_error(author.post(f"{BASE}/submissions/", {**body, "title": ""}, format="json"), 400, "invalid", "title")

    assert [s["id"] for s in author.get(f"{BASE}/submissions/", {"mine": "1"}).json()["results"]] == [submission["id"]]
    assert author.get(f"{BASE}/submissions/").json()["count"] == 0  # a viewer reviews nothing
    reviewer = client_for(manager)
    assert [s["id"] for s in reviewer.get(f"{BASE}/submissions/").json()["results"]] == [submission["id"]]
    assert author.get(url).status_code == 200
    assert_error(client_for(sibling).get(url), 404, "not_found")

    review = {"status": "merged", "outcome": "Added to the inventory.", "create_process": True}
    assert_error(reviewer.post(url + "review/", review, format="json"), 428, "precondition_required")
    # Only the submitter and the unit's managers see a submission: to a contributor it does not exist.
    assert_error(client_for(contributor).post(url + "review/", {**review, "version": 1}, format="json"), 404,
                 "not_found")  # fmt: skip
    assert_error(reviewer.post(url + "review/", {**review, "outcome": "", "version": 1}, format="json"), 400,
                 "invalid", "outcome")  # fmt: skip
    assert_error(reviewer.post(url + "review/", {**review, "status": "new", "version": 1}, format="json"), 400,
                 "invalid", "status")  # fmt: skip
    response = reviewer.post(url + "review/", review, format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 200, response.content
    reviewed = response.json()
    assert reviewed["status"] == "merged" and reviewed["merged_into_code"].startswith("DEPT-A-P")
    created = Process.objects.get(pk=reviewed["merged_into"])
    assert created.pain_points == "Claims wait weeks." and created.name == {"en": "Travel claims on paper"}
    assert_error(reviewer.post(url + "review/", {**review, "version": 2}, format="json"), 400, "invalid", "status")
    assert author.get(url).json()["outcome"] == "Added to the inventory."

    second = author.post(f"{BASE}/submissions/", {**body, "kind": "idea", "title": "Scan claims"}, format="json")
    second_url = f"{BASE}/submissions/{second.json()['id']}/"
    duplicate = {"status": "duplicate", "outcome": "Known.", "version": 1}
    assert_error(reviewer.post(second_url + "review/", duplicate, format="json"), 400, "invalid", "merged_into")
    response = reviewer.post(second_url + "review/", {**duplicate, "merged_into": created.pk}, format="json")
    assert response.status_code == 200 and response.json()["merged_into"] == created.pk


# --- shared dictionaries and the APQC taxonomy ---------------------------------------------------------------------


def test_dictionaries_list_create_update(tree, contributor, viewer):
    client = client_for(contributor)
    hris_body = {"code": "HRIS", "name": {"en": "HR system"}, "owner_unit": tree.dept_b.pk}
    response = client.post(f"{BASE}/dictionaries/it_systems/", hris_body, format="json")
    assert response.status_code == 201, response.content
    hris = response.json()
    assert hris["owner_unit"] == tree.dept_b.pk and hris["name_display"] == "HR system"
    for dictionary in ("records", "roles", "external_parties"):
        response = client.post(f"{BASE}/dictionaries/{dictionary}/", {"code": "X-1", "name": "Plain text"},
                               format="json")  # fmt: skip
        assert response.status_code == 201, (dictionary, response.content)
        assert response.json()["name"] == {"en": "Plain text"}
    assert_error(client.post(f"{BASE}/dictionaries/roles/", {"code": "X-1", "name": "Again"}, format="json"), 400,
                 "invalid", "code")  # fmt: skip
    assert_error(client.post(f"{BASE}/dictionaries/roles/", {"code": "no spaces", "name": "R"}, format="json"), 400,
                 "invalid", "code")  # fmt: skip
    assert_error(client_for(viewer).post(f"{BASE}/dictionaries/roles/", {"code": "R2", "name": "R"}, format="json"),
                 403, "permission_denied")  # fmt: skip
    assert_error(client.get(f"{BASE}/dictionaries/cars/"), 404, "not_found")

    url = f"{BASE}/dictionaries/it_systems/{hris['id']}/"
    response = client.patch(url, {"name": {"en": "HR information system"}}, format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 200 and response.json()["version"] == 2
    assert_error(client.patch(url, {"name": "Stale"}, format="json", HTTP_IF_MATCH='"1"'), 409, "stale_version")
    listed = client_for(viewer).get(f"{BASE}/dictionaries/it_systems/", {"q": "information"}).json()["results"]
    assert [e["code"] for e in listed] == ["HRIS"]
    assert client_for(viewer).get(f"{BASE}/dictionaries/roles/", {"q": "nothing"}).json()["count"] == 0


def test_dictionary_entries_are_archived_not_deleted_and_can_be_restored(tree, contributor, viewer):
    client = client_for(contributor)
    hris = client.post(f"{BASE}/dictionaries/it_systems/", {"code": "HRIS", "name": "HR system"}, format="json").json()
    process = make_process(tree.dept_a, "Hire staff")
    url = f"{BASE}/dictionaries/it_systems/{hris['id']}/"
    process_url = f"{BASE}/processes/{process.pk}/"
    response = client.patch(process_url, {"it_systems": [hris["id"]]}, format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 200, response.content

    assert_error(client_for(viewer).post(url + "archive/", {"reason": "Retired"}, format="json",
                                         HTTP_IF_MATCH='"1"'), 403, "permission_denied")  # fmt: skip
    assert_error(client.post(url + "archive/", {"reason": "Retired"}, format="json"), 428, "precondition_required")
    response = client.post(url + "archive/", {"reason": "Retired in 2026"}, format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 200, response.content
    assert response.json()["is_archived"] is True and response.json()["archive_reason"] == "Retired in 2026"

    assert client.get(f"{BASE}/dictionaries/it_systems/").json()["count"] == 0  # out of the choices
    everything = client.get(f"{BASE}/dictionaries/it_systems/", {"include_archived": "true"}).json()["results"]
    assert [(e["code"], e["is_archived"]) for e in everything] == [("HRIS", True)]
    assert client.get(url).json()["is_archived"] is True  # still readable, by its id
    named = client.get(process_url).json()["it_systems"]
    assert [(e["code"], e["is_archived"]) for e in named] == [("HRIS", True)]  # kept where it was named
    # Changing the process keeps it; removing it is allowed, choosing it again then is not.
    response = client.patch(process_url, {"it_systems": [hris["id"]], "purpose": "Hire"}, format="json",
                            HTTP_IF_MATCH='"2"')  # fmt: skip
    assert response.status_code == 200, response.content
    other = make_process(tree.dept_a, "Pay staff")
    response = client.patch(f"{BASE}/processes/{other.pk}/", {"it_systems": [hris["id"]]}, format="json",
                            HTTP_IF_MATCH='"1"')  # fmt: skip
    assert_error(response, 400, "invalid", "it_systems")  # an archived entry cannot be chosen

    response = client.post(url + "restore/", {"reason": "Back in use"}, format="json", HTTP_IF_MATCH='"2"')
    assert response.status_code == 200 and response.json()["is_archived"] is False and response.json()["version"] == 3
    assert [e["code"] for e in client.get(f"{BASE}/dictionaries/it_systems/").json()["results"]] == ["HRIS"]
    actions = [e["action"] for e in client.get(url + "history/").json()["results"]]
    assert actions == ["restore", "archive", "create"]


def test_pcf_elements_and_releases_read_only(tree, contributor, viewer):
    element = apqc.PcfElement
    workbook = apqc.PcfWorkbook(
        title="Test taxonomy",
        version="1.0",
        attribution="Test attribution notice.",
        elements=[
            element(101, "1.0", "Plan the work", 1, None, "Top", "", "", False),
            element(102, "1.1", "Set goals", 2, "1.0", "", "", "", True),
            element(103, "1.2", "Assign work", 2, "1.0", "", "", "", False),
            element(104, "1.1.1", "Draft goals", 3, "1.1", "Words about drafting", "", "", False),
        ],
        metrics=[apqc.PcfMetric(102, "1.1", "Set goals", "Cycle time", "M-1", "Days to set goals", "days", "days")],
    )
    with audit_context(source="cli", reason="test data"):
        release = services.pcf_import(actor=system_actor(), workbook=workbook).release
    client = client_for(viewer)
    releases = client.get(f"{BASE}/pcf/releases/").json()["results"]
    assert [(r["title"], r["pcf_version"], r["element_count"]) for r in releases] == [("Test taxonomy", "1.0", 4)]

    def numbers(**params: Any) -> list[str]:
        response = client.get(f"{BASE}/pcf/elements/", params)
        assert response.status_code == 200, response.content
        return [e["hierarchy_id"] for e in response.json()["results"]]

    assert numbers() == ["1.0", "1.1", "1.2", "1.1.1"]
    assert numbers(release=release.pk, level=2) == ["1.1", "1.2"]
    top = client.get(f"{BASE}/pcf/elements/", {"level": 1}).json()["results"][0]
    assert numbers(parent=top["id"]) == ["1.1", "1.2"]
    assert numbers(q="drafting") == ["1.1.1"] and numbers(q="1.1") == ["1.1", "1.1.1"]
    assert_error(client.get(f"{BASE}/pcf/elements/", {"level": 7}), 400, "invalid", "level")
    goals = client.get(f"{BASE}/pcf/elements/", {"q": "Set goals"}).json()["results"][0]
    detail = client.get(f"{BASE}/pcf/elements/{goals['id']}/").json()
    assert detail["attribution"] == "Test attribution notice." and detail["parent_element"]["hierarchy_id"] == "1.0"
    assert [c["hierarchy_id"] for c in detail["children"]] == ["1.1.1"]
    assert [(m["metric_id"], m["name"]) for m in detail["metrics"]] == [("M-1", "Days to set goals")]
    assert client.post(f"{BASE}/pcf/elements/", {}, format="json").status_code == 405

    # A process classified under an element shows its classification.
    response = client_for(contributor).post(
        f"{BASE}/processes/", {"name": "Goals", "owner_unit": tree.dept_a.pk, "pcf_element": goals["id"]}, format="json"
    )
    assert response.status_code == 201, response.content
    pcf = response.json()["pcf"]
    assert (pcf["hierarchy_id"], pcf["release_title"], pcf["release_version"], pcf["level"]) == (
        "1.1", "Test taxonomy", "1.0", 2,
    )  # fmt: skip
    assert response.json()["pcf_hierarchy_id"] == "1.1"
    response = client_for(contributor).post(
        f"{BASE}/processes/", {"name": "X", "owner_unit": tree.dept_a.pk, "pcf_element": 999999}, format="json"
    )
    assert_error(response, 400, "invalid", "pcf_element")


# --- the schema -----------------------------------------------------------------------------------------------------


def test_schema_documents_every_endpoint_with_a_summary_and_without_warnings(tmp_path: Path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target), stderr=StringIO())
    paths = yaml.safe_load(target.read_text())["paths"]
    ours = {path: ops for path, ops in paths.items() if path.startswith(f"{BASE}/")}
    for path in (
        "/processes/", "/processes/{id}/", "/processes/{id}/archive/", "/processes/{id}/restore/",
        "/processes/{id}/history/", "/processes/{id}/impact/", "/processes/{id}/participants/",
        "/processes/{id}/participants/{participant}/", "/processes/{id}/windows/", "/processes/{id}/impacts/",
        "/processes/{id}/kpis/", "/dependencies/", "/dependencies/{id}/archive/", "/graph/", "/graph.svg",
        "/dictionaries/it_systems/", "/dictionaries/records/{id}/", "/dictionaries/roles/",
        "/dictionaries/external_parties/", "/pcf/elements/", "/pcf/elements/{id}/", "/pcf/releases/", "/rounds/",
        "/rounds/{id}/", "/rounds/{id}/scores/", "/rounds/{id}/close/", "/scoring-models/", "/submissions/",
        "/submissions/{id}/review/", "/bpmn-uploads/", "/bpmn-uploads/{id}/", "/bpmn-uploads/{id}/apply/",
    ):  # fmt: skip
        assert BASE + path in ours, path
    operations = [op for ops in ours.values() for method, op in ops.items() if method != "parameters"]
    assert len(operations) >= 60
    assert [op["operationId"] for op in operations if not op.get("summary")] == []
    patch = ours[f"{BASE}/processes/{{id}}/"]["patch"]
    assert "If-Match" in [p["name"] for p in patch["parameters"] if p["in"] == "header"]
    assert {"409", "428", "404", "403", "400"} <= set(patch["responses"])
    assert "image/svg+xml" in ours[f"{BASE}/graph.svg"]["get"]["responses"]["200"]["content"]
    assert "multipart/form-data" in ours[f"{BASE}/bpmn-uploads/"]["post"]["requestBody"]["content"]
