"""Who may do what where.

A role held on a unit applies to that unit and all its descendants, never to its
ancestors or siblings.  ``auditor`` is global: it reads everything (audit log
included) and changes nothing.  Superusers may do everything.

:func:`scope_paths` answers, for a user and an action, the unit paths the user
may act under (or :data:`ALL`); every ``*_restrict`` selector filters with it.
"""

from __future__ import annotations

import enum
from typing import Any, Final

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from orbit.organisation.models import Membership, Role


class _All(enum.Enum):
    ALL = "all"


#: Returned by :func:`scope_paths` when the user's scope is every unit.
ALL: Final = _All.ALL

ROLE_RANK: Final[dict[str, int]] = {
    Role.VIEWER: 1,
    Role.CONTRIBUTOR: 2,
    Role.MANAGER: 3,
    Role.ADMIN: 4,
}
ACTIONS: Final[dict[str, int]] = {"view": 1, "change": 2, "approve": 3, "admin": 4}

_CACHE_ATTR = "_orbit_memberships"
# Bumped by every membership or unit write in this process; a user object's cached
# memberships are reused only while the generation they were read in is current.
_generation = 0


def _memberships(user: Any) -> list[tuple[str, str | None]]:
    cached: tuple[int, list[tuple[str, str | None]]] | None = getattr(user, _CACHE_ATTR, None)
    if cached is not None and cached[0] == _generation:
        return cached[1]
    rows = list(
        Membership.objects.filter(user_id=user.pk)
        .filter(Q(unit__isnull=True) | Q(unit__archived_at__isnull=True))
        .values_list("role", "unit__path")
    )
    setattr(user, _CACHE_ATTR, (_generation, rows))
    return rows


def clear_scope_cache(user: Any = None) -> None:
    """Forget cached scopes (all users' in this process: a unit move or archive changes many)."""
    global _generation
    _generation += 1


def is_auditor(user: Any) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return any(role == Role.AUDITOR for role, _ in _memberships(user))


def scope_paths(user: Any, action: str) -> list[str] | _All:
    """The minimal list of unit paths under which ``user`` may perform ``action`` (or ALL)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return []
    if user.is_superuser:
        return ALL
    memberships = _memberships(user)
    if action == "view" and any(role == Role.AUDITOR for role, _ in memberships):
        return ALL
    needed = ACTIONS[action]
    paths = sorted({path for role, path in memberships if path and ROLE_RANK.get(role, 0) >= needed})
    minimal: list[str] = []
    for path in paths:  # sorted, so an ancestor comes before its descendants
        if not any(path.startswith(kept) for kept in minimal):
            minimal.append(path)
    return minimal


def can(user: Any, action: str, path: str) -> bool:
    paths = scope_paths(user, action)
    if paths is ALL:
        return True
    return any(path.startswith(p) for p in paths)


def can_anywhere(user: Any, action: str) -> bool:
    paths = scope_paths(user, action)
    return paths is ALL or bool(paths)


def restrict(queryset: QuerySet[Any], user: Any, action: str, path_field: str = "path") -> QuerySet[Any]:
    """Filter ``queryset`` to rows whose unit path lies under the user's scope for ``action``."""
    paths = scope_paths(user, action)
    if paths is ALL:
        return queryset
    if not paths:
        return queryset.none()
    query = Q()
    for path in paths:
        query |= Q(**{f"{path_field}__startswith": path})
    return queryset.filter(query)


def require(actor: Any, action: str, path: str, *, noun: str = "record", public: bool = False) -> None:
    """Raise unless ``actor`` may ``action`` under ``path``.

    Out of view scope: ``NotFound`` (existence does not leak).  In view scope without the right:
    ``PermissionDenied``.  ``public`` records are in every signed-in user's view scope.
    """
    from orbit.core.errors import NotFound, PermissionDenied
    from orbit.governance.services import require_actor

    require_actor(actor)
    if (public and action == "view") or can(actor, action, path):
        return
    if public or can(actor, "view", path):
        raise PermissionDenied(_("You need the %(right)s right here to do this.") % {"right": right_name(action)})
    raise NotFound(_("Not found: %(what)s.") % {"what": RECORD_NOUNS.get(noun, noun)})


#: What ``require``'s refusals call a record, in the reader's language (the models' own names).
RECORD_NOUNS = {
    "activity": gettext_lazy("activity"),
    "assessment round": gettext_lazy("assessment round"),
    "budget line": gettext_lazy("budget line"),
    "dependency": gettext_lazy("dependency"),
    "framework": gettext_lazy("results framework"),
    "indicator": gettext_lazy("indicator"),
    "initiative": gettext_lazy("regional initiative"),
    "lock": gettext_lazy("locked period"),
    "node": gettext_lazy("result node"),
    "process": gettext_lazy("process"),
    "submission": gettext_lazy("submission"),
    "unit": gettext_lazy("organisational unit"),
    "update": gettext_lazy("progress update"),
    "value": gettext_lazy("actual value"),
}


def right_name(action: str) -> str:
    """An action's right as the interface names it ("view", "change", "approve", "admin"), translated."""
    names = {
        "view": pgettext("right", "view"),
        "change": pgettext("right", "change"),
        "approve": pgettext("right", "approve"),
        "admin": pgettext("right", "admin"),
    }
    return names.get(action, action)


def ancestor_paths(path: str) -> list[str]:
    """``/1/4/9/`` → ``["/1/", "/1/4/", "/1/4/9/"]``: the unit and every unit above it."""
    segments = [s for s in path.split("/") if s]
    return ["/" + "/".join(segments[: i + 1]) + "/" for i in range(len(segments))]


def paths_above_scope(user: Any) -> list[str] | _All:
    """The paths of every unit at or above a unit the user may view (ALL for a global scope).

    Plans are shared downwards: a framework owned by a bureau is readable by its regional offices, whose staff
    plan and report against it, while a bureau's records stay out of their reach otherwise.
    """
    paths = scope_paths(user, "view")
    if paths is ALL:
        return ALL
    return sorted({above for path in paths for above in ancestor_paths(path)})


def reads_from_below(user: Any, path: str) -> bool:
    """Whether the unit at ``path`` is at or above one of the user's units (so its plans are readable)."""
    above = paths_above_scope(user)
    return above is ALL or path in above
