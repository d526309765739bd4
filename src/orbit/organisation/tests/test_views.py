"""The web pages of units, memberships and users: every write is one audited service call from the web."""

from __future__ import annotations

import pytest
from django.urls import reverse

from orbit.core.context import audit_context
from orbit.core.i18n import CONTENT_LANGUAGES
from orbit.governance.models import AuditEvent
from orbit.organisation import services
from orbit.organisation.models import Membership, OrgUnit
from orbit.organisation.tests.factories import grant, make_unit, make_user

pytestmark = pytest.mark.django_db


def last_seq() -> int:
    latest = AuditEvent.objects.order_by("-seq").first()
    return latest.seq if latest else 0


def new_events(since: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(seq__gt=since).order_by("seq"))


def listed(response, code: str) -> bool:
    """Whether the unit list shows ``code`` as a result (the unit switcher lists every unit anyway)."""
    return f">{code}</a>" in response.content.decode()


def name_fields(**names: str) -> dict[str, str]:
    """POST data of the six-language name widget."""
    return {f"name_{i}": names.get(code.replace("-", "_"), "") for i, code in enumerate(CONTENT_LANGUAGES)}


def unit_post(unit: OrgUnit, **overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "code": unit.code,
        **name_fields(**{code.replace("-", "_"): text for code, text in unit.name.items()}),
        "type": unit.type,
        "region": unit.region,
        "city": unit.city,
        "country": unit.country,
        "source": unit.source,
        "version": unit.version,
    }
    if unit.is_sample:
        data["is_sample"] = "on"
    data.update(overrides)
    return data


@pytest.fixture
def admin(tree):
    user = make_user("bdt-admin")
    grant(user, tree.bdt, "admin")
    return user


@pytest.fixture
def admin_client(client, admin):
    client.force_login(admin)
    return client


def assert_one_web_event(since: int, actor, action: str, object_type: str) -> AuditEvent:
    events = new_events(since)
    assert len(events) == 1, [str(e) for e in events]
    event = events[0]
    assert event.source == "web"
    assert event.actor_id == actor.pk
    assert event.actor_username == actor.username
    assert event.action == action
    assert event.object_type == object_type
    return event


def test_pages_need_a_login_except_healthz(client, tree):
    for url in ("/", "/units/", reverse("organisation:unit-detail", args=[tree.bdt.pk]), "/audit/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url
    assert client.get("/healthz").status_code == 200


def test_login_and_logout(client, admin):
    response = client.post(reverse("login"), {"username": "bdt-admin", "password": "pass-Word-123"})
    assert response.status_code == 302
    assert client.get("/units/").status_code == 200
    assert client.get(reverse("logout")).status_code == 405, "logging out takes a POST"
    client.post(reverse("logout"))
    assert client.get("/units/").status_code == 302


def test_create_child_unit_writes_one_web_event(admin_client, admin, tree):
    since = last_seq()
    response = admin_client.post(
        reverse("organisation:unit-create", args=[tree.dept_a.pk]),
        {"code": "DIV-A2", **name_fields(en="Division A2", zh_hans="A2 处"), "type": "division"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    unit = OrgUnit.objects.get(code="DIV-A2")
    assert unit.parent_id == tree.dept_a.pk
    assert unit.name == {"en": "Division A2", "zh-hans": "A2 处"}
    event = assert_one_web_event(since, admin, "create", "organisation.orgunit")
    assert event.object_id == str(unit.pk)


def test_create_shows_validation_errors_and_writes_nothing(admin_client, tree):
    since = last_seq()
    response = admin_client.post(
        reverse("organisation:unit-create", args=[tree.dept_a.pk]),
        {"code": "BDT", **name_fields(), "type": "division"},  # code taken, no name
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "name" in form.errors
    assert new_events(since) == []


def test_edit_writes_one_web_event(admin_client, admin, tree):
    since = last_seq()
    response = admin_client.post(
        reverse("organisation:unit-edit", args=[tree.dept_a.pk]),
        unit_post(tree.dept_a, city="Geneva", **name_fields(en="Department A", fr="Département A")),
    )
    assert response.status_code == 302
    event = assert_one_web_event(since, admin, "update", "organisation.orgunit")
    assert event.changes["city"] == ["", "Geneva"]
    assert event.changes["name"][1] == {"en": "Department A", "fr": "Département A"}


def test_stale_edit_shows_what_changed_and_writes_nothing(admin_client, tree, system_actor):
    form_version = tree.dept_a.version
    with audit_context(source="cli", reason="concurrent edit"):
        services.org_unit_update(
            actor=system_actor, unit=tree.dept_a, expected_version=form_version, city="Addis Ababa"
        )
    since = last_seq()
    response = admin_client.post(
        reverse("organisation:unit-edit", args=[tree.dept_a.pk]),
        unit_post(tree.dept_a, version=form_version, city="Nairobi"),
    )
    assert response.status_code == 200
    assert new_events(since) == []
    page = response.content.decode()
    assert response.context["conflict"] is not None
    assert "orbit-system" in page, "the conflict names who changed the record"
    assert "Addis Ababa" in page, "the conflict shows the value they set"
    assert 'name="version" value="2"' in page, "resubmitting applies on top of the current version"
    assert OrgUnit.objects.get(pk=tree.dept_a.pk).city == "Addis Ababa"


def test_archive_needs_a_reason_then_writes_one_web_event(admin_client, admin, tree):
    url = reverse("organisation:unit-archive", args=[tree.dept_b.pk])
    since = last_seq()
    response = admin_client.post(url, {"version": tree.dept_b.version, "reason": "  "})
    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    assert new_events(since) == []

    response = admin_client.post(url, {"version": tree.dept_b.version, "reason": "merged into DEPT-A"})
    assert response.status_code == 302
    event = assert_one_web_event(since, admin, "archive", "organisation.orgunit")
    assert event.reason == "merged into DEPT-A"
    assert OrgUnit.all_objects.get(pk=tree.dept_b.pk).is_archived


def test_archive_with_active_children_is_a_form_error(admin_client, tree):
    since = last_seq()
    response = admin_client.post(
        reverse("organisation:unit-archive", args=[tree.dept_a.pk]), {"version": tree.dept_a.version, "reason": "x"}
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert new_events(since) == []


def test_restore_writes_one_web_event(admin_client, admin, tree, system_actor):
    with audit_context(source="cli"):
        archived = services.org_unit_archive(
            actor=system_actor, unit=tree.dept_b, expected_version=tree.dept_b.version, reason="test"
        )
    detail = admin_client.get(reverse("organisation:unit-detail", args=[archived.pk]))
    assert reverse("organisation:unit-restore", args=[archived.pk]) in detail.content.decode()
    since = last_seq()
    response = admin_client.post(
        reverse("organisation:unit-restore", args=[archived.pk]), {"version": archived.version}
    )
    assert response.status_code == 302
    assert_one_web_event(since, admin, "restore", "organisation.orgunit")
    assert not OrgUnit.objects.get(pk=tree.dept_b.pk).is_archived


def test_membership_add_change_remove_restore_each_write_one_web_event(admin_client, admin, tree):
    member = make_user("member")
    since = last_seq()
    response = admin_client.post(
        reverse("organisation:membership-add", args=[tree.dept_a.pk]), {"user": member.pk, "role": "viewer"}
    )
    assert response.status_code == 302
    assert_one_web_event(since, admin, "create", "organisation.membership")
    membership = Membership.objects.get(user=member, unit=tree.dept_a)

    since = last_seq()
    response = admin_client.post(
        reverse("organisation:membership-role", args=[membership.pk]),
        {"version": membership.version, "role": "manager"},
    )
    assert response.status_code == 302
    event = assert_one_web_event(since, admin, "update", "organisation.membership")
    assert event.changes == {"role": ["viewer", "manager"]}

    membership.refresh_from_db()
    since = last_seq()
    response = admin_client.post(
        reverse("organisation:membership-archive", args=[membership.pk]),
        {"version": membership.version, "reason": "left the department"},
    )
    assert response.status_code == 302
    assert_one_web_event(since, admin, "archive", "organisation.membership")

    membership = Membership.all_objects.get(pk=membership.pk)
    since = last_seq()
    response = admin_client.post(
        reverse("organisation:membership-restore", args=[membership.pk]), {"version": membership.version}
    )
    assert response.status_code == 302
    assert_one_web_event(since, admin, "restore", "organisation.membership")


def test_stale_role_change_writes_nothing(admin_client, tree, system_actor):
    member = make_user("member")
    membership = grant(member, tree.dept_a, "viewer")
    with audit_context(source="cli"):
        services.membership_update(
            actor=system_actor, membership=membership, expected_version=membership.version, role="contributor"
        )
    since = last_seq()
    response = admin_client.post(
        reverse("organisation:membership-role", args=[membership.pk]), {"version": 1, "role": "manager"}
    )
    assert response.status_code == 200
    assert response.context["conflict"] is not None
    assert new_events(since) == []
    assert Membership.objects.get(pk=membership.pk).role == "contributor"


def test_user_create_writes_one_web_event(admin_client, admin):
    since = last_seq()
    response = admin_client.post(
        reverse("organisation:user-create"),
        {
            "username": "new.person",
            "first_name": "New",
            "last_name": "Person",
            "email": "new.person@example.org",
            "password": "a-Long-enough-pass-42",
        },
    )
    assert response.status_code == 302
    event = assert_one_web_event(since, admin, "create", "auth.user")
    assert event.object_label == "new.person"


def test_user_create_rejects_a_weak_password(admin_client):
    since = last_seq()
    response = admin_client.post(reverse("organisation:user-create"), {"username": "weak", "password": "123"})
    assert response.status_code == 200
    assert "password" in response.context["form"].errors
    assert new_events(since) == []


def test_out_of_scope_units_answer_404(client, tree):
    user = make_user("a-admin")
    grant(user, tree.dept_a, "admin")
    client.force_login(user)
    assert client.get(reverse("organisation:unit-detail", args=[tree.div_a1.pk])).status_code == 200
    for unit in (tree.dept_b, tree.bdt, tree.root):  # sibling, parent, root
        for name in ("unit-detail", "unit-edit", "unit-archive", "unit-create"):
            assert client.get(reverse(f"organisation:{name}", args=[unit.pk])).status_code == 404, (name, unit)
        history = reverse("governance:history", args=["organisation.orgunit", unit.pk])
        assert client.get(history).status_code == 404
    since = last_seq()
    response = client.post(reverse("organisation:unit-edit", args=[tree.dept_b.pk]), unit_post(tree.dept_b, city="X"))
    assert response.status_code == 404
    assert new_events(since) == []


def test_viewer_sees_no_action_buttons_and_gets_403_on_writes(client, tree):
    user = make_user("viewer")
    grant(user, tree.bdt, "viewer")
    client.force_login(user)
    page = client.get(reverse("organisation:unit-detail", args=[tree.dept_a.pk])).content.decode()
    assert reverse("organisation:unit-edit", args=[tree.dept_a.pk]) not in page
    assert reverse("organisation:unit-archive", args=[tree.dept_a.pk]) not in page
    assert client.get(reverse("organisation:unit-edit", args=[tree.dept_a.pk])).status_code == 403
    since = last_seq()
    response = client.post(reverse("organisation:unit-edit", args=[tree.dept_a.pk]), unit_post(tree.dept_a, city="X"))
    assert response.status_code == 403
    assert new_events(since) == []
    assert client.get(reverse("organisation:user-create")).status_code == 403


def test_unit_list_search_in_any_language_and_filters(admin_client, tree):
    names = {"zh-hans": "非洲区域代表处", "ar": "المكتب الإقليمي"}
    make_unit("RO-X", parent=tree.bdt, type="regional_office", name=names)
    response = admin_client.get("/units/", {"q": "非洲"})
    assert listed(response, "RO-X")
    assert not listed(response, "DEPT-A")
    assert listed(admin_client.get("/units/", {"q": "الإقليمي"}), "RO-X")
    response = admin_client.get("/units/", {"type": "division"})
    assert listed(response, "DIV-A1")
    assert not listed(response, "DEPT-B")


def test_unit_list_archived_toggle(admin_client, tree, system_actor):
    with audit_context(source="cli"):
        services.org_unit_archive(
            actor=system_actor, unit=tree.dept_b, expected_version=tree.dept_b.version, reason="t"
        )
    assert not listed(admin_client.get("/units/"), "DEPT-B")
    assert listed(admin_client.get("/units/", {"archived": "1"}), "DEPT-B")


def test_unit_switcher_narrows_the_unit_list(admin_client, tree):
    assert listed(admin_client.get("/units/"), "DEPT-B")
    response = admin_client.post(reverse("switch-unit"), {"unit": tree.dept_a.pk, "next": "/units/"})
    assert response.status_code == 302
    assert response["Location"] == "/units/"
    response = admin_client.get("/units/")
    assert listed(response, "DIV-A1")
    assert not listed(response, "DEPT-B")
    admin_client.post(reverse("switch-unit"), {"unit": ""})
    assert listed(admin_client.get("/units/"), "DEPT-B")


def test_unit_switcher_refuses_out_of_scope_units(client, tree):
    user = make_user("a-viewer")
    grant(user, tree.dept_a, "viewer")
    client.force_login(user)
    assert client.post(reverse("switch-unit"), {"unit": tree.dept_b.pk}).status_code == 404


def test_sample_units_carry_a_badge(admin_client, tree):
    assert 'class="badge sample"' not in admin_client.get("/units/").content.decode().split('id="unit-results"')[1]
    make_unit("SAMPLE-1", parent=tree.dept_a, is_sample=True)
    response = admin_client.get("/units/", {"q": "SAMPLE-1"})
    assert listed(response, "SAMPLE-1")
    assert 'class="badge sample"' in response.content.decode().split('id="unit-results"')[1]


def test_htmx_search_returns_only_the_results(admin_client, tree):
    response = admin_client.get("/units/", {"q": "DIV"}, headers={"HX-Request": "true", "HX-Target": "unit-results"})
    page = response.content.decode()
    assert ">DIV-A1</a>" in page
    assert "<html" not in page


def test_unit_list_query_count_does_not_grow_with_units(admin_client, tree, django_assert_max_num_queries):
    for i in range(25):
        make_unit(f"EXTRA-{i}", parent=tree.dept_b, type="division", is_sample=bool(i % 2))
    admin_client.get("/units/")  # warm the session
    with django_assert_max_num_queries(6):  # session, user, roles, units, switcher (+1 spare)
        response = admin_client.get("/units/")
    assert response.status_code == 200
    assert all(listed(response, f"EXTRA-{i}") for i in range(25))


def test_unit_detail_query_count_does_not_grow_with_members(admin_client, tree, django_assert_max_num_queries):
    for i in range(15):
        grant(make_user(f"m{i}", last_name="(sample user)"), tree.dept_a, "viewer")
    with django_assert_max_num_queries(10):
        response = admin_client.get(reverse("organisation:unit-detail", args=[tree.dept_a.pk]))
    page = response.content.decode()
    assert all(f"m{i}" in page for i in range(15))
    assert page.count('class="badge sample"') >= 15
