"""Every write to units, memberships and users: authorised, validated, audited, atomic."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from orbit.core.errors import NotFound, PermissionDenied
from orbit.governance.services import (
    audited_archive,
    audited_create,
    audited_restore,
    audited_update,
    record_event,
    require_actor,
)
from orbit.organisation.access import can, can_anywhere, clear_scope_cache, right_name
from orbit.organisation.models import Membership, OrgUnit, Role, UnitType

MAX_DEPTH = 20
UNIT_FIELDS = ("code", "name", "type", "parent", "region", "city", "country", "source", "is_sample")


def _require(actor: Any, action: str, unit: OrgUnit) -> None:
    """Out of view scope: NotFound (existence does not leak); in view scope but not allowed: PermissionDenied."""
    require_actor(actor)
    if can(actor, action, unit.path):
        return
    if can(actor, "view", unit.path):
        raise PermissionDenied(
            _("You need the %(right)s right on %(unit)s to do this.") % {"right": right_name(action), "unit": unit.code}
        )
    raise NotFound(_("No such organisational unit."))


def path_segment(pk: int) -> str:
    """Zero-padded, so that ordering by path lists a tree parent-first with siblings in creation order."""
    return f"{pk:010d}/"


def _set_path(unit: OrgUnit) -> None:
    parent = unit.parent
    unit.path = f"{parent.path if parent else '/'}{path_segment(unit.pk)}"
    unit.depth = (parent.depth + 1) if parent else 0
    unit.save(update_fields=["path", "depth"])


@transaction.atomic
def org_unit_create(
    *,
    actor: Any,
    code: str,
    name: dict[str, str],
    type: str,
    parent: OrgUnit | None = None,
    region: str = "",
    city: str = "",
    country: str = "",
    source: str = "",
    is_sample: bool = False,
    reason: str = "",
) -> OrgUnit:
    require_actor(actor)
    if parent is None:
        if not getattr(actor, "is_superuser", False):
            raise PermissionDenied(_("Only a superuser may create a top-level unit."))
    else:
        _require(actor, "admin", parent)
        if parent.is_archived:
            raise ValidationError({"parent": _("The parent unit is archived.")})
        if parent.depth + 1 > MAX_DEPTH:
            raise ValidationError({"parent": _("Units nest at most %(depth)d levels deep.") % {"depth": MAX_DEPTH}})
    unit = OrgUnit(
        code=code,
        name=name,
        type=type,
        parent=parent,
        region=region,
        city=city,
        country=country,
        source=source,
        is_sample=is_sample,
    )
    return audited_create(actor=actor, instance=unit, reason=reason, after_insert=_set_path)


def _move_subtree(unit: OrgUnit, new_parent: OrgUnit | None) -> None:
    old_path = unit.path
    new_path = f"{new_parent.path if new_parent else '/'}{path_segment(unit.pk)}"
    delta = ((new_parent.depth + 1) if new_parent else 0) - unit.depth
    # Paths are derived data: one statement rewrites the whole subtree (the move itself is audited).
    OrgUnit.all_objects.filter(path__startswith=old_path)._update(
        [
            (OrgUnit._meta.get_field("path"), None, Concat(Value(new_path), Substr("path", len(old_path) + 1))),
            (OrgUnit._meta.get_field("depth"), None, F("depth") + delta),
        ]
    )
    unit.path = new_path
    unit.depth += delta


@transaction.atomic
def org_unit_update(*, actor: Any, unit: OrgUnit, expected_version: int, reason: str = "", **values: Any) -> OrgUnit:
    unknown = set(values) - set(UNIT_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), _("This field cannot be changed here.")))
    _require(actor, "admin", unit)
    if "parent" in values and values["parent"] != unit.parent:
        new_parent: OrgUnit | None = values["parent"]
        if new_parent is None:
            if not actor.is_superuser:
                raise PermissionDenied(_("Only a superuser may make a unit top-level."))
        else:
            _require(actor, "admin", new_parent)
            fresh = OrgUnit.all_objects.get(pk=unit.pk)
            if new_parent.path.startswith(fresh.path):
                raise ValidationError({"parent": _("A unit cannot be moved under itself or its descendants.")})
            if new_parent.is_archived:
                raise ValidationError({"parent": _("The new parent unit is archived.")})
            subtree_height = (
                max(OrgUnit.all_objects.filter(path__startswith=fresh.path).values_list("depth", flat=True))
                - fresh.depth
            )
            if new_parent.depth + 1 + subtree_height > MAX_DEPTH:
                raise ValidationError({"parent": _("Units nest at most %(depth)d levels deep.") % {"depth": MAX_DEPTH}})
        updated = audited_update(
            actor=actor, instance=unit, expected_version=expected_version, values=values, reason=reason
        )
        _move_subtree(updated, new_parent)
        clear_scope_cache()
        return updated
    return audited_update(actor=actor, instance=unit, expected_version=expected_version, values=values, reason=reason)


@transaction.atomic
def org_unit_archive(*, actor: Any, unit: OrgUnit, expected_version: int, reason: str) -> OrgUnit:
    _require(actor, "admin", unit)
    if unit.parent_id is None and not actor.is_superuser:
        raise PermissionDenied(_("Only a superuser may archive a top-level unit."))
    active_children = OrgUnit.objects.filter(parent=unit).count()
    if active_children:
        raise ValidationError(
            {"children": ngettext(
                "Archive its %(count)d active child unit first.",
                "Archive its %(count)d active child units first.",
                active_children,
            ) % {"count": active_children}}
        )  # fmt: skip
    archived = audited_archive(actor=actor, instance=unit, expected_version=expected_version, reason=reason)
    clear_scope_cache()
    return archived


@transaction.atomic
def org_unit_restore(*, actor: Any, unit: OrgUnit, expected_version: int, reason: str = "") -> OrgUnit:
    _require(actor, "admin", unit)
    if unit.parent is not None and unit.parent.is_archived:
        raise ValidationError({"parent": _("Restore the parent unit first.")})
    restored = audited_restore(actor=actor, instance=unit, expected_version=expected_version, reason=reason)
    clear_scope_cache()
    return restored


def membership_grant_check(actor: Any, unit: OrgUnit | None, role: str) -> None:
    """Raise unless ``actor`` may grant ``role`` on ``unit`` (None: the global auditor role)."""
    require_actor(actor)
    if unit is None or role == Role.AUDITOR:
        if not getattr(actor, "is_superuser", False):
            raise PermissionDenied(_("Only a superuser may grant or change the global auditor role."))
        return
    _require(actor, "admin", unit)


@transaction.atomic
def membership_create(*, actor: Any, user: Any, unit: OrgUnit | None, role: str, reason: str = "") -> Membership:
    membership_grant_check(actor, unit, role)
    if unit is not None and unit.is_archived:
        raise ValidationError({"unit": _("The unit is archived.")})
    membership = audited_create(actor=actor, instance=Membership(user=user, unit=unit, role=role), reason=reason)
    clear_scope_cache(user)
    return membership


@transaction.atomic
def membership_update(
    *, actor: Any, membership: Membership, expected_version: int, role: str, reason: str = ""
) -> Membership:
    membership_grant_check(actor, membership.unit, membership.role)
    membership_grant_check(actor, membership.unit, role)
    updated = audited_update(
        actor=actor, instance=membership, expected_version=expected_version, values={"role": role}, reason=reason
    )
    clear_scope_cache(membership.user)
    return updated


@transaction.atomic
def membership_archive(*, actor: Any, membership: Membership, expected_version: int, reason: str) -> Membership:
    membership_grant_check(actor, membership.unit, membership.role)
    archived = audited_archive(actor=actor, instance=membership, expected_version=expected_version, reason=reason)
    clear_scope_cache(membership.user)
    return archived


@transaction.atomic
def membership_restore(*, actor: Any, membership: Membership, expected_version: int, reason: str = "") -> Membership:
    membership_grant_check(actor, membership.unit, membership.role)
    restored = audited_restore(actor=actor, instance=membership, expected_version=expected_version, reason=reason)
    clear_scope_cache(membership.user)
    return restored


USER_AUDIT_FIELDS = ("username", "email", "first_name", "last_name", "is_active", "is_superuser", "is_staff")


@transaction.atomic
def user_create(
    *,
    actor: Any,
    username: str,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    password: str | None = None,
    is_superuser: bool = False,
    reason: str = "",
) -> Any:
    """Create a login.  Unit administrators may create users; only a superuser may create a superuser."""
    require_actor(actor)
    if not can_anywhere(actor, "admin"):
        raise PermissionDenied(_("Only an administrator may create users."))
    if is_superuser and not actor.is_superuser:
        raise PermissionDenied(_("Only a superuser may create a superuser."))
    user_model = get_user_model()
    user: Any = user_model(
        username=username,
        email=email,
        first_name=first_name,
        last_name=last_name,
        is_superuser=is_superuser,
        is_staff=is_superuser,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean()
    user.save()
    record_event(
        actor=actor,
        action="create",
        object_type=user_model._meta.label_lower,
        object_id=user.pk,
        object_label=user.get_username(),
        changes={name: [None, getattr(user, name)] for name in USER_AUDIT_FIELDS},
        reason=reason,
    )
    return user


def system_actor() -> Any:
    """The account the CLI and jobs act as when no user is named; created by a migration."""
    user: Any = get_user_model().objects.get(username="orbit-system")
    return user


def unit_type_choices() -> list[tuple[str, str]]:
    return [(value, str(label)) for value, label in UnitType.choices]
