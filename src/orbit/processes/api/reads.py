"""Reads the process API needs that :mod:`orbit.processes.selectors` does not offer yet.

Dependencies one by one, the shared dictionaries, the APQC reference taxonomy, the records hanging from a process
(to remove one) and the references a write may name (people, units).  Each read applies the same rule as the
selectors: the inventory is readable by every member of a unit
(:func:`orbit.processes.services.require_inventory_reader`).
These functions belong in the selectors; they live here until they move there, so that the views still call
nothing but services and reads.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch, Q, QuerySet

from orbit.core.errors import NotFound
from orbit.core.fields import translated_search_q
from orbit.organisation.models import OrgUnit
from orbit.organisation.selectors import org_unit_restrict
from orbit.processes.models import (
    ChangeWindow,
    Dependency,
    PcfElement,
    PcfMetric,
    PcfRelease,
    Process,
    ProcessParticipant,
    StrategicImpact,
)
from orbit.processes.services import DICTIONARIES, require_inventory_reader

# --- dependencies ---------------------------------------------------------------------------------------------


def dependency_list(
    *,
    user: Any,
    source: int | None = None,
    target: int | None = None,
    kind: str = "",
    include_archived: bool = False,
) -> QuerySet[Dependency]:
    """Dependencies by source code, target code and kind; each with both processes and their owner units."""
    require_inventory_reader(user)
    manager = Dependency.all_objects if include_archived else Dependency.objects
    deps: QuerySet[Dependency] = manager.select_related("source__owner_unit", "target__owner_unit")
    if source is not None:
        deps = deps.filter(source_id=source)
    if target is not None:
        deps = deps.filter(target_id=target)
    if kind:
        deps = deps.filter(kind=kind)
    return deps.order_by("source__code", "target__code", "kind", "pk")


def dependency_get(*, user: Any, pk: int) -> Dependency:
    """One dependency, archived ones included."""
    require_inventory_reader(user)
    dependency: Dependency | None = (
        Dependency.all_objects.select_related("source__owner_unit", "target__owner_unit").filter(pk=pk).first()
    )
    if dependency is None:
        raise NotFound("No such dependency.")
    return dependency


# --- records hanging from a process ----------------------------------------------------------------------------


def participant_get(*, user: Any, process: Process, pk: int) -> ProcessParticipant:
    require_inventory_reader(user)
    participant: ProcessParticipant | None = (
        ProcessParticipant.objects.select_related("process__owner_unit", "unit", "role")
        .filter(process=process, pk=pk)
        .first()
    )
    if participant is None:
        raise NotFound("No such participant of this process.")
    return participant


def window_get(*, user: Any, process: Process, pk: int) -> ChangeWindow:
    require_inventory_reader(user)
    window: ChangeWindow | None = (
        ChangeWindow.objects.select_related("process__owner_unit").filter(process=process, pk=pk).first()
    )
    if window is None:
        raise NotFound("No such change window of this process.")
    return window


def impact_get(*, user: Any, process: Process, pk: int) -> StrategicImpact:
    require_inventory_reader(user)
    impact: StrategicImpact | None = (
        StrategicImpact.objects.select_related("process__owner_unit", "node__framework")
        .filter(process=process, pk=pk)
        .first()
    )
    if impact is None:
        raise NotFound("No such strategic impact of this process.")
    return impact


# --- shared dictionaries ---------------------------------------------------------------------------------------


def dictionary_model(dictionary: str) -> Any:
    model = DICTIONARIES.get(dictionary)
    if model is None:
        raise NotFound(f"No dictionary called “{dictionary}”.")
    return model


def dictionary_list(*, user: Any, dictionary: str, q: str = "") -> QuerySet[Any]:
    require_inventory_reader(user)
    entries: QuerySet[Any] = dictionary_model(dictionary).objects.all()
    if q:
        entries = entries.filter(Q(code__icontains=q) | translated_search_q(q, "name"))
    return entries.order_by("code", "pk")


def dictionary_get(*, user: Any, dictionary: str, pk: int) -> Any:
    require_inventory_reader(user)
    entry = dictionary_model(dictionary).all_objects.filter(pk=pk).first()
    if entry is None:
        raise NotFound("No such dictionary entry.")
    return entry


def dictionary_entries(*, user: Any, dictionary: str, ids: list[int]) -> list[Any]:
    """The active entries named by ``ids`` (in that order, without repeats); unknown ids are a field error."""
    require_inventory_reader(user)
    wanted = list(dict.fromkeys(ids))
    found = dictionary_model(dictionary).objects.in_bulk(wanted)
    missing = [pk for pk in wanted if pk not in found]
    if missing:
        raise ValidationError(f"No such entry: {', '.join(map(str, missing))}.")
    return [found[pk] for pk in wanted]


# --- the APQC reference taxonomy -------------------------------------------------------------------------------


def pcf_release_list(*, user: Any) -> QuerySet[PcfRelease]:
    require_inventory_reader(user)
    releases: QuerySet[PcfRelease] = PcfRelease.objects.annotate(element_count=Count("elements"))
    return releases.order_by("title", "pcf_version")


def pcf_element_list(
    *, user: Any, release: int | None = None, level: int | None = None, parent: int | None = None, q: str = ""
) -> QuerySet[PcfElement]:
    require_inventory_reader(user)
    elements: QuerySet[PcfElement] = PcfElement.objects.select_related("release")
    if release is not None:
        elements = elements.filter(release_id=release)
    if level is not None:
        elements = elements.filter(level=level)
    if parent is not None:
        elements = elements.filter(parent_id=parent)
    if q:
        elements = elements.filter(Q(name__icontains=q) | Q(hierarchy_id__startswith=q) | Q(description__icontains=q))
    return elements.order_by("release_id", "pcf_id")


def pcf_element_get(*, user: Any, pk: int) -> PcfElement:
    """One element with its release, parent, children and metric definitions."""
    require_inventory_reader(user)
    element: PcfElement | None = (
        PcfElement.objects.select_related("release", "parent")
        .prefetch_related(
            Prefetch("metrics", queryset=PcfMetric.objects.order_by("position", "pk")),
            Prefetch("children", queryset=PcfElement.objects.order_by("pcf_id")),
        )
        .filter(pk=pk)
        .first()
    )
    if element is None:
        raise NotFound("No such PCF element.")
    return element


# --- references named in a write -------------------------------------------------------------------------------


def active_unit(pk: int) -> OrgUnit:
    """Any active unit: a process may name units outside the writer's scope (who decides changes, who submits)."""
    unit: OrgUnit | None = OrgUnit.objects.filter(pk=pk).first()
    if unit is None:
        raise ValidationError("No such organisational unit.")
    return unit


def person(*, user: Any, pk: int) -> Any:
    """An active person the writer may name: themselves, or someone with a role on a unit the writer sees."""
    readable = org_unit_restrict(user).values("pk")
    found = (
        get_user_model()
        .objects.filter(pk=pk, is_active=True)
        .filter(Q(pk=user.pk) | Q(memberships__unit__in=readable, memberships__archived_at__isnull=True))
        .first()
    )
    if found is None:
        raise ValidationError(f"No such user: {pk}.")
    return found


def pcf_element(*, user: Any, pk: int) -> PcfElement:
    require_inventory_reader(user)
    element: PcfElement | None = PcfElement.objects.filter(pk=pk).first()
    if element is None:
        raise ValidationError(f"No such PCF element: {pk}.")
    return element
