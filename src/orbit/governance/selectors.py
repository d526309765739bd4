"""Reads of the audit log, scoped by the reader's organisational units."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from orbit.governance.models import AuditChainHead, AuditEvent
from orbit.organisation.access import ALL, scope_paths


def audit_event_restrict(user: Any, action: str = "view") -> QuerySet[AuditEvent]:
    """Events the user may read: all for auditors and superusers, else those scoped to their units."""
    base = AuditEvent.objects.select_related(None)
    if action != "view":
        return base.none()
    paths = scope_paths(user, "view")
    if paths is ALL:
        return base.all()
    assert isinstance(paths, list)
    if not paths:
        return base.none()
    query = Q()
    for path in paths:
        query |= Q(scope_path__startswith=path)
    return base.filter(query)


def audit_event_history(*, object_type: str, object_id: Any) -> QuerySet[AuditEvent]:
    """An object's history, newest first.  Callers check the object is in the reader's scope first."""
    return AuditEvent.objects.filter(object_type=object_type, object_id=str(object_id)).order_by("-seq")


def audit_event_recent(user: Any, *, limit: int = 20, scope_path: str | None = None) -> list[AuditEvent]:
    events = audit_event_restrict(user)
    if scope_path:
        events = events.filter(scope_path__startswith=scope_path)
    return list(events.order_by("-seq")[:limit])


def audit_log_readable(user: Any) -> bool:
    """Whether the user may read the whole audit log (auditors and superusers)."""
    return scope_paths(user, "view") is ALL


def audit_chain_stamp() -> str:
    """The hash at the head of the audit chain: it changes with every audited write anywhere.

    Derived data (a framework's roll-ups, say) can be cached under it: a cached copy is valid exactly as
    long as nothing has been written since.
    """
    stamp = AuditChainHead.objects.filter(pk=1).values_list("hash", flat=True).first()
    return stamp or ""
