"""Reads of the operational plan, scoped by the reader's units.

An activity is readable by users whose scope covers its responsible unit or one of its contributing units.
An update is readable by users whose scope covers its unit; once approved, also by every reader of its
activity (or value).  Evidence follows its update.  Regional initiatives are readable by every signed-in
user (they are published), their activities by the rules above.

Lists are paginated and read with a fixed number of queries whatever their length: each list owns its joins
(``select_related``) and fetches related rows for a whole page at once (``prefetch_related``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import ExtractYear

from orbit.core.errors import NotFound
from orbit.governance.workflow import ReviewStatus
from orbit.organisation.access import ALL, scope_paths
from orbit.planning.models import (
    Activity,
    ActivityStatus,
    BudgetLine,
    Evidence,
    ExchangeRate,
    Milestone,
    ProgressUpdate,
    RegionalInitiative,
)
from orbit.results.models import ActualValue

PAGE_SIZE = 50
#: The dashboard's gallery looks for the newest photos and videos among this many newest updates.
RECENT_UPDATES = 200


def _path_q(user: Any, action: str, field_name: str) -> Q | None:
    """None when the user's scope is everything; else a Q over ``field_name`` (possibly matching nothing)."""
    paths = scope_paths(user, action)
    if paths is ALL:
        return None
    assert isinstance(paths, list)
    query = Q(pk__in=[])
    for path in paths:
        query |= Q(**{f"{field_name}__startswith": path})
    return query


# --- activities -----------------------------------------------------------------------------------------------


NOTHING = Q(pk__in=[])


def _scope_q(user: Any, action: str, prefix: str = "") -> Q | None:
    """Activities ``user`` may ``action``, over the activity reached through ``prefix`` (None: all of them).

    To view: the responsible unit in scope, or a contributing unit in scope (a correlated EXISTS, which both
    databases run as a semi-join)."""
    if not getattr(user, "is_authenticated", False):
        return NOTHING
    own = _path_q(user, action, f"{prefix}responsible_unit__path")
    if own is None or action != "view":
        return own
    paths = scope_paths(user, "view")
    assert isinstance(paths, list)
    contrib_q = Q(pk__in=[])
    for path in paths:
        contrib_q |= Q(orgunit__path__startswith=path)
    contributing = Activity.contributing_units.through.objects.filter(activity_id=OuterRef(f"{prefix}id"))
    return own | Q(Exists(contributing.filter(contrib_q)))


def activity_restrict(user: Any, action: str = "view", *, include_archived: bool = False) -> QuerySet[Activity]:
    manager = Activity.all_objects if include_archived else Activity.objects
    activities = manager.select_related("responsible_unit")
    scoped = _scope_q(user, action)
    return activities if scoped is None else activities.filter(scoped)


def activity_get(user: Any, pk: Any, action: str = "view") -> Activity:
    try:
        return activity_restrict(user, action, include_archived=True).get(pk=pk)
    except (Activity.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound("No such activity.") from exc


@dataclass(frozen=True)
class PlanFilters:
    unit: str = ""  # unit code: the unit and the units under it
    region: str = ""
    initiative: str = ""
    status: str = ""
    year: int | None = None
    sdg: int | None = None  # an SDG target node id (or an SDG goal node id: its targets)
    node: int | None = None  # a result node: activities serving it or a node under it
    framework: int | None = None  # activities serving any node of this framework
    q: str = ""
    include_archived: bool = False

    def as_query(self) -> dict[str, str]:
        return {k: str(v) for k, v in self.__dict__.items() if v not in ("", None, False)}


def activity_q(user: Any, filters: PlanFilters | None = None, prefix: str = "") -> Q:
    """The filtered plan as one condition over the activity reached through ``prefix`` ("" for activities,
    "activity__" for budget lines, "update__activity__" for evidence): the reader's scope and every filter.

    Many-to-many filters are correlated EXISTS on the link tables, never joins, so a row is never repeated
    (counts and sums stay right) and the databases plan them as semi-joins from whichever side is cheaper.
    """
    from orbit.organisation.models import OrgUnit
    from orbit.results.models import ResultNode

    f = filters or PlanFilters()
    activity_id = OuterRef(f"{prefix}id")
    query = Q() if f.include_archived else Q(**{f"{prefix}archived_at__isnull": True})
    scoped = _scope_q(user, "view", prefix)
    if scoped is not None:
        query &= scoped
    if f.unit:
        unit = OrgUnit.objects.filter(code=f.unit).only("path").first()
        query &= Q(**{f"{prefix}responsible_unit__path__startswith": unit.path}) if unit else NOTHING
    if f.region:  # a JSON list of codes: match the quoted code in its text (the same on both databases)
        query &= Q(**{f"{prefix}regions__icontains": f'"{f.region}"'})
    if f.initiative:
        initiative_links = Activity.initiatives.through.objects.filter(
            activity_id=activity_id, regionalinitiative__code=f.initiative
        )
        query &= Q(Exists(initiative_links))
    if f.status:
        query &= Q(**{f"{prefix}status": f.status})
    if f.year:
        start, end = dt.date(f.year, 1, 1), dt.date(f.year, 12, 31)
        query &= Q(**{f"{prefix}planned_start__lte": end}) | Q(**{f"{prefix}planned_start__isnull": True})
        query &= Q(**{f"{prefix}planned_end__gte": start}) | Q(**{f"{prefix}planned_end__isnull": True})
    for node_id, through in ((f.sdg, Activity.sdg_targets.through), (f.node, Activity.nodes.through)):
        if not node_id:
            continue
        node = ResultNode.objects.filter(pk=node_id).only("path", "framework_id").first()
        if node is None:
            query &= NOTHING
            continue
        node_links = through.objects.filter(
            activity_id=activity_id, resultnode__framework_id=node.framework_id, resultnode__path__startswith=node.path
        )
        query &= Q(Exists(node_links))
    if f.framework:
        framework_links = Activity.nodes.through.objects.filter(
            activity_id=activity_id, resultnode__framework_id=f.framework
        )
        query &= Q(Exists(framework_links))
    if f.q:
        from orbit.core.fields import translated_search_q

        query &= Q(**{f"{prefix}code__icontains": f.q}) | translated_search_q(f.q, f"{prefix}title")
    return query


def activity_list(user: Any, filters: PlanFilters | None = None) -> QuerySet[Activity]:
    """The operational plan as a list, filtered; ordered by responsible unit, then code."""
    return (
        Activity.all_objects.select_related("responsible_unit")
        .filter(activity_q(user, filters))
        .order_by("responsible_unit__path", "code")
    )


def activity_page(user: Any, filters: PlanFilters | None = None, page: Any = 1) -> Page[Activity]:
    """One page of the plan, with the results served and the count of updates, in a fixed number of queries."""
    from orbit.results.models import ResultNode

    queryset = activity_list(user, filters).prefetch_related(
        Prefetch("nodes", queryset=ResultNode.objects.select_related("framework").order_by("path")),
        Prefetch("initiatives", queryset=RegionalInitiative.objects.only("id", "code")),
    )
    paginator = Paginator(queryset, PAGE_SIZE)
    return paginator.get_page(page)


# --- updates --------------------------------------------------------------------------------------------------


def _update_q(user: Any, prefix: str = "") -> Q | None:
    """Which updates ``user`` may read, over the update reached through ``prefix`` (None: all of them).

    Their own units' updates first, so that a database evaluating the OR left to right rarely needs the
    subqueries of the second branch (approved updates of activities and values the user may read).
    """
    own = _path_q(user, "view", f"{prefix}unit__path")
    if own is None:
        return None
    from orbit.results.selectors import actual_restrict

    readable_activities = activity_restrict(user).order_by().values("pk")
    readable_values = actual_restrict(user).order_by().values("pk")
    approved = Q(**{f"{prefix}status": ReviewStatus.APPROVED}) & (
        Q(**{f"{prefix}activity__in": readable_activities}) | Q(**{f"{prefix}actual_value__in": readable_values})
    )
    return own | approved


def update_restrict(user: Any, *, include_archived: bool = False) -> QuerySet[ProgressUpdate]:
    manager = ProgressUpdate.all_objects if include_archived else ProgressUpdate.objects
    updates = manager.select_related("unit", "author", "activity", "actual_value", "reviewed_by")
    if not getattr(user, "is_authenticated", False):
        return updates.none()
    scoped = _update_q(user)
    return updates if scoped is None else updates.filter(scoped)


def update_get(user: Any, pk: Any) -> ProgressUpdate:
    try:
        return update_restrict(user, include_archived=True).get(pk=pk)
    except (ProgressUpdate.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound("No such update.") from exc


def _with_evidence(updates: QuerySet[ProgressUpdate]) -> QuerySet[ProgressUpdate]:
    return updates.prefetch_related(Prefetch("evidence", queryset=Evidence.objects.order_by("id")))


def activity_updates(user: Any, activity: Activity) -> list[ProgressUpdate]:
    return list(_with_evidence(update_restrict(user).filter(activity=activity).order_by("-date", "-id")))


def value_updates(user: Any, actual: ActualValue) -> list[ProgressUpdate]:
    return list(_with_evidence(update_restrict(user).filter(actual_value=actual).order_by("-date", "-id")))


def evidence_restrict(user: Any, *, include_archived: bool = False) -> QuerySet[Evidence]:
    manager = Evidence.all_objects if include_archived else Evidence.objects
    evidence = manager.select_related("update", "update__unit", "update__activity")
    if not getattr(user, "is_authenticated", False):
        return evidence.none()
    if not include_archived:
        evidence = evidence.filter(update__archived_at__isnull=True)
    scoped = _update_q(user, "update__")
    return evidence if scoped is None else evidence.filter(scoped)


def _published() -> QuerySet[Evidence]:
    """Evidence the public may see (see :mod:`orbit.planning.publication`), whatever ORBIT_PUBLIC_URL says."""
    return (
        Evidence.objects.filter(
            update__status=ReviewStatus.APPROVED, update__archived_at__isnull=True,
            update__activity__isnull=False, update__activity__archived_at__isnull=True, gps_kept=False,
        )
        .filter(Q(identifiable_people=False) | Q(consent=True))
        .exclude(kind=Evidence.Kind.PHOTO, thumbnail="")
    )  # fmt: skip


def evidence_published(pk: int) -> Evidence:
    """One published item of evidence, for anyone (no sign-in); NotFound otherwise."""
    found = _published().filter(pk=pk).first()
    if found is None:
        raise NotFound("No such published evidence.")
    return found


def evidence_published_by_activity(activity_ids: list[int]) -> dict[int, list[Evidence]]:
    """The published evidence of these activities (one query), by activity id, oldest update first."""
    items = (
        _published()
        .filter(update__activity_id__in=activity_ids)
        .select_related("update")
        .order_by("update__date", "update_id", "id")
    )
    found: dict[int, list[Evidence]] = defaultdict(list)
    for item in items:
        found[item.update.activity_id].append(item)  # type: ignore[index]
    return dict(found)


def evidence_get(user: Any, pk: Any) -> Evidence:
    try:
        return evidence_restrict(user, include_archived=True).get(pk=pk)
    except (Evidence.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound("No such evidence.") from exc


def review_queue(user: Any) -> dict[str, Any]:
    """Submitted updates and values waiting for a review the user may give (managers of their units)."""
    scoped = _path_q(user, "approve", "unit__path")
    updates = ProgressUpdate.objects.filter(status=ReviewStatus.SUBMITTED).select_related(
        "unit", "author", "activity", "actual_value__indicator"
    )
    values = ActualValue.objects.filter(status=ActualValue.Status.SUBMITTED).select_related(
        "unit", "indicator", "indicator__node__framework"
    )
    if scoped is not None:
        updates, values = updates.filter(scoped), values.filter(scoped)
    return {
        "updates": list(updates.order_by("submitted_at", "id")[:200]),
        "values": list(values.order_by("period_start", "id")[:200]),
    }


def my_work(user: Any, *, today: dt.date | None = None) -> dict[str, Any]:
    """What is on the user's desk: activities they work on, updates due, returned updates, reviews waiting."""
    today = today or dt.date.today()
    mine = (
        activity_restrict(user, "change")
        .filter(Q(staff=user) | Q(updates__author=user))
        .exclude(status__in=[ActivityStatus.COMPLETED, ActivityStatus.CANCELLED])
        .distinct()
        .order_by("planned_end", "code")
    )
    recent = ProgressUpdate.objects.filter(activity=OuterRef("pk"), date__gte=today - dt.timedelta(days=90))
    due = (
        activity_restrict(user, "change")
        .filter(status__in=[ActivityStatus.ONGOING, ActivityStatus.DELAYED])
        .filter(~Exists(recent))
        .order_by("planned_end", "code")
    )
    my_updates = ProgressUpdate.objects.filter(author=user).select_related("activity", "unit")
    queue = review_queue(user) if scope_paths(user, "approve") else {"updates": [], "values": []}
    return {
        "activities": list(mine[:50]),
        "due": list(due[:50]),
        "drafts": list(my_updates.filter(status__in=[ReviewStatus.DRAFT, ReviewStatus.RETURNED])[:50]),
        "submitted": list(my_updates.filter(status=ReviewStatus.SUBMITTED)[:50]),
        "review_updates": queue["updates"],
        "review_values": queue["values"],
    }


# --- budget ---------------------------------------------------------------------------------------------------


@dataclass
class MoneyTotals:
    """Sums kept per currency; a conversion to ``base`` only where a dated rate exists for every currency."""

    by_currency: dict[str, dict[str, Decimal]] = field(default_factory=dict)
    base: str = "CHF"
    converted: dict[str, Decimal] | None = None
    rates: dict[str, ExchangeRate] = field(default_factory=dict)
    missing_rates: list[str] = field(default_factory=list)


AMOUNTS = ("planned", "committed", "spent")


def rate_table(base: str, as_of: dt.date) -> dict[str, ExchangeRate]:
    """The latest rate into ``base`` valid on ``as_of``, per currency (one query)."""
    table: dict[str, ExchangeRate] = {}
    for rate in ExchangeRate.objects.filter(base=base, valid_from__lte=as_of).order_by("currency", "-valid_from"):
        table.setdefault(rate.currency, rate)
    return table


def money_totals(rows: list[dict[str, Any]], *, base: str = "CHF", as_of: dt.date | None = None) -> MoneyTotals:
    """Totals of ``rows`` (dicts with ``currency`` and the three amounts), never mixing currencies."""
    totals = MoneyTotals(base=base)
    for row in rows:
        bucket = totals.by_currency.setdefault(row["currency"], dict.fromkeys(AMOUNTS, Decimal(0)))
        for name in AMOUNTS:
            bucket[name] += row[name] or Decimal(0)
    foreign = sorted(c for c in totals.by_currency if c != base)
    if not foreign:
        totals.converted = totals.by_currency.get(base, dict.fromkeys(AMOUNTS, Decimal(0)))
        return totals
    totals.rates = rate_table(base, as_of or dt.date.today())
    totals.missing_rates = [c for c in foreign if c not in totals.rates]
    if totals.missing_rates:
        return totals
    converted = dict.fromkeys(AMOUNTS, Decimal(0))
    for currency, bucket in totals.by_currency.items():
        rate = Decimal(1) if currency == base else totals.rates[currency].rate
        for name in AMOUNTS:
            converted[name] += (bucket[name] * rate).quantize(Decimal("0.01"))
    totals.converted = converted
    return totals


def activity_budget(activity: Activity) -> tuple[list[BudgetLine], MoneyTotals]:
    lines = list(BudgetLine.objects.filter(activity=activity).order_by("year", "source", "id"))
    rows = [{"currency": line.currency, **{name: getattr(line, name) for name in AMOUNTS}} for line in lines]
    return lines, money_totals(rows)


def activity_milestones(activity: Activity) -> list[Milestone]:
    return list(Milestone.objects.filter(activity=activity).order_by("due_date", "id"))


# --- regional initiatives -------------------------------------------------------------------------------------


def initiative_restrict(user: Any, *, include_archived: bool = False) -> QuerySet[RegionalInitiative]:
    manager = RegionalInitiative.all_objects if include_archived else RegionalInitiative.objects
    if not getattr(user, "is_authenticated", False):
        return manager.none()
    return manager.select_related("lead_unit", "node")


def initiative_get(user: Any, pk: Any) -> RegionalInitiative:
    try:
        return initiative_restrict(user, include_archived=True).get(pk=pk)
    except (RegionalInitiative.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound("No such regional initiative.") from exc


def initiative_list(user: Any) -> list[RegionalInitiative]:
    readable = activity_restrict(user).filter(initiatives=OuterRef("pk")).values("pk")
    return list(
        initiative_restrict(user)
        .annotate(activity_count=Count("activities", filter=Q(activities__in=readable), distinct=True))
        .order_by("region", "code")
    )


def initiative_detail(user: Any, initiative: RegionalInitiative) -> dict[str, Any]:
    """Horizontally, its activities across units; vertically, the path of each output up its framework and
    the nodes those contribute to."""
    from orbit.results.models import NodeLink, ResultNode

    activities = list(activity_restrict(user).filter(initiatives=initiative).order_by("responsible_unit__path", "code"))
    outputs = list(initiative.outputs.select_related("framework").order_by("framework__code", "path"))
    ancestor_paths: set[tuple[int, str]] = set()
    for output in outputs:
        segments = [s for s in output.path.split("/") if s]
        for depth in range(1, len(segments)):
            ancestor_paths.add((output.framework_id, "/" + "/".join(segments[:depth]) + "/"))
    ancestors: dict[tuple[int, str], ResultNode] = {}
    if ancestor_paths:
        query = Q(pk__in=[])
        for framework_id, path in ancestor_paths:
            query |= Q(framework_id=framework_id, path=path)
        ancestors = {(n.framework_id, n.path): n for n in ResultNode.objects.filter(query)}
    contributes = defaultdict(list)
    for link in NodeLink.objects.filter(source__in=outputs).select_related("target", "target__framework"):
        contributes[link.source_id].append(link.target)
    chains = []
    for output in outputs:
        segments = [s for s in output.path.split("/") if s]
        chain = [
            ancestors[(output.framework_id, "/" + "/".join(segments[:d]) + "/")]
            for d in range(1, len(segments))
            if (output.framework_id, "/" + "/".join(segments[:d]) + "/") in ancestors
        ]
        chains.append({"output": output, "ancestors": chain, "contributes_to": contributes.get(output.pk, [])})
    by_unit: dict[str, list[Activity]] = defaultdict(list)
    for activity in activities:
        by_unit[activity.responsible_unit.code].append(activity)
    return {"activities": activities, "by_unit": dict(by_unit), "chains": chains}


# --- dashboard ------------------------------------------------------------------------------------------------


def activity_status_counts(user: Any, filters: PlanFilters | None = None) -> dict[str, int]:
    rows = activity_list(user, filters).order_by().values("status").annotate(n=Count("id"))
    counts = dict.fromkeys(ActivityStatus.values, 0)
    for row in rows:
        counts[row["status"]] = row["n"]
    return counts


@dataclass
class ActivityPicture:
    """Activities counted by status, and by planned start year and status (one grouping query)."""

    by_status: dict[str, int]
    by_year: list[dict[str, Any]]


def activity_picture(user: Any, filters: PlanFilters | None = None) -> ActivityPicture:
    rows = (
        activity_list(user, filters)
        .order_by()
        .annotate(year=ExtractYear("planned_start"))
        .values("year", "status")
        .annotate(n=Count("id"))
    )
    by_status = dict.fromkeys(ActivityStatus.values, 0)
    years: dict[int, dict[str, int]] = {}
    for row in rows:
        by_status[row["status"]] += row["n"]
        if row["year"] is not None:
            years.setdefault(row["year"], dict.fromkeys(ActivityStatus.values, 0))[row["status"]] += row["n"]
    return ActivityPicture(by_status, [{"year": year, "counts": years[year]} for year in sorted(years)])


def activities_by_year(user: Any, filters: PlanFilters | None = None) -> list[dict[str, Any]]:
    """Activities by planned start year and status (the picture of the plan over time)."""
    return activity_picture(user, filters).by_year


def budget_execution(user: Any, filters: PlanFilters | None = None) -> dict[str, Any]:
    """Planned, committed and spent by funding source and by responsible unit, per currency: one grouping
    query by (source, unit, currency), folded both ways in memory."""
    lines = BudgetLine.objects.filter(activity_q(user, filters, "activity__"))
    if filters and filters.year:
        lines = lines.filter(year=filters.year)
    sums = {name: Sum(name) for name in AMOUNTS}
    rows = lines.order_by().values("source", "activity__responsible_unit_id", "currency").annotate(**sums)
    by_source: dict[tuple[Any, str], dict[str, Any]] = {}
    by_unit_id: dict[tuple[Any, str], dict[str, Any]] = {}

    def add(
        bucket: dict[tuple[Any, str], dict[str, Any]], key: tuple[Any, str], row: dict[str, Any], **fields: Any
    ) -> None:
        entry = bucket.setdefault(key, {**fields, "currency": key[1], **dict.fromkeys(AMOUNTS, Decimal(0))})
        for name in AMOUNTS:
            entry[name] += row[name] or Decimal(0)

    for row in rows:
        add(by_source, (row["source"], row["currency"]), row, source=row["source"])
        unit_id = row["activity__responsible_unit_id"]
        add(by_unit_id, (unit_id, row["currency"]), row, unit_id=unit_id)
    from orbit.organisation.models import OrgUnit

    codes = dict(OrgUnit.objects.filter(pk__in={k[0] for k in by_unit_id}).values_list("pk", "code"))
    by_unit = [
        {"activity__responsible_unit__code": codes.get(entry["unit_id"], ""), **entry} for entry in by_unit_id.values()
    ]
    by_unit.sort(key=lambda e: (e["activity__responsible_unit__code"], e["currency"]))
    source_rows = sorted(by_source.values(), key=lambda e: (e["source"], e["currency"]))
    return {"by_source": source_rows, "by_unit": by_unit, "totals": money_totals(source_rows)}


def latest_evidence(
    user: Any, filters: PlanFilters | None = None, *, limit: int = 12, publishable_only: bool = False
) -> list[Evidence]:
    """The newest photos and videos of approved-or-readable updates of the (filtered) plan's activities."""
    evidence = evidence_restrict(user).filter(kind__in=[Evidence.Kind.PHOTO, Evidence.Kind.VIDEO])
    if filters is not None and filters != PlanFilters():
        # The newest files among the newest updates of the filtered plan: the inner limit bounds the work
        # whatever the size of the plan and however old its updates are.
        recent = (
            ProgressUpdate.objects.filter(activity_q(user, filters, "activity__"))
            .order_by("-id")
            .values("id")[:RECENT_UPDATES]
        )
        evidence = evidence.filter(update_id__in=recent)
    if publishable_only:
        evidence = evidence.filter(Q(identifiable_people=False) | Q(consent=True))
    return list(evidence.order_by("-id")[:limit])  # ids grow with time: newest first


STATUS_KEYS = ("on_track", "at_risk", "off_track", "no_data")


def _empty_counts() -> dict[str, int]:
    return dict.fromkeys(STATUS_KEYS, 0)


@dataclass
class KpiBreakdown:
    framework: Any
    as_of: dt.date
    statuses: tuple[str, ...]
    totals: dict[str, int]
    by_objective: list[dict[str, Any]]
    by_unit: list[dict[str, Any]]
    by_region: list[dict[str, Any]]
    by_initiative: list[dict[str, Any]]
    by_sdg: list[dict[str, Any]]


def kpi_breakdown(
    user: Any, framework: Any, *, as_of: dt.date | None = None, include_submitted: bool = False
) -> KpiBreakdown:
    """KPI status of one framework's indicators (each at its current target) by objective, by responsible unit
    and its region, by regional initiative and by SDG: one tree evaluation, then grouping in memory.

    The breakdown depends on the framework's data only, not on who reads it (once they may read it), so it is
    cached under the head of the audit chain: any write anywhere makes the next reader compute it afresh.
    """
    from django.core.cache import caches

    from orbit.governance.selectors import audit_chain_stamp
    from orbit.results.selectors import framework_get

    framework_get(user, framework.pk)  # the reader must see it, cached or not
    day = as_of or dt.date.today()
    key = f"planning:kpi:{framework.pk}:{int(include_submitted)}:{day.isoformat()}:{audit_chain_stamp()}"
    cached: KpiBreakdown | None = caches["derived"].get(key)
    if cached is None:
        cached = _kpi_breakdown(user, framework, as_of=day, include_submitted=include_submitted)
        caches["derived"].set(key, cached, timeout=600)
    return cached


def _kpi_breakdown(user: Any, framework: Any, *, as_of: dt.date, include_submitted: bool) -> KpiBreakdown:
    from orbit.organisation.models import OrgUnit
    from orbit.planning.models.activities import REGION_BY_UNIT_NAME
    from orbit.results.models import NodeLink, ResultNode
    from orbit.results.selectors import framework_current_status

    statuses = ("approved", "submitted") if include_submitted else ("approved",)
    status = framework_current_status(user, framework, as_of=as_of, statuses=statuses)
    unit_region = {
        code: REGION_BY_UNIT_NAME.get(region, "") for code, region in OrgUnit.objects.values_list("code", "region")
    }
    by_unit: dict[str, dict[str, int]] = defaultdict(_empty_counts)
    by_region: dict[str, dict[str, int]] = defaultdict(_empty_counts)
    by_node_path: dict[str, list[str]] = defaultdict(list)
    for node_id, unit_code, result in status.indicators.values():
        state = result.status if result is not None else "no_data"
        code = unit_code or framework.owner_unit.code
        by_unit[code][state] += 1
        by_region[unit_region.get(code) or "HQ"][state] += 1
        path = status.node_paths.get(node_id)
        if path is not None:
            by_node_path[path].append(state)
    top = ResultNode.objects.filter(framework=framework, parent__isnull=True).order_by("path")
    by_objective = [{"node": node, "rollup": status.rollups.get(node.pk)} for node in top]
    sdg_counts: dict[int, dict[str, Any]] = {}
    links = NodeLink.objects.filter(source__framework=framework, target__framework__kind="global_goals").select_related(
        "source", "target"
    )
    for link in links:
        entry = sdg_counts.setdefault(link.target_id, {"node": link.target, "counts": _empty_counts(), "paths": set()})
        entry["paths"].add(link.source.path)

    def subtree_counts(paths: set[str]) -> dict[str, int]:
        counts = _empty_counts()
        for path, statuses_here in by_node_path.items():
            if any(path.startswith(p) for p in paths):
                for status in statuses_here:
                    counts[status] += 1
        return counts

    by_initiative = []
    initiatives = (
        RegionalInitiative.objects.filter(outputs__framework=framework)
        .distinct()
        .prefetch_related(Prefetch("outputs", queryset=framework.nodes.all().only("id", "path", "framework_id")))
    )
    for initiative in initiatives.order_by("region", "code"):
        paths = {n.path for n in initiative.outputs.all()}
        by_initiative.append({"initiative": initiative, "counts": subtree_counts(paths)})
    by_sdg = [
        {"node": entry["node"], "counts": subtree_counts(entry["paths"])}
        for entry in sorted(sdg_counts.values(), key=lambda e: e["node"].path)
    ]
    return KpiBreakdown(
        framework=framework,
        as_of=status.as_of,
        statuses=statuses,
        totals=status.totals,
        by_objective=by_objective,
        by_unit=[{"code": k, "counts": v} for k, v in sorted(by_unit.items())],
        by_region=[{"code": k, "counts": v} for k, v in sorted(by_region.items())],
        by_initiative=by_initiative,
        by_sdg=by_sdg,
    )
