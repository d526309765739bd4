"""Reads of units, memberships and users, always scoped by the reader's roles."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser
from django.db.models import Q, QuerySet

from orbit.core.errors import NotFound
from orbit.core.fields import translated_search_q
from orbit.organisation.access import ALL, can_anywhere, restrict, scope_paths
from orbit.organisation.models import Membership, OrgUnit


def org_unit_restrict(user: Any, action: str = "view", *, include_archived: bool = False) -> QuerySet[OrgUnit]:
    manager = OrgUnit.all_objects if include_archived else OrgUnit.objects
    return restrict(manager.select_related("parent"), user, action, "path")


def org_unit_get(user: Any, pk: Any, action: str = "view") -> OrgUnit:
    """The unit if ``user`` may ``action`` it; archived units included.  Out of scope: NotFound."""
    try:
        return org_unit_restrict(user, action, include_archived=True).get(pk=pk)
    except (OrgUnit.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound("No such organisational unit.") from exc


def org_unit_list(
    user: Any,
    *,
    q: str = "",
    type: str = "",
    parent: Any = None,
    under: str = "",
    include_archived: bool = False,
) -> QuerySet[OrgUnit]:
    units = org_unit_restrict(user, include_archived=include_archived)
    if q:
        units = units.filter(Q(code__icontains=q) | translated_search_q(q, "name"))
    if type:
        units = units.filter(type=type)
    if parent:
        units = units.filter(parent_id=parent)
    if under:
        units = units.filter(path__startswith=under)
    return units.order_by("path")


def membership_restrict(user: Any, action: str = "view", *, include_archived: bool = False) -> QuerySet[Membership]:
    """Administrators see and change memberships on their units; everyone sees their own."""
    manager = Membership.all_objects if include_archived else Membership.objects
    base = manager.select_related("user", "unit")
    paths = scope_paths(user, "admin")
    if paths is ALL:
        return base.all()
    assert isinstance(paths, list)
    if action == "view" and scope_paths(user, "view") is ALL:  # auditors read every membership
        return base.all()
    query = Q(pk__in=[])
    for path in paths:
        query |= Q(unit__path__startswith=path)
    if action == "view" and getattr(user, "pk", None) is not None:
        query |= Q(user_id=user.pk)
    return base.filter(query)


def membership_get(user: Any, pk: Any, action: str = "view") -> Membership:
    try:
        return membership_restrict(user, action, include_archived=True).get(pk=pk)
    except (Membership.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound("No such membership.") from exc


def membership_list(user: Any, *, unit: OrgUnit | None = None, include_archived: bool = False) -> QuerySet[Membership]:
    memberships = membership_restrict(user, include_archived=include_archived)
    if unit is not None:
        memberships = memberships.filter(unit=unit)
    return memberships.order_by("unit__path", "user__username")


def user_restrict(user: Any) -> QuerySet[AbstractUser]:
    """Administrators pick among active users when granting roles; others see only themselves."""
    users = get_user_model().objects.filter(is_active=True).exclude(username="orbit-system")
    if can_anywhere(user, "admin") or scope_paths(user, "view") is ALL:
        return users.order_by("username")
    return users.filter(pk=getattr(user, "pk", None) or 0)


def units_for_switcher(user: Any) -> list[OrgUnit]:
    """The units a user can switch to: every unit in view scope, in tree order."""
    units = org_unit_restrict(user).select_related(None)
    return list(units.only("id", "code", "name", "path", "depth").order_by("path"))
