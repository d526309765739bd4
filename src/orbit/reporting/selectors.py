"""Reads of the report history, scoped: a user sees the runs they asked for; administrators see every run.

A report holds what its requester may read. Someone else who may read the same framework may still read fewer of
its units, so another person's report is never shown to them: they ask for their own, which their scope shapes.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from orbit.core.errors import NotFound
from orbit.reporting.models import ReportRun


def report_run_restrict(user: Any, *, include_archived: bool = False) -> QuerySet[ReportRun]:
    manager = ReportRun.all_objects if include_archived else ReportRun.objects
    runs = manager.select_related("framework__owner_unit", "requested_by")
    if not getattr(user, "is_authenticated", False):
        return runs.none()
    if getattr(user, "is_superuser", False):
        return runs
    return runs.filter(requested_by=user)


def report_run_get(user: Any, pk: Any, *, include_archived: bool = True) -> ReportRun:
    """One run the user may see (archived ones included by default); otherwise NotFound, never which."""
    try:
        return report_run_restrict(user, include_archived=include_archived).get(pk=pk)
    except (ReportRun.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound("No such report.") from exc


def report_run_list(
    user: Any, *, fmt: str = "", status: str = "", framework_id: int | None = None, include_archived: bool = False
) -> QuerySet[ReportRun]:
    runs = report_run_restrict(user, include_archived=include_archived)
    if fmt:
        runs = runs.filter(format=fmt)
    if status:
        runs = runs.filter(status=status)
    if framework_id is not None:
        runs = runs.filter(framework_id=framework_id)
    return runs.order_by("-requested_at", "-id")

