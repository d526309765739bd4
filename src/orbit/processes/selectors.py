"""Every read of the process inventory: lists, one process with what hangs from it, the dependency graph and
impact analysis, assessment rankings and quick wins, the digitisation heatmap.

The inventory is readable by every signed-in member (see :mod:`orbit.processes.services`); submissions are
the exception: a member sees their own, reviewers those of the units they approve for.
"""

from __future__ import annotations

import threading
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Count, Max, Prefetch, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from orbit.core.errors import NotFound
from orbit.core.fields import translated_search_q
from orbit.governance.selectors import audit_chain_stamp
from orbit.organisation.access import can, restrict
from orbit.organisation.models import OrgUnit
from orbit.organisation.selectors import org_unit_restrict
from orbit.processes import scoring
from orbit.processes.graph import DependencyGraph, Edge, Impact
from orbit.processes.models import (
    Assessment,
    AssessmentRound,
    BpmnUpload,
    ChangeWindow,
    Dependency,
    PcfElement,
    PcfMetric,
    PcfRelease,
    Process,
    ProcessIndicator,
    ProcessParticipant,
    StrategicImpact,
    Submission,
)
from orbit.processes.services import DICTIONARIES, PROCESS_RELATIONS, require_inventory_reader, round_model

PAGE_SIZE = 50


@dataclass(frozen=True)
class ProcessFilters:
    unit: int | None = None
    level: int | None = None
    nature: str = ""
    digitisation: str = ""
    status: str = ""
    impact: str = ""
    q: str = ""
    archived: bool = False


def process_list(*, user: Any, filters: ProcessFilters | None = None) -> QuerySet[Process]:
    require_inventory_reader(user)
    f = filters or ProcessFilters()
    qs = (Process.all_objects if f.archived else Process.objects).select_related("owner_unit", "parent", "pcf_element")
    if f.archived:
        qs = qs.filter(archived_at__isnull=False)
    if f.unit:
        qs = qs.filter(owner_unit_id=f.unit)
    if f.level:
        qs = qs.filter(level=f.level)
    if f.nature:
        qs = qs.filter(nature=f.nature)
    if f.digitisation:
        qs = qs.filter(digitisation=f.digitisation)
    if f.status:
        qs = qs.filter(transformation_status=f.status)
    if f.impact:
        rating = {"none": 0, "low": 1, "medium": 2, "high": 3}.get(f.impact)
        if rating is not None:
            qs = _with_max_impact(qs).filter(max_impact=rating)
    if f.q:
        qs = qs.filter(Q(code__icontains=f.q) | Q(name__icontains=f.q))
    return qs.order_by("code")


def _with_max_impact(qs: QuerySet[Process]) -> QuerySet[Any]:
    return qs.annotate(
        max_impact=Coalesce(Max("impacts__rating", filter=Q(impacts__archived_at__isnull=True)), Value(0))
    )


def _named_entries() -> list[Prefetch[Any]]:
    """A process's dictionary entries, archived ones included (they stay where they are named)."""
    return [Prefetch(name, queryset=DICTIONARIES[name].all_objects.order_by("code")) for name in PROCESS_RELATIONS]


def process_get(*, user: Any, pk: int, include_archived: bool = False) -> Process:
    require_inventory_reader(user)
    manager = Process.all_objects if include_archived else Process.objects
    process = (
        manager.select_related(
            "owner_unit", "parent", "process_owner", "change_authority_unit", "pcf_element", "pcf_element__release"
        )
        .prefetch_related(*_named_entries())
        .filter(pk=pk)
        .first()
    )
    if process is None:
        raise NotFound(_("No such process."))
    return process


@dataclass
class ProcessDetail:
    process: Process
    children: list[Process]
    participants: list[ProcessParticipant]
    windows: list[ChangeWindow]
    impacts: list[StrategicImpact]
    kpis: list[ProcessIndicator]
    dependencies_out: list[Dependency]
    dependencies_in: list[Dependency]
    assessments: list[Assessment]
    ancestors: list[Process] = field(default_factory=list)


def process_detail(*, user: Any, pk: int) -> ProcessDetail:
    process = process_get(user=user, pk=pk, include_archived=True)
    ancestors: list[Process] = []
    parent = process.parent
    while parent is not None and len(ancestors) < 6:
        ancestors.insert(0, parent)
        parent = parent.parent if parent.parent_id else None
    deps = Dependency.objects.select_related("source__owner_unit", "target__owner_unit")
    return ProcessDetail(
        process=process,
        ancestors=ancestors,
        children=list(Process.objects.filter(parent=process).select_related("owner_unit").order_by("code")),
        participants=list(
            ProcessParticipant.objects.filter(process=process).select_related("unit", "role").order_by("raci", "id")
        ),
        windows=list(ChangeWindow.objects.filter(process=process).order_by("start")),
        impacts=list(
            StrategicImpact.objects.filter(process=process).select_related("node__framework").order_by("-rating")
        ),
        kpis=list(
            ProcessIndicator.objects.filter(process=process)
            .select_related("indicator")
            .prefetch_related("indicator__targets")
            .order_by("indicator__code")
        ),
        dependencies_out=list(deps.filter(source=process).order_by("kind", "target__code")),
        dependencies_in=list(deps.filter(target=process).order_by("kind", "source__code")),
        assessments=list(
            Assessment.objects.filter(process=process).select_related("round").order_by("-round__created_at")
        ),
    )


# --- the dependency graph ----------------------------------------------------------------------------------------

_graph_lock = threading.Lock()
_graph_cache: tuple[str, DependencyGraph] | None = None


def load_graph() -> DependencyGraph:
    """Every active process and dependency as a :class:`DependencyGraph`.

    Kept in this process while the audit chain's head is unchanged (every write to a dependency or a process
    moves it), so repeated impact analyses cost one query.
    """
    global _graph_cache
    stamp = audit_chain_stamp()
    cached = _graph_cache
    if cached is not None and cached[0] == stamp and stamp:
        return cached[1]
    nodes = set(Process.objects.order_by().values_list("pk", flat=True))
    # No joins and no ordering: the archived ends are dropped here (a join and the default ordering by both
    # processes' codes made this query several times slower on 40,000 dependencies).
    rows = [
        row
        for row in Dependency.objects.order_by().values_list("source_id", "target_id", "kind", "strength")
        if row[0] in nodes and row[1] in nodes
    ]
    graph = DependencyGraph.from_rows(nodes, rows)
    with _graph_lock:
        _graph_cache = (stamp, graph)
    return graph


def impact_analysis(
    *,
    user: Any,
    process: Process,
    kinds: Sequence[str] | None = None,
    max_distance: int | None = None,
    fetch_limit: int | None = None,
) -> tuple[Impact, dict[int, Process]]:
    """Downstream and upstream closure of one process, with the processes involved (one more query); with
    ``fetch_limit``, only the nearest that many each way are fetched (the closure itself is always whole)."""
    require_inventory_reader(user)
    graph = load_graph()
    if process.pk not in graph:
        return Impact(node=process.pk, downstream=[], upstream=[], cycles=[]), {}
    impact = graph.impact(process.pk, kinds=kinds or None, max_distance=max_distance)
    down, up = impact.downstream[:fetch_limit], impact.upstream[:fetch_limit]
    ids = {r.node for r in down} | {r.node for r in up} | {r.via for r in (*down, *up)} | {process.pk}
    ids |= {n for cycle in impact.cycles for n in cycle}
    processes = Process.objects.select_related("owner_unit").in_bulk(ids)
    return impact, processes


def graph_view(*, user: Any, unit: int | None = None, focus: int | None = None, limit: int = 400) -> dict[str, Any]:
    """What the graph picture needs: processes (level 3 and above, or all if fewer), edges, waves, cycles."""
    require_inventory_reader(user)
    graph = load_graph()
    qs = Process.objects.select_related("owner_unit").filter(level__lte=3)
    if unit:
        qs = qs.filter(owner_unit_id=unit)
    processes = {p.pk: p for p in qs.order_by("owner_unit__code", "code")[:limit]}
    rows = Dependency.objects.filter(source_id__in=list(processes), target_id__in=list(processes)).values_list(
        "source_id", "target_id", "kind", "strength"
    )
    edges = [Edge(s, t, k, strength) for s, t, k, strength in rows]
    waves = graph.wave_of()
    return {
        "processes": processes,
        "edges": edges,
        "waves": {pk: waves.get(pk, 0) for pk in processes},
        "cycles": [c for c in graph.cycles() if any(n in processes for n in c)],
        "truncated": qs.count() > limit,
    }


# --- assessment --------------------------------------------------------------------------------------------------


def round_list(*, user: Any) -> QuerySet[AssessmentRound]:
    require_inventory_reader(user)
    return (
        AssessmentRound.objects.select_related("owner_unit")
        .annotate(scored=Count("assessments", filter=Q(assessments__archived_at__isnull=True)))
        .order_by("-created_at", "-id")
    )


def round_get(*, user: Any, pk: int) -> AssessmentRound:
    require_inventory_reader(user)
    round_ = AssessmentRound.objects.select_related("owner_unit").filter(pk=pk).first()
    if round_ is None:
        raise NotFound(_("No such assessment round."))
    return round_


@dataclass(frozen=True)
class RankedProcess:
    rank: int
    assessment: Assessment
    process: Process
    quick_win: bool
    reasons: list[str]
    blocking: list[Process]


def round_ranking(*, user: Any, round_: AssessmentRound) -> list[RankedProcess]:
    """The round's ranking, each with whether it is a quick win and, if not, why.

    A process is blocked upstream when a process it depends on (a directed dependency into it: hands over,
    messages, calls) is in the same round, ranked higher and not yet transformed: it should change first.
    """
    require_inventory_reader(user)
    assessments = list(
        Assessment.objects.filter(round=round_).select_related("process__owner_unit", "process__process_owner")
    )
    scores = {a.process_id: scoring.Score(total=a.total, value=a.value, effort=a.effort) for a in assessments}
    ranked = scoring.rank(scores)
    by_process = {a.process_id: a for a in assessments}
    rank_of = {pid: r for r, pid, _s in ranked}
    rule = scoring.QuickWinRule(min_value=round_.quick_win_min_value, max_effort=round_.quick_win_max_effort)
    upstream: dict[int, list[Process]] = defaultdict(list)
    directed = ("hands_over", "messages", "calls")
    incoming = Dependency.objects.filter(
        target_id__in=list(scores), kind__in=directed, source__archived_at__isnull=True
    ).select_related("source")
    for dep in incoming:
        src = dep.source
        if src.pk == dep.target_id or src.transformation_status == "transformed":
            continue
        if src.pk in rank_of and rank_of[src.pk] < rank_of[dep.target_id]:
            upstream[dep.target_id].append(src)
    result = []
    for rank, pid, score in ranked:
        assessment = by_process[pid]
        blocking = sorted({p.pk: p for p in upstream.get(pid, [])}.values(), key=lambda p: p.code)
        reasons = scoring.quick_win_reasons(
            score,
            rule=rule,
            blocking_upstream=[str(p.name) or p.code for p in blocking],
            has_owner=assessment.process.process_owner_id is not None,
        )
        result.append(
            RankedProcess(
                rank=rank,
                assessment=assessment,
                process=assessment.process,
                quick_win=not reasons,
                reasons=reasons,
                blocking=blocking,
            )
        )
    return result


def round_scoring_model(round_: AssessmentRound) -> scoring.ScoringModel:
    return round_model(round_)


# --- heatmap ---------------------------------------------------------------------------------------------------


def digitisation_heatmap(*, user: Any) -> tuple[list[str], Counter[tuple[str, str, str]], dict[str, int]]:
    """Counts of level-3 processes by (unit code, digitisation, highest strategic impact)."""
    require_inventory_reader(user)
    rows = _with_max_impact(Process.objects.filter(level=3)).values_list(
        "owner_unit__code", "owner_unit_id", "digitisation", "max_impact"
    )
    names = {0: "none", 1: "low", 2: "medium", 3: "high"}
    counts: Counter[tuple[str, str, str]] = Counter()
    unit_ids: dict[str, int] = {}
    for unit_code, unit_id, digitisation, impact in rows:
        counts[(unit_code, digitisation, names.get(int(impact or 0), "none"))] += 1
        unit_ids[unit_code] = unit_id
    return sorted(unit_ids), counts, unit_ids


# --- submissions -------------------------------------------------------------------------------------------------


def submission_list(*, user: Any, mine: bool = False, status: str = "") -> QuerySet[Submission]:
    """Mine: what I submitted.  Otherwise: the review queue of the units I approve for."""
    require_inventory_reader(user)
    qs = Submission.objects.select_related("unit", "process", "merged_into", "submitted_by", "reviewed_by")
    qs = qs.filter(submitted_by=user) if mine else restrict(qs, user, "approve", "unit__path")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


def submission_get(*, user: Any, pk: int) -> Submission:
    require_inventory_reader(user)
    submission = (
        Submission.objects.select_related("unit", "process", "merged_into", "submitted_by", "reviewed_by")
        .filter(pk=pk)
        .first()
    )
    if submission is None:
        raise NotFound(_("No such submission."))
    if submission.submitted_by_id != user.pk and not can(user, "approve", submission.unit.path):
        raise NotFound(_("No such submission."))
    return submission


def processes_for_choice(*, user: Any) -> list[tuple[int, str]]:
    require_inventory_reader(user)
    return [(p.pk, f"{p.code} — {p.name}") for p in Process.objects.only("pk", "code", "name").order_by("code")]


def edges_between(ids: Sequence[int]) -> list[Edge]:
    rows = Dependency.objects.filter(source_id__in=list(ids), target_id__in=list(ids)).values_list(
        "source_id", "target_id", "kind", "strength"
    )
    return [Edge(s, t, k, strength) for s, t, k, strength in rows]


def upload_list(*, user: Any, owner_unit: int | None = None, status: str = "") -> QuerySet[BpmnUpload]:
    """The uploads into units ``user`` may change (as :func:`upload_get`), newest first."""
    uploads = restrict(BpmnUpload.objects.select_related("owner_unit"), user, "change", "owner_unit__path")
    if owner_unit:
        uploads = uploads.filter(owner_unit_id=owner_unit)
    if status:
        uploads = uploads.filter(status=status)
    return uploads.order_by("-created_at", "-id")


def upload_get(*, user: Any, pk: int) -> BpmnUpload:
    """An upload is visible to those who may change its owner unit (they made it, or could have)."""
    upload = BpmnUpload.objects.select_related("owner_unit").filter(pk=pk).first()
    if upload is None or not can(user, "change", upload.owner_unit.path):
        raise NotFound(_("No such upload."))
    return upload


def upload_processes(upload: BpmnUpload) -> list[Process]:
    keys = [r["key"] for r in upload.report.get("records", []) if r.get("kind") == "process"]
    return list(Process.objects.filter(import_key__in=keys).select_related("owner_unit").order_by("code"))


# --- the APQC reference taxonomy ------------------------------------------------------------------------------


def pcf_metric_templates(process: Process) -> list[PcfMetric]:
    """APQC's metric definitions for the process's PCF element and the elements above it (closest first)."""
    if process.pcf_element_id is None:
        return []
    element = PcfElement.objects.filter(pk=process.pcf_element_id).first()
    ids: list[int] = []
    while element is not None and len(ids) < 6:
        ids.append(element.pk)
        element = element.parent
    order = {pk: index for index, pk in enumerate(ids)}
    metrics = list(PcfMetric.objects.filter(element_id__in=ids).select_related("element"))
    return sorted(metrics, key=lambda m: (order[m.element_id], m.position))


def pcf_children(
    *, user: Any, parent: int | None = None, q: str = ""
) -> tuple[PcfRelease | None, PcfElement | None, list[PcfElement]]:
    """The newest stored release, the element asked for, and its children (or the categories, or a search)."""
    require_inventory_reader(user)
    release = PcfRelease.objects.order_by("-created_at").first()
    if release is None:
        return None, None, []
    elements = PcfElement.objects.filter(release=release).annotate(
        metric_count=Count("metrics", distinct=True), child_count=Count("children", distinct=True)
    )
    parent_element = None
    if q:
        found = elements.filter(Q(name__icontains=q) | Q(hierarchy_id__startswith=q) | Q(description__icontains=q))
        return release, None, list(found.order_by("pcf_id")[:200])
    if parent:
        parent_element = PcfElement.objects.filter(release=release, pk=parent).prefetch_related("metrics").first()
        if parent_element is None:
            raise NotFound(_("No such PCF element."))
        elements = elements.filter(parent=parent_element)
    else:
        elements = elements.filter(level=1)
    return release, parent_element, sorted(elements, key=lambda e: [int(p) for p in e.hierarchy_id.split(".")])


def pcf_ancestors(element: PcfElement) -> list[PcfElement]:
    chain: list[PcfElement] = []
    current = element.parent
    while current is not None and len(chain) < 6:
        chain.insert(0, current)
        current = current.parent
    return chain


# --- dependencies, dictionaries, records hanging from a process, references -----------------------------------------


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
        raise NotFound(_("No such dependency."))
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
        raise NotFound(_("No such participant of this process."))
    return participant


def window_get(*, user: Any, process: Process, pk: int) -> ChangeWindow:
    require_inventory_reader(user)
    window: ChangeWindow | None = (
        ChangeWindow.objects.select_related("process__owner_unit").filter(process=process, pk=pk).first()
    )
    if window is None:
        raise NotFound(_("No such change window of this process."))
    return window


def impact_get(*, user: Any, process: Process, pk: int) -> StrategicImpact:
    require_inventory_reader(user)
    impact: StrategicImpact | None = (
        StrategicImpact.objects.select_related("process__owner_unit", "node__framework")
        .filter(process=process, pk=pk)
        .first()
    )
    if impact is None:
        raise NotFound(_("No such strategic impact of this process."))
    return impact


# --- shared dictionaries ---------------------------------------------------------------------------------------


def dictionary_model(dictionary: str) -> Any:
    model = DICTIONARIES.get(dictionary)
    if model is None:
        raise NotFound(_("No dictionary called “%(dictionary)s”.") % {"dictionary": dictionary})
    return model


def dictionary_list(*, user: Any, dictionary: str, q: str = "", include_archived: bool = False) -> QuerySet[Any]:
    require_inventory_reader(user)
    model = dictionary_model(dictionary)
    entries: QuerySet[Any] = (model.all_objects if include_archived else model.objects).all()
    if q:
        entries = entries.filter(Q(code__icontains=q) | translated_search_q(q, "name"))
    return entries.order_by("code", "pk")


def dictionary_get(*, user: Any, dictionary: str, pk: int) -> Any:
    require_inventory_reader(user)
    entry = dictionary_model(dictionary).all_objects.filter(pk=pk).first()
    if entry is None:
        raise NotFound(_("No such dictionary entry."))
    return entry


def dictionary_entries(*, user: Any, dictionary: str, ids: list[int], process: int | None = None) -> list[Any]:
    """The entries named by ``ids`` (in that order, without repeats).  Unknown ids are a field error, and so are
    archived entries, unless ``process`` already names them (they stay on it until removed)."""
    require_inventory_reader(user)
    wanted = list(dict.fromkeys(ids))
    found = dictionary_model(dictionary).all_objects.in_bulk(wanted)
    missing = [pk for pk in wanted if pk not in found]
    if missing:
        raise ValidationError(_("No such entry: %(ids)s.") % {"ids": ", ".join(map(str, missing))})
    archived = {pk for pk in wanted if found[pk].archived_at is not None}
    if archived and process is not None and dictionary in PROCESS_RELATIONS:
        archived -= set(Process.all_objects.filter(pk=process).values_list(f"{dictionary}__pk", flat=True))
    if archived:
        codes = ", ".join(found[pk].code for pk in wanted if pk in archived)
        raise ValidationError(_("Archived, so it can no longer be chosen: %(codes)s.") % {"codes": codes})
    return [found[pk] for pk in wanted]


def dictionary_choices(dictionary: str, *, process: Process | None = None) -> QuerySet[Any]:
    """What a form offers for ``dictionary``: the active entries, and the archived ones ``process`` names."""
    model = dictionary_model(dictionary)
    kept = Q(archived_at__isnull=True)
    if process is not None and dictionary in PROCESS_RELATIONS:
        kept |= Q(pk__in=Process.all_objects.filter(pk=process.pk).values(f"{dictionary}__pk"))
    return model.all_objects.filter(kept).order_by("code")


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
        raise NotFound(_("No such PCF element."))
    return element


# --- references named in a write -------------------------------------------------------------------------------


def active_unit(pk: int) -> OrgUnit:
    """Any active unit: a process may name units outside the writer's scope (who decides changes, who submits)."""
    unit: OrgUnit | None = OrgUnit.objects.filter(pk=pk).first()
    if unit is None:
        raise ValidationError(_("No such organisational unit."))
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
        raise ValidationError(_("No such user: %(id)s.") % {"id": pk})
    return found


def pcf_element(*, user: Any, pk: int) -> PcfElement:
    require_inventory_reader(user)
    element: PcfElement | None = PcfElement.objects.filter(pk=pk).first()
    if element is None:
        raise ValidationError(_("No such PCF element: %(id)s.") % {"id": pk})
    return element
