"""History pages, the audit log page and the home feed, each scoped like the records they show."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from orbit.core.context import audit_context
from orbit.governance.models import AuditEvent
from orbit.organisation import services
from orbit.organisation.tests.factories import grant, make_unit, make_user

pytestmark = pytest.mark.django_db


def history_url(object_type: str, object_id: object) -> str:
    return reverse("governance:history", args=[object_type, object_id])


@pytest.fixture
def viewer_client(client, tree):
    user = make_user("dept-a-viewer")
    grant(user, tree.dept_a, "viewer")
    client.force_login(user)
    client.user = user
    return client


def test_unit_history_lists_events_newest_first_with_field_changes(viewer_client, tree, system_actor):
    with audit_context(source="cli", reason="moved offices"):
        services.org_unit_update(
            actor=system_actor, unit=tree.dept_a, expected_version=tree.dept_a.version, city="Bangkok"
        )
    response = viewer_client.get(history_url("organisation.orgunit", tree.dept_a.pk))
    assert response.status_code == 200
    events = list(response.context["page"].object_list)
    assert [e.action for e in events] == ["update", "create"]
    assert events[0].seq > events[1].seq
    page = response.content.decode()
    assert "Bangkok" in page
    assert "moved offices" in page
    assert page.index("Bangkok") < page.index("Unit DEPT-A</ins>"), "newest event is shown first"


def test_history_of_unknown_type_or_missing_object_is_404(viewer_client, tree):
    assert viewer_client.get(history_url("auth.user", viewer_client.user.pk)).status_code == 404
    assert viewer_client.get(history_url("nothing.here", 1)).status_code == 404
    assert viewer_client.get(history_url("organisation.orgunit", 999999)).status_code == 404
    assert viewer_client.get(history_url("organisation.orgunit", "not-a-number")).status_code == 404


def test_history_out_of_scope_is_404(viewer_client, tree):
    for unit in (tree.dept_b, tree.bdt, tree.root):
        assert viewer_client.get(history_url("organisation.orgunit", unit.pk)).status_code == 404


def test_membership_history_follows_membership_scope(viewer_client, tree):
    own = viewer_client.user.memberships.get()
    assert viewer_client.get(history_url("organisation.membership", own.pk)).status_code == 200
    other = grant(make_user("someone"), tree.dept_a, "viewer")
    assert viewer_client.get(history_url("organisation.membership", other.pk)).status_code == 404, (
        "a viewer sees only their own memberships"
    )


def test_audit_log_is_404_for_everyone_but_auditors_and_superusers(client, tree):
    admin = make_user("root-admin")
    grant(admin, tree.root, "admin")
    client.force_login(admin)
    assert client.get(reverse("governance:audit-log")).status_code == 404
    assert reverse("governance:audit-log") not in client.get("/").content.decode(), "no nav link either"

    auditor = make_user("auditor")
    grant(auditor, None, "auditor")
    client.force_login(auditor)
    response = client.get(reverse("governance:audit-log"))
    assert response.status_code == 200
    assert response.context["page"].paginator.count == AuditEvent.objects.count()
    assert reverse("governance:audit-log") in response.content.decode()

    superuser = make_user("super", is_superuser=True)
    client.force_login(superuser)
    assert client.get(reverse("governance:audit-log")).status_code == 200


def test_audit_log_filters_and_pages(client, tree, system_actor):
    auditor = make_user("auditor")
    grant(auditor, None, "auditor")
    for i in range(55):
        make_unit(f"BULK-{i}", parent=tree.dept_b, type="division")
    client.force_login(auditor)
    url = reverse("governance:audit-log")

    response = client.get(url, {"object_type": "organisation.membership"})
    assert {e.object_type for e in response.context["page"].object_list} == {"organisation.membership"}

    response = client.get(url, {"action": "create", "object_type": "organisation.orgunit"})
    page = response.context["page"]
    assert page.paginator.count == 5 + 55
    assert page.paginator.num_pages == 2
    assert "page=2" in response.content.decode()
    second = client.get(url, {"action": "create", "object_type": "organisation.orgunit", "page": 2})
    assert len(second.context["page"].object_list) == 10

    assert client.get(url, {"actor": "nobody"}).context["page"].paginator.count == 0
    assert client.get(url, {"actor": "ORBIT-SYSTEM"}).context["page"].paginator.count == AuditEvent.objects.filter(
        actor_username="orbit-system"
    ).count()
    tomorrow = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).date().isoformat()
    assert client.get(url, {"date_from": tomorrow}).context["page"].paginator.count == 0
    assert client.get(url, {"date_to": tomorrow}).context["page"].paginator.count == AuditEvent.objects.count()


def test_home_feed_is_scoped_and_narrowed_by_the_unit_switcher(viewer_client, tree, system_actor):
    with audit_context(source="cli"):
        services.org_unit_update(actor=system_actor, unit=tree.dept_b, expected_version=1, city="Sibling City")
        services.org_unit_update(actor=system_actor, unit=tree.div_a1, expected_version=1, city="Child City")
    events = viewer_client.get("/").context["events"]
    labels = {e.object_label for e in events}
    assert "DIV-A1 — Unit DIV-A1" in labels
    assert not any(label.startswith("DEPT-B") for label in labels), "out of scope events stay hidden"

    viewer_client.post(reverse("switch-unit"), {"unit": tree.div_a1.pk})
    events = viewer_client.get("/").context["events"]
    assert events
    assert all(e.scope_path.startswith(tree.div_a1.path) for e in events)
    page = viewer_client.get("/").content.decode()
    assert reverse("organisation:unit-detail", args=[tree.div_a1.pk]) in page, "object labels link to the object"


def test_home_query_count_does_not_grow_with_events(client, tree, django_assert_max_num_queries):
    admin = make_user("root-admin")
    grant(admin, tree.root, "admin")
    for i in range(25):
        make_unit(f"FEED-{i}", parent=tree.dept_b, type="division")
    client.force_login(admin)
    with django_assert_max_num_queries(6):  # session, user, roles, events, switcher (+1 spare)
        response = client.get("/")
    assert len(response.context["events"]) == 30


def test_interface_speaks_chinese_and_arabic_right_to_left(viewer_client):
    viewer_client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    page = viewer_client.get("/").content.decode()
    assert 'lang="zh-hans"' in page
    assert "最近活动" in page
    assert ">单位</a>" in page
    viewer_client.post(reverse("set_language"), {"language": "ar", "next": "/"})
    page = viewer_client.get("/").content.decode()
    assert 'dir="rtl"' in page
    assert "الوحدات" in page
