"""Units and memberships: the tree, moves, roles and their constraints."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from orbit.core.errors import NotFound, PermissionDenied
from orbit.governance.models import AuditEvent
from orbit.organisation.access import ALL, can, scope_paths
from orbit.organisation.models import Membership, OrgUnit
from orbit.organisation.selectors import org_unit_list, org_unit_restrict
from orbit.organisation.services import (
    membership_archive,
    membership_create,
    membership_update,
    org_unit_create,
    org_unit_update,
    user_create,
)
from orbit.organisation.tests.factories import grant, make_unit, make_user

pytestmark = pytest.mark.django_db


def test_paths_follow_the_tree(tree):
    assert tree.root.path == f"/{tree.root.pk:010d}/"
    assert tree.div_a1.path == f"{tree.dept_a.path}{tree.div_a1.pk:010d}/"
    assert list(OrgUnit.objects.values_list("code", flat=True)) == ["ITU", "BDT", "DEPT-A", "DIV-A1", "DEPT-B"]
    assert tree.div_a1.depth == 3


def test_move_rewrites_the_subtree_and_is_one_audited_write(tree, system_actor, cli_context):
    before = AuditEvent.objects.count()
    moved = org_unit_update(actor=system_actor, unit=tree.dept_a, expected_version=1, parent=tree.dept_b)
    assert AuditEvent.objects.count() == before + 1
    assert moved.path == f"{tree.dept_b.path}{tree.dept_a.pk:010d}/"
    child = OrgUnit.objects.get(pk=tree.div_a1.pk)
    assert child.path == f"{moved.path}{child.pk:010d}/"
    assert child.depth == 4
    assert AuditEvent.objects.order_by("-seq").first().changes == {"parent": [tree.bdt.pk, tree.dept_b.pk]}


def test_move_under_own_descendant_is_refused(tree, system_actor, cli_context):
    with pytest.raises(ValidationError):
        org_unit_update(actor=system_actor, unit=tree.dept_a, expected_version=1, parent=tree.div_a1)


def test_roles_apply_to_descendants_only(tree):
    user = make_user()
    grant(user, tree.dept_a, "manager")
    assert can(user, "approve", tree.div_a1.path)
    assert can(user, "view", tree.dept_a.path)
    assert not can(user, "view", tree.bdt.path)  # ancestor
    assert not can(user, "view", tree.dept_b.path)  # sibling
    assert not can(user, "admin", tree.dept_a.path)
    codes = set(org_unit_restrict(user).values_list("code", flat=True))
    assert codes == {"DEPT-A", "DIV-A1"}


def test_auditor_reads_everything_and_changes_nothing(tree, cli_context):
    auditor = make_user()
    grant(auditor, None, "auditor")
    assert scope_paths(auditor, "view") is ALL
    assert scope_paths(auditor, "change") == []
    with pytest.raises(PermissionDenied):
        org_unit_update(actor=auditor, unit=tree.dept_a, expected_version=1, city="x")


def test_out_of_scope_write_is_not_found_in_scope_without_right_is_denied(tree, cli_context):
    viewer = make_user()
    grant(viewer, tree.dept_a, "viewer")
    with pytest.raises(PermissionDenied):
        org_unit_update(actor=viewer, unit=tree.dept_a, expected_version=1, city="x")
    with pytest.raises(NotFound):
        org_unit_update(actor=viewer, unit=tree.dept_b, expected_version=1, city="x")


def test_admin_creates_child_units_only_under_own_subtree(tree, cli_context):
    admin = make_user()
    grant(admin, tree.dept_a, "admin")
    child = org_unit_create(actor=admin, code="DIV-A2", name={"en": "Div"}, type="division", parent=tree.dept_a)
    assert child.path.startswith(tree.dept_a.path)
    with pytest.raises(NotFound):
        org_unit_create(actor=admin, code="X", name={"en": "X"}, type="division", parent=tree.dept_b)
    with pytest.raises(PermissionDenied):
        org_unit_create(actor=admin, code="ROOT2", name={"en": "X"}, type="organisation")


def test_membership_lifecycle_and_constraints(tree, system_actor, cli_context):
    user = make_user()
    membership = membership_create(actor=system_actor, user=user, unit=tree.dept_a, role="viewer")
    assert not can(user, "change", tree.dept_a.path)
    membership = membership_update(actor=system_actor, membership=membership, expected_version=1, role="contributor")
    assert can(user, "change", tree.dept_a.path)
    with pytest.raises(ValidationError):
        membership_create(actor=system_actor, user=user, unit=tree.dept_a, role="admin")  # one active role per unit
    with pytest.raises(ValidationError):
        membership_create(actor=system_actor, user=user, unit=tree.dept_b, role="auditor")  # auditor is global
    membership_archive(actor=system_actor, membership=membership, expected_version=2, reason="left")
    assert not can(user, "view", tree.dept_a.path)
    assert Membership.all_objects.filter(user=user).count() == 1
    again = membership_create(actor=system_actor, user=user, unit=tree.dept_a, role="viewer")
    assert again.pk != membership.pk


def test_only_superuser_grants_auditor(tree, cli_context):
    admin = make_user()
    grant(admin, tree.root, "admin")
    with pytest.raises(PermissionDenied):
        membership_create(actor=admin, user=make_user(), unit=None, role="auditor")


def test_user_create_is_audited_and_needs_an_admin(tree, cli_context):
    admin = make_user()
    grant(admin, tree.dept_b, "admin")
    created = user_create(actor=admin, username="new.person", email="n@example.org", password="x-Y-z-12345")
    event = AuditEvent.objects.order_by("-seq").first()
    assert (event.object_type, event.object_id, event.actor_id) == ("auth.user", str(created.pk), admin.pk)
    assert "password" not in event.changes
    nobody = make_user()
    with pytest.raises(PermissionDenied):
        user_create(actor=nobody, username="other")
    with pytest.raises(PermissionDenied):
        user_create(actor=admin, username="root2", is_superuser=True)


def test_search_finds_names_in_any_language(db, system_actor):
    root = make_unit("ITU", name={"zh-hans": "国际电信联盟", "ar": "الاتحاد الدولي للاتصالات", "fr": "Union"})
    make_unit("OTHER", parent=root, type="bureau")
    for term in ("电信", "الدولي", "union", "UNIT ITU", "itu"):
        assert list(org_unit_list(system_actor, q=term).values_list("code", flat=True)) == ["ITU"], term


def test_scope_is_computed_in_a_fixed_number_of_queries(tree, django_assert_num_queries):
    user = make_user()
    for unit in (tree.dept_a, tree.dept_b, tree.div_a1):
        grant(user, unit, "viewer")
    from django.contrib.auth import get_user_model

    fresh = get_user_model().objects.get(pk=user.pk)
    with django_assert_num_queries(2):  # memberships once, then the units
        assert len(list(org_unit_restrict(fresh))) == 3
