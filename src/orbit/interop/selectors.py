"""Reads of the interop context, scoped by the user's units."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from orbit.core.errors import NotFound
from orbit.interop.models import ImportRun
from orbit.organisation.access import require, restrict

# Import


def import_run_restrict(user: Any) -> QuerySet[ImportRun]:
    """The IATI imports of units the user may read, newest first."""
    runs = ImportRun.objects.select_related("unit", "actor").order_by("-created_at", "-id")
    return restrict(runs, user, "view", "unit__path")


def import_run_get(*, user: Any, pk: int) -> ImportRun:
    """One import the user may read; ``NotFound`` when there is none or it is outside the user's units."""
    run = ImportRun.objects.select_related("unit", "actor").filter(pk=pk).first()
    if run is None:
        raise NotFound("No such IATI import.")
    require(user, "view", run.unit.path, noun="IATI import")
    return run
