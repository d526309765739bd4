"""The results API: CRUD through the services, scoping, concurrency, validation and the framework tree."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from orbit.core.context import audit_context
from orbit.governance.models import AuditEvent
from orbit.organisation.services import system_actor
from orbit.organisation.tests.factories import grant, make_user
from orbit.results.models import ActualValue, Framework, Indicator, ResultNode
from orbit.results.services import actual_create, actual_update, node_link, target_create
from orbit.results.tests.factories import make_framework, make_indicator, make_node

pytestmark = pytest.mark.django_db
AS_OF = "2025-06-30"
BASE = "/api/results"


def year(y: int) -> dict[str, Any]:
    return {"period_type": "annual", "period_start": dt.date(y, 1, 1), "period_end": dt.date(y, 12, 31)}


def year_json(y: int) -> dict[str, str]:
    return {"period_type": "annual", "period_start": f"{y}-01-01", "period_end": f"{y}-12-31"}


def client_for(user: Any, **headers: str) -> APIClient:
    client = APIClient(headers=headers or None)
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def assert_error(response: Any, status: int, code: str, *fields: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    for name in fields:
        assert name in error["fields"], error
    return error


def last_seq() -> int:
    return AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


class Events:
    """Counts the audit rows a block writes and checks they are attributed to the API caller."""

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


def as_system(fn: Any, **kwargs: Any) -> Any:
    with audit_context(source="cli", reason="test data"):
        return fn(actor=system_actor(), **kwargs)


@pytest.fixture
def manager(tree):
    user = make_user("res-manager")
    grant(user, tree.dept_a, "manager")
    return user


@pytest.fixture
def contributor(tree):
    user = make_user("res-contributor")
    grant(user, tree.dept_a, "contributor")
    return user


@pytest.fixture
def viewer(tree):
    user = make_user("res-viewer")
    grant(user, tree.dept_a, "viewer")
    return user


# --- CRUD through the services, one audit row per write, source "api" -------------------------------------------


def test_crud_walkthrough_writes_one_api_event_per_write(tree, manager):
    client = client_for(manager)
    events = Events(manager)

    response = client.post(
        f"{BASE}/frameworks/",
        {
            "code": "OP-2025",
            "name": {"en": "Operational plan", "fr": "Plan opérationnel"},
            "cycle_start": "2024-01-01",
            "cycle_end": "2027-12-31",
            "owner_unit": tree.dept_a.pk,
            "status": "active",
            "tiers": [{"en": "Objective"}, {"en": "Output"}],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    fw = response.json()
    assert response["ETag"] == '"1"' and response["Location"].endswith(f"/frameworks/{fw['id']}/")
    assert fw["name"] == {"en": "Operational plan", "fr": "Plan opérationnel"}
    assert fw["on_track_threshold"] == "0.9" and fw["at_risk_threshold"] == "0.6"
    assert fw["tiers_display"] == ["Objective", "Output"]
    assert [e.action for e in events.take()] == ["create"]

    french = client_for(manager, **{"Accept-Language": "fr"}).get(f"{BASE}/frameworks/{fw['id']}/")
    assert french.json()["name_display"] == "Plan opérationnel"

    def node(title: str, parent: int | None = None, position: int | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"framework": fw["id"], "title": {"en": title}, "parent": parent}
        if position is not None:
            body["position"] = position
        response = client.post(f"{BASE}/nodes/", body, format="json")
        assert response.status_code == 201, response.content
        assert len(events.take()) == 1
        return response.json()

    a = node("A")
    b = node("B")
    first = node("First", position=1)
    b1 = node("B1", parent=b["id"])
    assert (first["number"], b1["number"]) == ("1", "3.1")
    numbers = {n["title"]["en"]: n["number"] for n in client.get(f"{BASE}/nodes/", {"framework": fw["id"]}).json()[
        "results"
    ]}  # fmt: skip
    assert numbers == {"First": "1", "A": "2", "B": "3", "B1": "3.1"}

    response = client.patch(
        f"{BASE}/nodes/{a['id']}/", {"title": {"en": "A renamed"}}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert response.status_code == 200, response.content
    assert response.json()["title_display"] == "A renamed" and response["ETag"] == '"2"'
    assert [e.action for e in events.take()] == ["update"]

    response = client.post(
        f"{BASE}/nodes/{b1['id']}/move/", {"parent": a["id"], "position": 1}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert response.status_code == 200, response.content
    assert response.json()["number"] == "2.1" and response.json()["parent"] == a["id"]
    assert [e.action for e in events.take()] == ["move"]

    response = client.post(
        f"{BASE}/indicators/",
        {"node": b1["id"], "code": "I1", "title": {"en": "Trained people"}, "unit_label": "people"},
        format="json",
    )
    assert response.status_code == 201, response.content
    indicator = response.json()
    assert indicator["framework"] == fw["id"] and indicator["baseline_value"] is None
    assert len(events.take()) == 1

    response = client.post(
        f"{BASE}/targets/", {"indicator": indicator["id"], "value": "120.5", **year_json(2025)}, format="json"
    )
    assert response.status_code == 201, response.content
    target = response.json()
    assert target["value"] == "120.5" and target["period_label"] == "2025" and target["period_start"] == "2025-01-01"
    assert len(events.take()) == 1

    response = client.post(
        f"{BASE}/values/",
        {"indicator": indicator["id"], "unit": tree.div_a1.pk, "value": 60, **year_json(2025)},
        format="json",
    )
    assert response.status_code == 201, response.content
    value = response.json()
    assert (value["value"], value["status"], value["unit_code"]) == ("60", "draft", "DIV-A1")
    assert len(events.take()) == 1

    url = f"{BASE}/values/{value['id']}/"
    response = client.patch(url, {"status": "submitted", "version": 1}, format="json")
    assert response.status_code == 200, response.content
    response = client.patch(url, {"status": "approved"}, format="json", HTTP_IF_MATCH='"2"')
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "approved"
    assert [e.action for e in events.take()] == ["update", "update"]
    # An approved value is frozen until it returns to draft (the services' rule).
    assert_error(client.patch(url, {"value": "61"}, format="json", HTTP_IF_MATCH='"3"'), 400, "invalid", "status")

    response = client.post(f"{BASE}/nodes/{first['id']}/archive/", {"reason": "dropped"}, format="json",
                           HTTP_IF_MATCH='"1"')  # fmt: skip
    assert response.status_code == 200, response.content
    assert response.json()["is_archived"] is True
    assert [e.action for e in events.take()] == ["archive"]
    assert client.get(f"{BASE}/nodes/{a['id']}/").json()["number"] == "1"
    response = client.post(f"{BASE}/nodes/{first['id']}/restore/", {}, format="json", HTTP_IF_MATCH='"2"')
    assert response.status_code == 200, response.content
    assert response.json()["number"] == "3" and not response.json()["is_archived"]
    assert [e.action for e in events.take()] == ["restore"]

    history = client.get(f"{BASE}/nodes/{first['id']}/history/").json()["results"]
    assert [e["action"] for e in history] == ["restore", "archive", "create"]
    assert history[0]["source"] == "api"


def test_links_dimensions_and_list_filters(tree, manager, system_actor, cli_context):
    fw = make_framework(tree.dept_a, "FWL")
    sdgs = make_framework(tree.bdt, "SDG", kind=Framework.Kind.GLOBAL_GOALS, is_public=True, tiers=2)
    goal = make_node(sdgs, "Goal 4")
    sdg_target = make_node(sdgs, "Target 4.4", parent=goal)
    out = make_node(fw, "Output")
    ind = make_indicator(out, "I1")
    for y in (2024, 2025, 2026):
        target_create(actor=system_actor, indicator=ind, value=10, **year(y))
        actual_create(actor=system_actor, indicator=ind, unit=tree.dept_a, value=y - 2020, **year(y))
    actual_create(actor=system_actor, indicator=ind, unit=tree.div_a1, value=1, **year(2025))
    client = client_for(manager)
    events = Events(manager)

    response = client.post(f"{BASE}/links/", {"source": out.pk, "target": sdg_target.pk}, format="json")
    assert response.status_code == 201, response.content
    link = response.json()
    assert link["target_node"]["framework_code"] == "SDG" and link["source_node"]["code"] == "1"
    assert len(events.take()) == 1
    listed = client.get(f"{BASE}/links/", {"framework": fw.pk}).json()["results"]
    assert [row["id"] for row in listed] == [link["id"]]
    response = client.post(f"{BASE}/links/{link['id']}/archive/", {"reason": "wrong target", "version": 1},
                           format="json")  # fmt: skip
    assert response.status_code == 200 and response.json()["is_archived"]
    assert client.get(f"{BASE}/links/", {"framework": fw.pk}).json()["results"] == []
    assert len(events.take()) == 1

    def values(**params: Any) -> list[tuple[str, str]]:
        response = client.get(f"{BASE}/values/", params)
        assert response.status_code == 200, response.content
        return [(row["period_label"], row["unit_code"]) for row in response.json()["results"]]

    assert values(indicator=ind.pk, unit=tree.div_a1.pk) == [("2025", "DIV-A1")]
    assert values(framework=fw.pk, period_from="2025-01-01", period_to="2025-12-31") == [
        ("2025", "DEPT-A"), ("2025", "DIV-A1"),
    ]  # fmt: skip
    assert values(node=out.pk, period_from="2026-01-01") == [("2026", "DEPT-A")]
    assert values(status="approved") == []
    assert len(values(status="draft")) == 4
    assert_error(client.get(f"{BASE}/values/", {"period_from": "2026-01-01", "period_to": "2025-01-01"}), 400,
                 "invalid", "period_to")  # fmt: skip
    assert_error(client.get(f"{BASE}/values/", {"status": "final"}), 400, "invalid", "status")
    targets = client.get(f"{BASE}/targets/", {"indicator": ind.pk, "period_to": "2024-12-31"}).json()["results"]
    assert [(t["period_label"], t["value"]) for t in targets] == [("2024", "10")]
    assert [i["code"] for i in client.get(f"{BASE}/indicators/", {"framework": fw.pk}).json()["results"]] == ["I1"]
    assert client.get(f"{BASE}/indicators/", {"framework": sdgs.pk}).json()["results"] == []
    frameworks = client.get(f"{BASE}/frameworks/").json()["results"]
    assert {f["code"] for f in frameworks} == {"FWL", "SDG"}  # its own, and the public one
    assert [f["code"] for f in client.get(f"{BASE}/frameworks/", {"unit": tree.bdt.pk}).json()["results"]] == ["SDG"]

    # Dimensions: everyone reads them, administrators define them.
    body = {"code": "SEX", "kind": "sex", "name": {"en": "Sex"},
            "categories": [{"code": "f", "name": {"en": "Female"}}, {"code": "m", "name": {"en": "Male"}}]}  # fmt: skip
    assert_error(client.post(f"{BASE}/dimensions/", body, format="json"), 403, "permission_denied")
    admin = make_user("res-admin")
    grant(admin, tree.dept_b, "admin")
    response = client_for(admin).post(f"{BASE}/dimensions/", body, format="json")
    assert response.status_code == 201, response.content
    assert [d["code"] for d in client.get(f"{BASE}/dimensions/").json()["results"]] == ["SEX"]


# --- scope: 404 out of scope, 403 in scope without the right -----------------------------------------------------


@pytest.fixture
def spread(tree, system_actor):
    """A framework owned by each unit relation to DEPT-A, a public one, and values reported by each unit."""
    owners = {"own": tree.dept_a, "descendant": tree.div_a1, "sibling": tree.dept_b, "ancestor": tree.bdt}
    frameworks = {relation: make_framework(unit, f"FW-{relation.upper()}") for relation, unit in owners.items()}
    frameworks["public"] = make_framework(tree.dept_b, "FW-PUBLIC", is_public=True)
    host = make_indicator(make_node(frameworks["ancestor"], "Host"), "H1")
    with audit_context(source="cli", reason="test data"):
        values = {
            relation: actual_create(actor=system_actor, indicator=host, unit=unit, value=1, **year(2025))
            for relation, unit in owners.items()
        }
        public_host = make_indicator(make_node(frameworks["public"], "Public host"), "P1")
        values["public"] = actual_create(actor=system_actor, indicator=public_host, unit=tree.dept_b, value=1,
                                         **year(2025))  # fmt: skip
    return frameworks, values


RELATIONS = ("own", "descendant", "sibling", "ancestor", "public")


@pytest.mark.parametrize(
    ("role", "expected_read", "expected_patch"),
    [
        # Framework structure needs the approve right (managers) on the owning unit; public ones are
        # readable by everyone and changeable by no one without that right; plans of a unit above one's
        # own are shared downwards (readable, not changeable); siblings' stay out of reach.
        ("viewer", [200, 200, 404, 200, 200], [403, 403, 404, 403, 403]),
        ("contributor", [200, 200, 404, 200, 200], [403, 403, 404, 403, 403]),
        ("manager", [200, 200, 404, 200, 200], [200, 200, 404, 403, 403]),
    ],
)
def test_framework_scope_matrix(tree, spread, request, role, expected_read, expected_patch):
    frameworks, _ = spread
    user = request.getfixturevalue(role)
    client = client_for(user)
    events = Events(user)
    listed = {f["code"] for f in client.get(f"{BASE}/frameworks/", {"page_size": 500}).json()["results"]}
    reads, patches = [], []
    for relation in RELATIONS:
        fw = Framework.all_objects.get(pk=frameworks[relation].pk)
        url = f"{BASE}/frameworks/{fw.pk}/"
        reads.append(client.get(url).status_code)
        assert (fw.code in listed) == (reads[-1] == 200), relation
        assert client.get(url + "tree/").status_code == reads[-1], relation
        assert client.get(url + "history/").status_code == reads[-1], relation
        response = client.patch(url, {"description": {"en": "changed"}}, format="json",
                                HTTP_IF_MATCH=f'"{fw.version}"')  # fmt: skip
        patches.append(response.status_code)
        if response.status_code != 200:
            assert_error(response, response.status_code, "not_found" if response.status_code == 404 else
                         "permission_denied")  # fmt: skip
        assert len(events.take()) == (1 if response.status_code == 200 else 0)
    assert reads == expected_read
    assert patches == expected_patch


@pytest.mark.parametrize(
    ("role", "expected_read", "expected_patch", "expected_approve"),
    [
        # A value is read by those covering the reporting unit or the framework's owner (here BDT, the
        # ancestor: out of scope), changed with the change right on the reporting unit, approved with approve.
        ("viewer", [200, 200, 404, 404, 404], [403, 403, 404, 404, 404], [403, 403, 404, 404, 404]),
        ("contributor", [200, 200, 404, 404, 404], [200, 200, 404, 404, 404], [403, 403, 404, 404, 404]),
        ("manager", [200, 200, 404, 404, 404], [200, 200, 404, 404, 404], [200, 200, 404, 404, 404]),
    ],
)
def test_value_scope_matrix(tree, spread, request, role, expected_read, expected_patch, expected_approve):
    _, values = spread
    user = request.getfixturevalue(role)
    client = client_for(user)
    events = Events(user)
    listed = {v["id"] for v in client.get(f"{BASE}/values/", {"page_size": 500}).json()["results"]}
    reads, patches, approvals = [], [], []
    for relation in RELATIONS:
        value = values[relation]
        url = f"{BASE}/values/{value.pk}/"
        reads.append(client.get(url).status_code)
        assert (value.pk in listed) == (reads[-1] == 200), relation
        current = ActualValue.all_objects.get(pk=value.pk)
        response = client.patch(url, {"narrative": "checked"}, format="json", HTTP_IF_MATCH=f'"{current.version}"')
        patches.append(response.status_code)
        current = ActualValue.all_objects.get(pk=value.pk)
        response = client.patch(url, {"status": "approved"}, format="json", HTTP_IF_MATCH=f'"{current.version}"')
        approvals.append(response.status_code)
        written = (patches[-1] == 200) + (approvals[-1] == 200)
        assert len(events.take()) == written, relation
    assert reads == expected_read
    assert patches == expected_patch
    assert approvals == expected_approve


def test_creating_under_an_invisible_framework_names_the_field(tree, spread, contributor):
    frameworks, _ = spread
    client = client_for(contributor)
    response = client.post(f"{BASE}/nodes/", {"framework": frameworks["sibling"].pk, "title": {"en": "x"}},
                           format="json")  # fmt: skip
    assert_error(response, 400, "invalid", "framework")
    response = client.post(f"{BASE}/nodes/", {"framework": frameworks["public"].pk, "title": {"en": "x"}},
                           format="json")  # fmt: skip
    assert_error(response, 403, "permission_denied")
    assert client.get(f"{BASE}/frameworks/99999999/").status_code == 404
    assert_error(client.get(f"{BASE}/frameworks/abc/"), 404, "not_found")


# --- concurrency ----------------------------------------------------------------------------------------------------


def test_writes_need_a_version_and_stale_ones_get_409_with_changes(tree, manager):
    fw = make_framework(tree.dept_a, "FWC")
    node = make_node(fw, "Node")
    client = client_for(manager)
    url = f"{BASE}/nodes/{node.pk}/"
    assert_error(client.patch(url, {"title": {"en": "x"}}, format="json"), 428, "precondition_required")
    assert_error(client.post(url + "archive/", {"reason": "x"}, format="json"), 428, "precondition_required")
    assert_error(client.post(url + "move/", {"parent": None, "position": 1}, format="json"), 428,
                 "precondition_required")  # fmt: skip
    etag = client.get(url)["ETag"]
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert client.patch(url, {"title": {"en": "first"}}, format="json", HTTP_IF_MATCH=etag).status_code == 200
    response = client.patch(url, {"title": {"en": "second"}}, format="json", HTTP_IF_MATCH=etag)
    error = assert_error(response, 409, "stale_version")
    assert error["current_version"] == 2 and response["ETag"] == '"2"'
    assert error["changes_since"][0]["changes"]["title"][1] == {"en": "first"}
    assert error["changes_since"][0]["actor"] == manager.username
    assert ResultNode.objects.get(pk=node.pk).title == {"en": "first"}

    fw_url = f"{BASE}/frameworks/{fw.pk}/"
    assert_error(client.patch(fw_url, {"status": "closed"}, format="json"), 428, "precondition_required")
    assert_error(client.patch(fw_url, {"status": "closed"}, format="json", HTTP_IF_MATCH='"7"'), 409,
                 "stale_version")  # fmt: skip


# --- validation names the field -------------------------------------------------------------------------------------


def test_validation_errors_name_the_field(tree, contributor, system_actor, cli_context):
    fw = make_framework(tree.dept_a, "FWV")
    node = make_node(fw, "Node")
    number = make_indicator(node, "N1")
    share = make_indicator(node, "P1", measure=Indicator.Measure.PERCENTAGE,
                           unit_aggregation=Indicator.UnitAggregation.RATIO)  # fmt: skip
    client = client_for(contributor)
    before = last_seq()

    def post_value(**body: Any) -> Any:
        return client.post(f"{BASE}/values/", {"unit": tree.dept_a.pk, **year_json(2025), **body}, format="json")

    assert_error(post_value(indicator=number.pk, value="about forty"), 400, "invalid", "value")
    assert_error(post_value(indicator=number.pk, value="12,5"), 400, "invalid", "value")
    assert_error(post_value(indicator=number.pk), 400, "invalid", "value")
    error = assert_error(post_value(indicator=share.pk, numerator="5", denominator="4"), 400, "invalid", "numerator")
    assert "greater than the denominator" in error["fields"]["numerator"][0]
    assert_error(post_value(indicator=number.pk, value=3, period_start="2031-01-01", period_end="2031-12-31"), 400,
                 "invalid", "period_start")  # fmt: skip
    assert_error(post_value(indicator=number.pk, value=3, period_end="2025-06-30"), 400, "invalid", "period_type")
    assert AuditEvent.objects.filter(seq__gt=before).count() == 0

    response = post_value(indicator=share.pk, numerator="3", denominator="4")
    assert response.status_code == 201, response.content
    assert (response.json()["value"], response.json()["numerator"]) == ("75", "3")
    assert_error(post_value(indicator=share.pk, numerator="1", denominator="4"), 400, "invalid", "period_start")

    response = client.post(f"{BASE}/targets/", {"indicator": number.pk, "value": "lots", **year_json(2025)},
                           format="json")  # fmt: skip
    assert_error(response, 400, "invalid", "value")
    response = client.post(f"{BASE}/frameworks/", {"code": "X"}, format="json")
    assert_error(response, 400, "invalid", "name", "cycle_start", "owner_unit", "tiers")


# --- the framework tree ---------------------------------------------------------------------------------------------


def build(tree, system_actor, n_outputs: int, code: str) -> Framework:
    """Objective → Outcome → n outputs, each with one number indicator: targets 10 in 2024 and 2025,
    2025 values 4 + k (DEPT-A) and 2 (DIV-A1)."""
    fw = make_framework(tree.bdt, code)
    objective = make_node(fw, "Objective")
    outcome = make_node(fw, "Outcome", parent=objective)
    for k in range(n_outputs):
        output = make_node(fw, f"Output {k}", parent=outcome)
        ind = make_indicator(output, f"I{k}")
        for y in (2024, 2025):
            target_create(actor=system_actor, indicator=ind, value=10, **year(y))
        actual_create(actor=system_actor, indicator=ind, unit=tree.dept_a, value=4 + k, **year(2025))
        actual_create(actor=system_actor, indicator=ind, unit=tree.div_a1, value=2, **year(2025))
    return fw


def test_tree_returns_the_whole_framework_with_hand_computed_roll_ups(tree, system_actor, cli_context):
    fw = build(tree, system_actor, 2, "FWT")
    nodes = {n.title["en"]: n for n in ResultNode.objects.filter(framework=fw)}
    share = make_indicator(
        nodes["Output 0"],
        "P0",
        measure=Indicator.Measure.PERCENTAGE,
        unit_aggregation=Indicator.UnitAggregation.RATIO,
        title={"en": "Share", "fr": "Part"},
    )
    target_create(actor=system_actor, indicator=share, value=100, **year(2025))
    actual_create(actor=system_actor, indicator=share, unit=tree.dept_a, numerator=30, denominator=40, **year(2025))
    actual_create(actor=system_actor, indicator=share, unit=tree.div_a1, numerator=10, denominator=10, **year(2025))
    sdgs = make_framework(tree.root, "SDG", kind=Framework.Kind.GLOBAL_GOALS, is_public=True, tiers=1)
    sdg = make_node(sdgs, "Goal 9")
    node_link(actor=system_actor, source=nodes["Outcome"], target=sdg)

    user = make_user("reader")
    grant(user, tree.bdt, "viewer")
    # The values are drafts: counted only when asked for (by default only approved values count).
    default = client_for(user).get(f"{BASE}/frameworks/{fw.pk}/tree/", {"as_of": AS_OF}).json()
    assert default["nodes"][2]["indicators"][0]["current"]["status"] == "no_data"
    response = client_for(user, **{"Accept-Language": "fr"}).get(f"{BASE}/frameworks/{fw.pk}/tree/",
                                                                   {"as_of": AS_OF, "values": "all"})  # fmt: skip
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["as_of"] == AS_OF and body["framework"]["code"] == "FWT"
    assert [t["name_display"] for t in body["tiers"]] == ["Objective", "Outcome", "Output"]
    assert [(n["number"], n["title_display"], n["tier"]) for n in body["nodes"]] == [
        ("1", "Objective", 0), ("1.1", "Outcome", 1), ("1.1.1", "Output 0", 2), ("1.1.2", "Output 1", 2),
    ]  # fmt: skip
    objective, outcome, out0, out1 = body["nodes"]

    i0, p0 = out0["indicators"]
    # I0: 2025 target 10, values 4 (DEPT-A) + 2 (DIV-A1) summed across units = 6 → 0.6 → at risk (0.6 ≤ r < 0.9).
    assert i0["current"]["actual"] == "6" and i0["current"]["target_value"] == "10"
    assert i0["current"]["achievement"] == "0.6" and i0["current"]["status"] == "at_risk"
    assert i0["current"]["period_label"] == "2025" and "numerator" not in i0["current"]  # not a percentage
    # Every target; by default only the current one carries its result.
    assert [(t["period_label"], t["value"], t["result"] and t["result"]["status"]) for t in i0["targets"]] == [
        ("2024", "10", None), ("2025", "10", "at_risk"),
    ]  # fmt: skip
    assert i0["targets"][1]["result"]["units_reporting"] == 2
    # With ?results=all every target carries its result: 2024 has no value.
    every = client_for(user).get(f"{BASE}/frameworks/{fw.pk}/tree/",
                                 {"as_of": AS_OF, "results": "all", "values": "all"}).json()  # fmt: skip
    e0 = every["nodes"][2]["indicators"][0]
    assert [(t["period_label"], t["result"]["actual"], t["result"]["status"]) for t in e0["targets"]] == [
        ("2024", None, "no_data"), ("2025", "6", "at_risk"),
    ]  # fmt: skip
    # P0: ratio of sums (30 + 10) / (40 + 10) = 80 % against a target of 100 % → 0.8 → at risk.
    assert p0["title_display"] == "Part" and p0["title"] == {"en": "Share", "fr": "Part"}
    assert (p0["current"]["numerator"], p0["current"]["denominator"], p0["current"]["actual"]) == ("40", "50", "80")
    assert (p0["current"]["achievement"], p0["current"]["status"]) == ("0.8", "at_risk")
    # I1: 5 + 2 = 7 → 0.7.
    assert (out1["indicators"][0]["current"]["actual"], out1["indicators"][0]["current"]["achievement"]) == ("7", "0.7")

    # Node roll-ups: the mean of the subtree's achievements, each capped at 1.
    assert out0["rollup"] == {"achievement": "0.7", "status": "at_risk",
                              "counts": {"on_track": 0, "at_risk": 2, "off_track": 0, "no_data": 0}}  # fmt: skip
    assert out1["rollup"]["achievement"] == "0.7"
    assert objective["rollup"]["achievement"] == "0.7"  # (0.6 + 0.8 + 0.7) / 3
    assert objective["rollup"]["counts"]["at_risk"] == 3
    assert body["totals"] == {"on_track": 0, "at_risk": 3, "off_track": 0, "no_data": 0}
    assert [(link["framework_code"], link["title_display"]) for link in outcome["links"]] == [("SDG", "Goal 9")]

    # As of mid-2024 the 2024 targets of I0 and I1 are current, with nothing reported for them; P0 has no
    # 2024 target, so its first target (2025, at 0.8) counts: the objective's roll-up is P0's alone.
    early = client_for(user).get(f"{BASE}/frameworks/{fw.pk}/tree/", {"as_of": "2024-06-30", "values": "all"}).json()
    assert early["totals"] == {"on_track": 0, "at_risk": 1, "off_track": 0, "no_data": 2}
    assert early["nodes"][0]["rollup"]["achievement"] == "0.8"
    assert early["nodes"][3]["rollup"] == {
        "achievement": None,
        "status": "no_data",
        "counts": {"on_track": 0, "at_risk": 0, "off_track": 0, "no_data": 1},
    }
    assert_error(client_for(user).get(f"{BASE}/frameworks/{fw.pk}/tree/", {"as_of": "30/06/2025"}), 400, "invalid",
                 "as_of")  # fmt: skip


def test_tree_query_count_is_the_same_for_a_small_and_a_bigger_framework(
    tree, system_actor, cli_context, django_assert_max_num_queries
):
    small = build(tree, system_actor, 1, "SMALL")
    bigger = build(tree, system_actor, 12, "BIGGER")
    user = make_user("reader")
    grant(user, tree.bdt, "viewer")
    client = client_for(user)
    counts, sizes = [], []
    for fw in (small, bigger):
        with django_assert_max_num_queries(15), CaptureQueriesContext(connection) as ctx:
            response = client.get(f"{BASE}/frameworks/{fw.pk}/tree/", {"as_of": AS_OF})
        assert response.status_code == 200
        counts.append(len(ctx.captured_queries))
        sizes.append(sum(len(n["indicators"]) for n in response.json()["nodes"]))
    assert sizes == [1, 12]
    assert counts[0] == counts[1], counts


def test_tree_is_cached_until_anything_is_written(tree, system_actor, cli_context, django_assert_max_num_queries):
    fw = make_framework(tree.bdt, "FWC")
    node = make_node(fw, "Output")
    ind = make_indicator(node, "C1")
    target_create(actor=system_actor, indicator=ind, value=10, **year(2025))
    client = client_for(system_actor)
    url = f"{BASE}/frameworks/{fw.pk}/tree/"
    first = client.get(url, {"as_of": AS_OF})
    assert first.status_code == 200
    assert first.json()["nodes"][0]["indicators"][0]["current"]["status"] == "no_data"
    with django_assert_max_num_queries(6):  # session, user, framework, chain head: no tree queries
        again = client.get(url, {"as_of": AS_OF})
    assert again.content == first.content and again["ETag"] == first["ETag"]
    assert client.get(url, {"as_of": AS_OF}, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    value = actual_create(actor=system_actor, indicator=ind, unit=tree.dept_a, value=10, **year(2025))
    actual_update(actor=system_actor, actual=value, expected_version=1, status="approved")
    fresh = client.get(url, {"as_of": AS_OF}, HTTP_IF_NONE_MATCH=first["ETag"])
    assert fresh.status_code == 200 and fresh["ETag"] != first["ETag"]
    assert fresh.json()["nodes"][0]["indicators"][0]["current"]["status"] == "on_track"
    other = make_user("outsider")
    assert client_for(other).get(url, {"as_of": AS_OF}).status_code == 404  # the cache never skips the scope check
