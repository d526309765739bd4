"""The governance helpers: one audit row per write, versions, archive and restore, no bypass."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from orbit.core.context import audit_context
from orbit.core.errors import AnonymousWrite, BulkUpdateForbidden, HardDeleteForbidden, StaleVersion
from orbit.governance.chain import verify_database
from orbit.governance.models import AuditEvent
from orbit.organisation.models import OrgUnit
from orbit.organisation.services import org_unit_archive, org_unit_restore, org_unit_update

pytestmark = pytest.mark.django_db


def events_for(obj):
    return list(AuditEvent.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk)).order_by("seq"))


def test_create_writes_one_event_with_context(tree, system_actor):
    events = events_for(tree.dept_a)
    assert [e.action for e in events] == ["create"]
    event = events[0]
    assert event.actor_id == system_actor.pk
    assert event.actor_username == "orbit-system"
    assert event.source == "cli"
    assert event.reason == "test data"
    assert event.scope_path == tree.dept_a.path
    assert event.parent_type == "organisation.orgunit"
    assert event.parent_id == str(tree.bdt.pk)
    assert event.changes["code"] == [None, "DEPT-A"]
    assert event.object_version == 1


def test_update_records_field_level_difference_and_bumps_version(tree, system_actor, cli_context):
    unit = org_unit_update(actor=system_actor, unit=tree.dept_b, expected_version=1, city="Geneva", reason="moved")
    assert unit.version == 2
    last = events_for(unit)[-1]
    assert last.action == "update"
    assert last.changes == {"city": ["", "Geneva"]}
    assert last.reason == "moved"
    assert last.object_version == 2


def test_update_without_change_writes_nothing(tree, system_actor, cli_context):
    before = AuditEvent.objects.count()
    unit = org_unit_update(actor=system_actor, unit=tree.dept_b, expected_version=1, city="")
    assert unit.version == 1
    assert AuditEvent.objects.count() == before


def test_stale_write_is_refused_and_reports_what_changed(tree, system_actor, cli_context):
    org_unit_update(actor=system_actor, unit=tree.dept_b, expected_version=1, city="Geneva")
    before = AuditEvent.objects.count()
    with pytest.raises(StaleVersion) as info:
        org_unit_update(actor=system_actor, unit=tree.dept_b, expected_version=1, city="Bangkok")
    assert info.value.current.version == 2
    assert [e.changes for e in info.value.changes_since] == [{"city": ["", "Geneva"]}]
    assert AuditEvent.objects.count() == before
    assert OrgUnit.objects.get(pk=tree.dept_b.pk).city == "Geneva"


def test_archive_hides_and_restore_brings_back(tree, system_actor, cli_context):
    with pytest.raises(ValidationError):
        org_unit_archive(actor=system_actor, unit=tree.dept_b, expected_version=1, reason="  ")
    archived = org_unit_archive(actor=system_actor, unit=tree.dept_b, expected_version=1, reason="merged")
    assert archived.archived_by == system_actor
    assert not OrgUnit.objects.filter(pk=tree.dept_b.pk).exists()
    assert OrgUnit.all_objects.filter(pk=tree.dept_b.pk).exists()
    restored = org_unit_restore(actor=system_actor, unit=archived, expected_version=2)
    assert OrgUnit.objects.filter(pk=tree.dept_b.pk).exists()
    assert restored.version == 3
    assert [e.action for e in events_for(tree.dept_b)] == ["create", "archive", "restore"]
    assert events_for(tree.dept_b)[1].reason == "merged"


def test_archive_refuses_unit_with_active_children(tree, system_actor, cli_context):
    with pytest.raises(ValidationError) as info:
        org_unit_archive(actor=system_actor, unit=tree.dept_a, expected_version=1, reason="x")
    assert "children" in info.value.message_dict


def test_hard_delete_and_bulk_writes_are_refused(tree):
    with pytest.raises(HardDeleteForbidden):
        tree.dept_b.delete()
    with pytest.raises(HardDeleteForbidden):
        OrgUnit.objects.filter(pk=tree.dept_b.pk).delete()
    with pytest.raises(BulkUpdateForbidden):
        OrgUnit.objects.filter(pk=tree.dept_b.pk).update(city="x")
    with pytest.raises(BulkUpdateForbidden):
        OrgUnit.all_objects.all().update(city="x")


def test_anonymous_write_is_refused(tree):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(AnonymousWrite):
        org_unit_update(actor=None, unit=tree.dept_b, expected_version=1, city="x")
    with pytest.raises(AnonymousWrite):
        org_unit_update(actor=AnonymousUser(), unit=tree.dept_b, expected_version=1, city="x")
    assert OrgUnit.objects.get(pk=tree.dept_b.pk).city == ""


def test_database_refuses_update_and_delete_of_audit_rows(tree):
    table = AuditEvent._meta.db_table
    for statement in (f"UPDATE {table} SET reason = 'x' WHERE seq = 1", f"DELETE FROM {table} WHERE seq = 1"):
        with pytest.raises(Exception) as info, transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
        assert "append-only" in str(info.value)
    assert verify_database().ok


def test_failed_write_leaves_no_audit_row(tree, system_actor, cli_context):
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError):
        org_unit_update(actor=system_actor, unit=tree.dept_b, expected_version=1, country="Switzerland")
    assert AuditEvent.objects.count() == before
    with pytest.raises((ValidationError, IntegrityError)):
        org_unit_update(actor=system_actor, unit=tree.dept_b, expected_version=1, code="DEPT-A")
    assert AuditEvent.objects.count() == before


def test_chain_verifies_after_many_writes(tree, system_actor):
    with audit_context(source="job", reason="bulk"):
        unit = tree.dept_b
        for city in ("A", "B", "C"):
            unit = org_unit_update(actor=system_actor, unit=unit, expected_version=unit.version, city=city)
    result = verify_database()
    assert result.ok, result
    assert result.count == AuditEvent.objects.count()
    assert AuditEvent.objects.order_by("-seq").first().source == "job"
