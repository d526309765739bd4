"""Restoring archived targets, values and contribution links: rights, validation, one audit event, stale versions."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from orbit.core.errors import PermissionDenied, StaleVersion
from orbit.governance.models import AuditEvent
from orbit.organisation.tests.factories import grant, make_user
from orbit.results.models import ActualValue, Framework, NodeLink, Target
from orbit.results.services import (
    actual_archive,
    actual_create,
    actual_restore,
    actual_update,
    node_link,
    node_link_restore,
    node_unlink,
    target_archive,
    target_create,
    target_restore,
)
from orbit.results.tests.factories import make_framework, make_indicator, make_node

pytestmark = pytest.mark.django_db


def year(y: int) -> dict[str, Any]:
    return {"period_type": "annual", "period_start": dt.date(y, 1, 1), "period_end": dt.date(y, 12, 31)}


def last_seq() -> int:
    return AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


def one_event(since: int, actor: Any, object_type: str, pk: int) -> AuditEvent:
    events = list(AuditEvent.objects.filter(seq__gt=since).order_by("seq"))
    assert len(events) == 1, [str(e) for e in events]
    event = events[0]
    assert (event.action, event.actor_id, event.object_type, event.object_id) == (
        "restore", actor.pk, object_type, str(pk)
    )  # fmt: skip
    return event


@pytest.fixture
def people(tree):
    users = {}
    for role in ("viewer", "contributor", "manager"):
        users[role] = make_user(f"restore-{role}")
        grant(users[role], tree.dept_a, role)
    return users


@pytest.fixture
def setup(tree, system_actor, cli_context):
    framework = make_framework(tree.dept_a, "RST", tiers=2)
    node = make_node(framework, "Goal")
    indicator = make_indicator(node, "R1")
    target = target_create(actor=system_actor, indicator=indicator, value=10, **year(2024))
    value = actual_create(actor=system_actor, indicator=indicator, unit=tree.dept_a, value=4, **year(2024))
    return framework, node, indicator, target, value


# --- targets --------------------------------------------------------------------------------------------------


def test_target_restore_writes_one_event_and_needs_the_change_right(setup, people, system_actor, cli_context):
    _fw, _node, _indicator, target, _value = setup
    target = target_archive(actor=system_actor, target=target, expected_version=target.version, reason="typo")
    with pytest.raises(PermissionDenied):
        target_restore(actor=people["viewer"], target=target, expected_version=target.version)
    since = last_seq()
    restored = target_restore(actor=people["contributor"], target=target, expected_version=target.version, reason="ok")
    one_event(since, people["contributor"], "results.target", target.pk)
    assert not restored.is_archived and restored.version == target.version + 1
    assert Target.objects.filter(pk=target.pk).exists()


def test_target_restore_refuses_a_stale_version_and_a_live_record(setup, system_actor, cli_context):
    _fw, _node, _indicator, target, _value = setup
    with pytest.raises(ValidationError, match="not archived"):
        target_restore(actor=system_actor, target=target, expected_version=target.version)
    archived = target_archive(actor=system_actor, target=target, expected_version=target.version, reason="typo")
    since = last_seq()
    with pytest.raises(StaleVersion) as caught:
        target_restore(actor=system_actor, target=archived, expected_version=target.version)
    assert caught.value.current.version == archived.version
    assert [e.action for e in caught.value.changes_since] == ["archive"]
    assert not AuditEvent.objects.filter(seq__gt=since).exists()
    assert Target.all_objects.get(pk=target.pk).is_archived


def test_target_restore_keeps_periods_from_overlapping(setup, system_actor, cli_context):
    _fw, _node, indicator, target, _value = setup
    archived = target_archive(actor=system_actor, target=target, expected_version=target.version, reason="redo")
    target_create(actor=system_actor, indicator=indicator, value=12, **year(2024))
    with pytest.raises(ValidationError, match="overlaps"):
        target_restore(actor=system_actor, target=archived, expected_version=archived.version)
    assert Target.all_objects.get(pk=target.pk).is_archived


# --- actual values --------------------------------------------------------------------------------------------


def test_value_restore_by_a_contributor(setup, people, cli_context):
    _fw, _node, _indicator, _target, value = setup
    value = actual_archive(actor=people["contributor"], actual=value, expected_version=value.version, reason="dup")
    with pytest.raises(PermissionDenied):
        actual_restore(actor=people["viewer"], actual=value, expected_version=value.version)
    since = last_seq()
    restored = actual_restore(actor=people["contributor"], actual=value, expected_version=value.version)
    one_event(since, people["contributor"], "results.actualvalue", value.pk)
    assert ActualValue.objects.get(pk=value.pk).version == restored.version


def test_approved_value_restore_needs_a_manager(setup, people, system_actor, cli_context):
    _fw, _node, _indicator, _target, value = setup
    value = actual_update(actor=system_actor, actual=value, expected_version=value.version, status="approved")
    value = actual_archive(actor=people["manager"], actual=value, expected_version=value.version, reason="wrong")
    with pytest.raises(PermissionDenied):
        actual_restore(actor=people["contributor"], actual=value, expected_version=value.version)
    since = last_seq()
    actual_restore(actor=people["manager"], actual=value, expected_version=value.version)
    one_event(since, people["manager"], "results.actualvalue", value.pk)
    assert ActualValue.objects.get(pk=value.pk).status == ActualValue.Status.APPROVED


def test_value_restore_stale_and_overlap(setup, system_actor, tree, cli_context):
    _fw, _node, indicator, _target, value = setup
    archived = actual_archive(actor=system_actor, actual=value, expected_version=value.version, reason="redo")
    with pytest.raises(StaleVersion):
        actual_restore(actor=system_actor, actual=archived, expected_version=value.version)
    actual_create(actor=system_actor, indicator=indicator, unit=tree.dept_a, value=5, **year(2024))
    with pytest.raises(ValidationError, match="overlaps"):
        actual_restore(actor=system_actor, actual=archived, expected_version=archived.version)


# --- contribution links ---------------------------------------------------------------------------------------


@pytest.fixture
def sdg_target(tree, cli_context):
    framework = make_framework(tree.root, "SDGR", tiers=2, kind=Framework.Kind.GLOBAL_GOALS, is_public=True)
    goal = make_node(framework, "Goal one")
    return make_node(framework, "Target one", parent=goal)


def test_link_restore_keeps_one_active_link(setup, sdg_target, people, system_actor, cli_context):
    _fw, node, _indicator, _target, _value = setup
    link = node_link(actor=people["contributor"], source=node, target=sdg_target)
    link = node_unlink(actor=people["contributor"], link=link, expected_version=link.version, reason="wrong goal")
    with pytest.raises(PermissionDenied):
        node_link_restore(actor=people["viewer"], link=link, expected_version=link.version)
    since = last_seq()
    restored = node_link_restore(actor=people["contributor"], link=link, expected_version=link.version)
    one_event(since, people["contributor"], "results.nodelink", link.pk)
    assert not restored.is_archived
    # Removed again, recorded anew: the old link cannot come back beside the new one.
    restored = node_unlink(actor=system_actor, link=restored, expected_version=restored.version, reason="again")
    node_link(actor=system_actor, source=node, target=sdg_target)
    with pytest.raises(ValidationError, match="already recorded"):
        node_link_restore(actor=system_actor, link=restored, expected_version=restored.version)
    assert NodeLink.objects.filter(source=node, target=sdg_target).count() == 1


def test_link_restore_stale_version(setup, sdg_target, system_actor, cli_context):
    _fw, node, _indicator, _target, _value = setup
    link = node_link(actor=system_actor, source=node, target=sdg_target)
    archived = node_unlink(actor=system_actor, link=link, expected_version=link.version, reason="wrong")
    since = last_seq()
    with pytest.raises(StaleVersion):
        node_link_restore(actor=system_actor, link=archived, expected_version=link.version)
    assert not AuditEvent.objects.filter(seq__gt=since).exists()
    assert NodeLink.all_objects.get(pk=link.pk).is_archived
