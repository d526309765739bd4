"""The organisation API: scoped reads, audited writes, optimistic concurrency, one error shape."""

from __future__ import annotations

import json
from typing import Any

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from orbit.governance.models import AuditEvent
from orbit.organisation.models import Membership, OrgUnit
from orbit.organisation.tests.factories import grant, make_unit, make_user

pytestmark = pytest.mark.django_db


def client_for(user: Any = None, **headers: str) -> APIClient:
    client = APIClient(headers=headers or None)
    if user is not None:
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
    assert isinstance(error["fields"], dict)
    for name in fields:
        assert name in error["fields"], error
    return error


def events_after(seq: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(seq__gt=seq).order_by("seq"))


def last_seq() -> int:
    event = AuditEvent.objects.order_by("-seq").first()
    return event.seq if event else 0


@pytest.fixture
def admin(tree):
    user = make_user("api-admin")
    grant(user, tree.dept_a, "admin")
    return user


@pytest.fixture
def viewer(tree):
    user = make_user("api-viewer")
    grant(user, tree.dept_a, "viewer")
    return user


def unit_url(unit: OrgUnit, suffix: str = "") -> str:
    return f"/api/org-units/{unit.pk}/{suffix}"


# --- reads -------------------------------------------------------------------------------


def test_list_shows_only_units_in_scope(tree, viewer):
    response = client_for(viewer).get("/api/org-units/")
    assert response.status_code == 200
    codes = [row["code"] for row in response.json()["results"]]
    assert codes == ["DEPT-A", "DIV-A1"]
    assert response.json()["count"] == 2


def test_unauthenticated_request_gets_401_in_the_error_shape(tree):
    response = client_for().get("/api/org-units/")
    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Token")


def test_translated_name_is_an_object_and_name_display_follows_accept_language(tree):
    superuser = make_user("root", is_superuser=True)
    unit = make_unit("LANG", parent=tree.bdt, name={"fr": "Unité de langue", "zh-hans": "语言单位"})
    for language, expected in (("fr", "Unité de langue"), ("zh-Hans", "语言单位"), ("en", "Unit LANG")):
        response = client_for(superuser, **{"Accept-Language": language}).get(unit_url(unit))
        assert response.status_code == 200
        body = response.json()
        assert body["name"] == {"en": "Unit LANG", "fr": "Unité de langue", "zh-hans": "语言单位"}
        assert body["name_display"] == expected, language


def test_list_filters_q_in_every_language_type_parent_and_archived(tree):
    superuser = make_user("root", is_superuser=True)
    make_unit("RO-X", parent=tree.bdt, type="regional_office", name={"ar": "مكتب إقليمي تجريبي"})
    client = client_for(superuser)

    def codes(**params: Any) -> list[str]:
        response = client.get("/api/org-units/", params)
        assert response.status_code == 200, response.content
        return [row["code"] for row in response.json()["results"]]

    assert codes(q="إقليمي") == ["RO-X"]
    assert codes(q="dept") == ["DEPT-A", "DEPT-B"]
    assert codes(type="division") == ["DIV-A1"]
    assert codes(parent=tree.bdt.pk) == ["DEPT-A", "DEPT-B", "RO-X"]
    assert "DEPT-B" in codes()
    response = client.post(unit_url(tree.dept_b, "archive/"), {"reason": "merged"}, format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 200, response.content
    assert "DEPT-B" not in codes()
    assert "DEPT-B" in codes(include_archived="true")


@pytest.mark.parametrize(
    ("params", "field"),
    [({"type": "castle"}, "type"), ({"parent": "abc"}, "parent"), ({"parent": "9" * 30}, "parent")],
)
def test_bad_list_parameters_are_400_naming_the_parameter(tree, viewer, params, field):
    assert_error(client_for(viewer).get("/api/org-units/", params), 400, "invalid", field)


def test_retrieve_carries_version_and_strong_etag_and_honours_if_none_match(tree, viewer):
    client = client_for(viewer)
    response = client.get(unit_url(tree.dept_a))
    assert response.status_code == 200
    assert response.json()["version"] == tree.dept_a.version
    assert response["ETag"] == f'"{tree.dept_a.version}"'
    cached = client.get(unit_url(tree.dept_a), HTTP_IF_NONE_MATCH=response["ETag"])
    assert cached.status_code == 304
    stale = client.get(unit_url(tree.dept_a), HTTP_IF_NONE_MATCH='"999"')
    assert stale.status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/api/org-units/{sibling}/",
        "/api/org-units/999999/",
        "/api/org-units/abc/",
        "/api/org-units/99999999999999999999999/",
    ],
)
def test_out_of_scope_missing_or_malformed_ids_are_the_same_404(tree, viewer, path):
    response = client_for(viewer).get(path.format(sibling=tree.dept_b.pk))
    error = assert_error(response, 404, "not_found")
    assert error["message"] in {"No such organisational unit.", "Not found."}


def test_unknown_api_path_is_404_in_the_error_shape(tree, viewer):
    assert_error(client_for(viewer).get("/api/no-such-thing/"), 404, "not_found")


# --- create ------------------------------------------------------------------------------


def new_unit(parent: OrgUnit, **extra: Any) -> dict[str, Any]:
    return {
        "code": "NEW-1",
        "name": {"en": "New unit", "fr": "Nouvelle unité"},
        "type": "division",
        "parent": parent.pk,
        **extra,
    }


def test_create_writes_one_audit_event_from_the_api_by_the_caller(tree, admin):
    before = last_seq()
    response = client_for(admin).post("/api/org-units/", new_unit(tree.dept_a, reason="new team"), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["code"] == "NEW-1" and body["parent"] == tree.dept_a.pk and body["version"] == 1
    assert response["ETag"] == '"1"'
    assert response["Location"].endswith(f"/api/org-units/{body['id']}/")
    events = events_after(before)
    assert len(events) == 1
    event = events[0]
    assert (event.source, event.actor_id, event.actor_username) == ("api", admin.pk, "api-admin")
    assert (event.action, event.object_type, event.object_id) == ("create", "organisation.orgunit", str(body["id"]))
    assert event.reason == "new team"
    assert event.request_id == response["X-Request-ID"]


def test_create_under_a_visible_parent_without_admin_is_403_and_writes_nothing(tree, viewer):
    before = last_seq()
    assert_error(
        client_for(viewer).post("/api/org-units/", new_unit(tree.dept_a), format="json"), 403, "permission_denied"
    )
    assert events_after(before) == []
    assert not OrgUnit.all_objects.filter(code="NEW-1").exists()


def test_a_parent_out_of_scope_reads_exactly_like_one_that_does_not_exist(tree, admin):
    client = client_for(admin)
    hidden = assert_error(
        client.post("/api/org-units/", new_unit(tree.dept_b), format="json"), 400, "invalid", "parent"
    )
    missing = assert_error(
        client.post("/api/org-units/", {**new_unit(tree.dept_b), "parent": 987654}, format="json"),
        400,
        "invalid",
        "parent",
    )
    assert hidden["fields"] == missing["fields"]


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({"name": {"xx": "Nope"}}, ["name"]),
        ({"name": {"en": 5}}, ["name"]),
        ({"name": 5}, ["name"]),
        ({"name": {}}, ["name"]),
        ({"parent": "abc"}, ["parent"]),
        ({"parent": 10**30}, ["parent"]),
        ({"parent": -1}, ["parent"]),
        ({"type": "castle"}, ["type"]),
        ({"is_sample": "maybe"}, ["is_sample"]),
        ({"code": "has space"}, ["code"]),
        ({"code": "DEPT-A"}, ["code"]),
        ({"country": "e1"}, ["country"]),
        ({"code": None, "type": None}, ["code", "type"]),
    ],
)
def test_bad_input_is_400_naming_the_field_never_500(tree, admin, payload, fields):
    before = last_seq()
    response = client_for(admin).post("/api/org-units/", {**new_unit(tree.dept_a), **payload}, format="json")
    assert_error(response, 400, "invalid", *fields)
    assert events_after(before) == []


@pytest.mark.parametrize("body", ["{not json", "[1, 2]", '"text"', "null"])
def test_malformed_json_is_400_in_the_error_shape(tree, admin, body):
    response = client_for(admin).post("/api/org-units/", body, content_type="application/json")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] in {"parse_error", "invalid"}


def test_malformed_json_on_an_update_is_400_too(tree, admin):
    response = client_for(admin).patch(
        unit_url(tree.div_a1), "{oops", content_type="application/json", HTTP_IF_MATCH='"1"'
    )
    assert_error(response, 400, "parse_error")


# --- update and optimistic concurrency ---------------------------------------------------


def test_patch_with_if_match_updates_bumps_the_version_and_is_audited(tree, admin):
    before = last_seq()
    response = client_for(admin).patch(
        unit_url(tree.div_a1), {"city": "Geneva", "reason": "moved"}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert response.status_code == 200, response.content
    assert response.json()["city"] == "Geneva" and response.json()["version"] == 2
    assert response["ETag"] == '"2"'
    [event] = events_after(before)
    assert (event.action, event.source, event.actor_id) == ("update", "api", admin.pk)
    assert event.changes == {"city": ["", "Geneva"]}
    assert event.reason == "moved"


def test_version_in_the_body_stands_in_for_if_match(tree, admin):
    response = client_for(admin).patch(unit_url(tree.div_a1), {"city": "Addis", "version": 1}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["version"] == 2


def test_patch_without_if_match_is_428_and_writes_nothing(tree, admin):
    before = last_seq()
    response = client_for(admin).patch(unit_url(tree.div_a1), {"city": "Geneva"}, format="json")
    assert_error(response, 428, "precondition_required")
    assert events_after(before) == []
    assert OrgUnit.objects.get(pk=tree.div_a1.pk).city == ""


@pytest.mark.parametrize("action", ["archive/", "restore/"])
def test_archive_and_restore_without_if_match_are_428(tree, admin, action):
    response = client_for(admin).post(unit_url(tree.div_a1, action), {"reason": "x"}, format="json")
    assert_error(response, 428, "precondition_required")


def test_stale_if_match_is_409_with_what_changed_and_nothing_is_written(tree, admin):
    client = client_for(admin)
    first = client.patch(unit_url(tree.div_a1), {"city": "Geneva"}, format="json", HTTP_IF_MATCH='"1"')
    assert first.status_code == 200
    before = last_seq()
    response = client.patch(unit_url(tree.div_a1), {"city": "Nairobi"}, format="json", HTTP_IF_MATCH='"1"')
    error = assert_error(response, 409, "stale_version")
    assert error["current_version"] == 2
    assert [change["changes"] for change in error["changes_since"]] == [{"city": ["", "Geneva"]}]
    assert error["changes_since"][0]["actor"] == "api-admin"
    assert response["ETag"] == '"2"'
    assert events_after(before) == []
    unit = OrgUnit.objects.get(pk=tree.div_a1.pk)
    assert (unit.city, unit.version) == ("Geneva", 2)


def test_stale_archive_is_409_and_leaves_the_unit_active(tree, admin):
    client = client_for(admin)
    assert (
        client.patch(unit_url(tree.div_a1), {"city": "Geneva"}, format="json", HTTP_IF_MATCH='"1"').status_code == 200
    )
    response = client.post(unit_url(tree.div_a1, "archive/"), {"reason": "x"}, format="json", HTTP_IF_MATCH='"1"')
    assert_error(response, 409, "stale_version")
    assert OrgUnit.objects.filter(pk=tree.div_a1.pk).exists()


@pytest.mark.parametrize("header", ['W/"1"', '"1", "2"', "*", '"one"'])
def test_malformed_if_match_is_400(tree, admin, header):
    response = client_for(admin).patch(unit_url(tree.div_a1), {"city": "X"}, format="json", HTTP_IF_MATCH=header)
    assert_error(response, 400, "invalid", "If-Match")


def test_if_match_and_body_version_must_agree(tree, admin):
    response = client_for(admin).patch(
        unit_url(tree.div_a1), {"city": "X", "version": 2}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert_error(response, 400, "invalid", "version")


def test_put_replaces_the_unit(tree, admin):
    payload = {
        "code": "DIV-A1",
        "name": {"en": "Division A1", "es": "División A1"},
        "type": "division",
        "parent": tree.dept_a.pk,
        "city": "Geneva",
    }
    response = client_for(admin).put(unit_url(tree.div_a1), payload, format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 200, response.content
    assert response.json()["name"] == {"en": "Division A1", "es": "División A1"}
    put_missing = client_for(admin).put(unit_url(tree.div_a1), {"city": "X"}, format="json", HTTP_IF_MATCH='"2"')
    assert_error(put_missing, 400, "invalid", "code", "name", "type", "parent")


def test_patch_unknown_language_is_400_naming_name(tree, admin):
    response = client_for(admin).patch(
        unit_url(tree.div_a1), {"name": {"klingon": "x"}}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert_error(response, 400, "invalid", "name")


def test_moving_a_unit_under_its_own_descendant_is_400(tree):
    superuser = make_user("root", is_superuser=True)
    response = client_for(superuser).patch(
        unit_url(tree.dept_a), {"parent": tree.div_a1.pk}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert_error(response, 400, "invalid", "parent")


def test_update_in_view_scope_without_admin_is_403_out_of_scope_404(tree, viewer):
    client = client_for(viewer)
    assert_error(
        client.patch(unit_url(tree.div_a1), {"city": "X"}, format="json", HTTP_IF_MATCH='"1"'), 403, "permission_denied"
    )
    assert_error(
        client.patch(unit_url(tree.dept_b), {"city": "X"}, format="json", HTTP_IF_MATCH='"1"'), 404, "not_found"
    )


# --- archive, restore, history -----------------------------------------------------------


def test_archive_hides_from_the_list_and_restore_brings_back(tree, admin):
    client = client_for(admin)
    before = last_seq()
    archived = client.post(unit_url(tree.div_a1, "archive/"), {"reason": "closed"}, format="json", HTTP_IF_MATCH='"1"')
    assert archived.status_code == 200, archived.content
    assert archived.json()["is_archived"] is True and archived.json()["archive_reason"] == "closed"
    assert archived.json()["archived_by"] == admin.pk
    assert [row["code"] for row in client.get("/api/org-units/").json()["results"]] == ["DEPT-A"]
    assert client.get(unit_url(tree.div_a1)).json()["is_archived"] is True
    restored = client.post(unit_url(tree.div_a1, "restore/"), {}, format="json", HTTP_IF_MATCH=archived["ETag"])
    assert restored.status_code == 200, restored.content
    assert restored.json()["is_archived"] is False and restored.json()["version"] == 3
    assert [row["code"] for row in client.get("/api/org-units/").json()["results"]] == ["DEPT-A", "DIV-A1"]
    events = events_after(before)
    assert [(e.action, e.source, e.actor_id) for e in events] == [
        ("archive", "api", admin.pk),
        ("restore", "api", admin.pk),
    ]
    assert events[0].reason == "closed"


def test_archive_needs_a_reason(tree, admin):
    response = client_for(admin).post(unit_url(tree.div_a1, "archive/"), {}, format="json", HTTP_IF_MATCH='"1"')
    assert_error(response, 400, "invalid", "reason")


def test_archiving_a_unit_with_active_children_is_400(tree, admin):
    response = client_for(admin).post(
        unit_url(tree.dept_a, "archive/"), {"reason": "x"}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert_error(response, 400, "invalid", "children")


def test_history_lists_the_units_events_newest_first_with_differences(tree, admin):
    client = client_for(admin)
    client.patch(unit_url(tree.div_a1), {"city": "Geneva"}, format="json", HTTP_IF_MATCH='"1"')
    client.patch(unit_url(tree.div_a1), {"city": "Addis Ababa"}, format="json", HTTP_IF_MATCH='"2"')
    response = client.get(unit_url(tree.div_a1, "history/"))
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["action"] for row in rows] == ["update", "update", "create"]
    assert rows[0]["changes"] == {"city": ["Geneva", "Addis Ababa"]}
    assert rows[0]["object_version"] == 3 and rows[0]["source"] == "api"
    assert all(row["object_id"] == str(tree.div_a1.pk) for row in rows)


def test_history_of_a_unit_out_of_scope_is_404(tree, viewer):
    assert_error(client_for(viewer).get(unit_url(tree.dept_b, "history/")), 404, "not_found")


# --- memberships -------------------------------------------------------------------------


def test_membership_create_update_archive_restore_each_write_one_api_event(tree, admin):
    member = make_user("member")
    client = client_for(admin)
    before = last_seq()
    created = client.post(
        "/api/memberships/", {"user": member.pk, "unit": tree.div_a1.pk, "role": "viewer"}, format="json"
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["username"], body["unit_code"], body["role"], body["version"]) == ("member", "DIV-A1", "viewer", 1)
    url = f"/api/memberships/{body['id']}/"
    changed = client.patch(url, {"role": "manager"}, format="json", HTTP_IF_MATCH=created["ETag"])
    assert changed.status_code == 200 and changed.json()["role"] == "manager"
    archived = client.post(url + "archive/", {"reason": "left"}, format="json", HTTP_IF_MATCH=changed["ETag"])
    assert archived.status_code == 200 and archived.json()["is_archived"] is True
    assert body["id"] not in [row["id"] for row in client.get("/api/memberships/").json()["results"]]
    listed = client.get("/api/memberships/", {"include_archived": "1"}).json()["results"]
    assert body["id"] in [row["id"] for row in listed]
    restored = client.post(url + "restore/", {}, format="json", HTTP_IF_MATCH=archived["ETag"])
    assert restored.status_code == 200 and restored.json()["version"] == 4
    events = events_after(before)
    assert [(e.action, e.source, e.actor_id, e.object_type) for e in events] == [
        (action, "api", admin.pk, "organisation.membership") for action in ("create", "update", "archive", "restore")
    ]
    history = client.get(url + "history/").json()["results"]
    assert [row["action"] for row in history] == ["restore", "archive", "update", "create"]


def test_membership_stale_write_is_409_and_missing_version_428(tree, admin):
    member = make_user("member")
    membership = grant(member, tree.div_a1, "viewer")
    client = client_for(admin)
    url = f"/api/memberships/{membership.pk}/"
    assert_error(client.patch(url, {"role": "admin"}, format="json"), 428, "precondition_required")
    assert client.patch(url, {"role": "contributor"}, format="json", HTTP_IF_MATCH='"1"').status_code == 200
    error = assert_error(client.patch(url, {"role": "admin"}, format="json", HTTP_IF_MATCH='"1"'), 409, "stale_version")
    assert error["current_version"] == 2
    assert Membership.objects.get(pk=membership.pk).role == "contributor"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"role": "auditor"}, "unit"),
        ({"unit": None}, "unit"),
        ({"role": "emperor"}, "role"),
        ({"user": "abc"}, "user"),
        ({"user": 987654}, "user"),
        ({"unit": 987654}, "unit"),
    ],
)
def test_membership_bad_input_is_400_naming_the_field(tree, admin, payload, field):
    member = make_user("member")
    data = {"user": member.pk, "unit": tree.div_a1.pk, "role": "viewer", **payload}
    assert_error(client_for(admin).post("/api/memberships/", data, format="json"), 400, "invalid", field)


def test_a_second_active_role_on_the_same_unit_is_400(tree, admin):
    member = make_user("member")
    grant(member, tree.div_a1, "viewer")
    data = {"user": member.pk, "unit": tree.div_a1.pk, "role": "manager"}
    error = assert_error(client_for(admin).post("/api/memberships/", data, format="json"), 400, "invalid")
    assert error["fields"]


def test_only_a_superuser_grants_the_global_auditor_role(tree, admin):
    member = make_user("member")
    data = {"user": member.pk, "unit": None, "role": "auditor"}
    assert_error(client_for(admin).post("/api/memberships/", data, format="json"), 403, "permission_denied")
    superuser = make_user("root", is_superuser=True)
    assert client_for(superuser).post("/api/memberships/", data, format="json").status_code == 201


def test_membership_list_filters(tree, admin):
    one, two = make_user("one"), make_user("two")
    grant(one, tree.dept_a, "viewer")
    grant(two, tree.div_a1, "manager")
    client = client_for(admin)

    def usernames(**params: Any) -> list[str]:
        response = client.get("/api/memberships/", params)
        assert response.status_code == 200, response.content
        return [row["username"] for row in response.json()["results"]]

    assert usernames(unit=tree.div_a1.pk) == ["two"]
    assert usernames(user=one.pk) == ["one"]
    assert usernames(role="manager") == ["two"]
    assert sorted(usernames()) == ["api-admin", "one", "two"]
    assert_error(client.get("/api/memberships/", {"role": "emperor"}), 400, "invalid", "role")


def test_a_member_sees_their_own_membership_but_not_others(tree, viewer):
    other = make_user("other")
    grant(other, tree.dept_a, "viewer")
    rows = client_for(viewer).get("/api/memberships/").json()["results"]
    assert [row["username"] for row in rows] == ["api-viewer"]


# --- users, me, token ----------------------------------------------------------------------


def test_users_list_is_everyone_for_admins_and_only_yourself_otherwise(tree, admin, viewer):
    everyone = [row["username"] for row in client_for(admin).get("/api/users/").json()["results"]]
    assert everyone == ["api-admin", "api-viewer"]
    assert [row["username"] for row in client_for(viewer).get("/api/users/").json()["results"]] == ["api-viewer"]
    assert_error(client_for(viewer).get(f"/api/users/{admin.pk}/"), 404, "not_found")
    assert client_for(admin).get(f"/api/users/{viewer.pk}/").json()["username"] == "api-viewer"
    filtered = client_for(admin).get("/api/users/", {"q": "VIEW"}).json()["results"]
    assert [row["username"] for row in filtered] == ["api-viewer"]


def test_user_create_by_an_admin_is_audited_and_the_login_works(tree, admin):
    before = last_seq()
    response = client_for(admin).post(
        "/api/users/", {"username": "newcomer", "email": "n@example.org", "password": "Xk4!pQ7-zRt9"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert "password" not in response.json()
    [event] = events_after(before)
    assert (event.action, event.source, event.actor_id, event.object_id) == (
        "create",
        "api",
        admin.pk,
        str(response.json()["id"]),
    )
    token = client_for().post("/api/auth/token/", {"username": "newcomer", "password": "Xk4!pQ7-zRt9"}, format="json")
    assert token.status_code == 200 and token.json()["token"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"username": "api-admin"}, "username"),
        ({"password": "123"}, "password"),
        ({"email": "nope"}, "email"),
        ({"username": ""}, "username"),
    ],
)
def test_user_create_bad_input_is_400_naming_the_field(tree, admin, payload, field):
    data = {"username": "newcomer", **payload}
    assert_error(client_for(admin).post("/api/users/", data, format="json"), 400, "invalid", field)


def test_user_create_by_a_non_admin_is_403_and_superusers_need_a_superuser(tree, admin, viewer):
    assert_error(client_for(viewer).post("/api/users/", {"username": "x1"}, format="json"), 403, "permission_denied")
    assert_error(
        client_for(admin).post("/api/users/", {"username": "x2", "is_superuser": True}, format="json"),
        403,
        "permission_denied",
    )


def test_token_auth_works_and_bad_credentials_are_400(tree, viewer):
    anonymous = client_for()
    bad = anonymous.post("/api/auth/token/", {"username": "api-viewer", "password": "wrong"}, format="json")
    assert_error(bad, 400, "invalid")
    good = anonymous.post("/api/auth/token/", {"username": "api-viewer", "password": "pass-Word-123"}, format="json")
    assert good.status_code == 200
    key = good.json()["token"]
    again = anonymous.post("/api/auth/token/", {"username": "api-viewer", "password": "pass-Word-123"}, format="json")
    assert again.json()["token"] == key
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/me/").json()["username"] == "api-viewer"
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert_error(client.get("/api/me/"), 401, "authentication_failed")


def test_session_auth_works_and_enforces_csrf_on_writes(tree, admin):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(admin)
    assert client.get("/api/me/").status_code == 200
    response = client.patch(unit_url(tree.div_a1), {"city": "X"}, format="json", HTTP_IF_MATCH='"1"')
    assert_error(response, 403, "permission_denied")
    assert OrgUnit.objects.get(pk=tree.div_a1.pk).city == ""


def test_me_lists_memberships_and_scope(tree, admin):
    grant(admin, tree.dept_b, "viewer")
    body = client_for(admin, **{"Accept-Language": "en"}).get("/api/me/").json()
    assert body["username"] == "api-admin" and body["is_auditor"] is False
    assert sorted((m["unit_code"], m["role"]) for m in body["memberships"]) == [
        ("DEPT-A", "admin"),
        ("DEPT-B", "viewer"),
    ]
    assert body["scope"]["admin"] == {
        "all": False,
        "units": [{"id": tree.dept_a.pk, "code": "DEPT-A", "name_display": "Unit DEPT-A"}],
    }
    assert sorted(u["code"] for u in body["scope"]["view"]["units"]) == ["DEPT-A", "DEPT-B"]
    auditor = make_user("aud")
    grant(auditor, None, "auditor")
    body = client_for(auditor).get("/api/me/").json()
    assert body["is_auditor"] is True
    assert body["scope"]["view"] == {"all": True, "units": []}
    assert body["scope"]["change"] == {"all": False, "units": []}


# --- query counts ------------------------------------------------------------------------


@pytest.fixture
def wide_tree(tree):
    for index in range(50):
        unit = make_unit(f"W{index:02d}", parent=tree.dept_b, name={"fr": f"Unité {index}"})
        grant(make_user(f"member{index:02d}"), unit, "viewer")
    return tree


def _count_queries(django_assert_max_num_queries: Any, client: APIClient, url: str, maximum: int, rows: int) -> None:
    with django_assert_max_num_queries(maximum):
        response = client.get(url, {"page_size": 100})
    assert response.status_code == 200
    assert len(response.json()["results"]) >= rows


@pytest.mark.parametrize(
    ("url", "rows"),
    [
        ("/api/org-units/", 55),
        ("/api/memberships/", 50),
        ("/api/users/", 50),
        ("/api/org-units/{bdt}/history/", 1),
        ("/api/me/", 0),
    ],
)
def test_list_query_counts_do_not_grow_with_rows(wide_tree, django_assert_max_num_queries, url, rows):
    superuser = make_user("root", is_superuser=True)
    grant(superuser, wide_tree.bdt, "admin")
    client = client_for(superuser)
    client.get("/api/me/")  # warm up the token
    if url == "/api/me/":
        with django_assert_max_num_queries(6):
            assert len(client.get(url).json()["memberships"]) == 1
        return
    _count_queries(django_assert_max_num_queries, client, url.format(bdt=wide_tree.bdt.pk), 6, rows)


def test_scoped_list_query_count_is_flat_for_a_unit_admin(wide_tree, django_assert_max_num_queries):
    admin = make_user("bdt-admin")
    grant(admin, wide_tree.bdt, "admin")
    client = client_for(admin)
    for url, rows in (("/api/org-units/", 54), ("/api/memberships/", 51)):
        _count_queries(django_assert_max_num_queries, client, url, 6, rows)


def test_response_bodies_are_json_with_unescaped_text(tree):
    superuser = make_user("root", is_superuser=True)
    unit = make_unit("ZH", parent=tree.bdt, name={"zh-hans": "单位"})
    response = client_for(superuser).get(unit_url(unit))
    assert "单位" in response.content.decode()
    assert json.loads(response.content)["name"]["zh-hans"] == "单位"
