"""The CLI write path: `orbit unit`, `orbit member`, `orbit user` each write one audited change."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from orbit.governance.models import AuditEvent
from orbit.organisation.models import Membership, OrgUnit
from orbit.organisation.tests.factories import grant, make_user

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def last_event() -> AuditEvent:
    return AuditEvent.objects.order_by("-seq").first()


def test_each_unit_command_writes_one_cli_event(tree):
    steps = [
        (("unit", "add", "DIV-B1", "--name", '{"en": "Div", "fr": "Div"}', "--type", "division", "--parent", "DEPT-B",
          "--reason", "new division"), "create"),
        (("unit", "set", "DIV-B1", "--version", "1", "--city", "Geneva"), "update"),
        (("unit", "archive", "DIV-B1", "--version", "2", "--reason", "closed"), "archive"),
        (("unit", "restore", "DIV-B1", "--version", "3"), "restore"),
    ]
    for args, action in steps:
        before = AuditEvent.objects.count()
        run(*args)
        assert AuditEvent.objects.count() == before + 1, args
        event = last_event()
        assert (event.action, event.source, event.actor_username) == (action, "cli", "orbit-system")
    assert AuditEvent.objects.filter(object_type="organisation.orgunit", reason="new division").count() == 1
    assert OrgUnit.objects.get(code="DIV-B1").city == "Geneva"


def test_member_and_user_commands_write_one_cli_event_each(tree, monkeypatch):
    admin = make_user("dept.admin")
    grant(admin, tree.dept_a, "admin")
    before = AuditEvent.objects.count()
    monkeypatch.setattr("sys.stdin", io.StringIO("long-enough-pw\n"))
    run("user", "add", "new.person", "--password-stdin", "--actor", "dept.admin")
    assert AuditEvent.objects.count() == before + 1
    assert last_event().actor_username == "dept.admin"
    run("member", "add", "new.person", "contributor", "--unit", "DIV-A1", "--actor", "dept.admin")
    membership = Membership.objects.get(user__username="new.person")
    run("member", "set", str(membership.pk), "manager", "--version", "1", "--actor", "dept.admin")
    run("member", "remove", str(membership.pk), "--version", "2", "--reason", "left", "--actor", "dept.admin")
    run("member", "restore", str(membership.pk), "--version", "3", "--actor", "dept.admin")
    actions = list(
        AuditEvent.objects.filter(object_type="organisation.membership", object_id=str(membership.pk))
        .order_by("seq")
        .values_list("action", "source")
    )
    assert actions == [("create", "cli"), ("update", "cli"), ("archive", "cli"), ("restore", "cli")]


def test_cli_errors_are_one_line_and_change_nothing(tree):
    outsider = make_user("outsider")
    grant(outsider, tree.dept_b, "admin")
    before = AuditEvent.objects.count()
    cases = [
        (("unit", "set", "DEPT-A", "--version", "1", "--city", "x", "--actor", "outsider"), "no unit with code"),
        (("unit", "set", "DEPT-B", "--version", "7", "--city", "x"), "changed since version 7"),
        (("unit", "add", "Z", "--name", "{bad", "--type", "division", "--parent", "BDT"), "not valid JSON"),
        (("unit", "set", "DEPT-B", "--version", "1", "--country", "Swiss"), "country"),
        (("unit", "archive", "DEPT-B", "--version", "1"), "needs --reason"),
        (("unit", "set", "DEPT-B", "--version", "1", "--city", "x", "--actor", "nobody"), "no active user"),
    ]
    for args, message in cases:
        with pytest.raises(CommandError) as info:
            run(*args)
        assert message in str(info.value), args
    assert AuditEvent.objects.count() == before


def test_unit_list_shows_only_the_actors_scope(tree):
    viewer = make_user("viewer")
    grant(viewer, tree.dept_a, "viewer")
    output = run("unit", "list", "--actor", "viewer")
    assert "DEPT-A" in output and "DIV-A1" in output
    assert "DEPT-B" not in output and "BDT" not in output
