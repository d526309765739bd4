"""The results report as one tree of plain data, built once and rendered as HTML, PDF, Word and Excel.

:func:`build_report` reads everything through the results and planning selectors, scoped by the reader's
units, in a fixed number of queries whatever the size of the framework: the framework tree with every target
evaluated by the results engine (:func:`orbit.results.selectors.framework_tree`), the units, the activities
and their links to result nodes, the approved progress updates, the publishable photos and the budget
execution.  Statuses, achievements and node roll-ups come from the engine (:mod:`orbit.results.rollup`); this
module only chooses which targets a report shows and groups them.

Every text is resolved in the report's language when the report is built (content falls back as
:func:`orbit.core.i18n.pick` says), so that the four renderers print the same words and never disagree.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from orbit.core.errors import NotFound
from orbit.core.i18n import LANGUAGE_NAMES, pick
from orbit.governance.workflow import ReviewStatus
from orbit.organisation.access import ALL, can, scope_paths
from orbit.planning.charts import STATUS_COLOURS, BarRow, grouped_amounts, stacked_bars
from orbit.planning.models import Activity, Evidence, ItuRegion, ProgressUpdate
from orbit.planning.models.activities import REGION_BY_UNIT_NAME
from orbit.planning.selectors import (
    PlanFilters,
    activity_list,
    budget_execution,
    evidence_restrict,
    initiative_get,
    update_restrict,
)
from orbit.results import charts
from orbit.results.models import Framework, Indicator
from orbit.results.rollup import STATUSES, TargetResult, choose_current, roll_up_nodes
from orbit.results.selectors import SeriesPoint, TargetRow, framework_get, framework_tree, node_get

Progress = Callable[[int, str], None]

#: Photos shown per node (newest first) and narratives quoted per node (newest first).
PHOTOS_PER_NODE = 4
NARRATIVES_PER_NODE = 5


class ReportError(ValueError):
    """A report parameter the report cannot be built with; the message names the parameter."""


def _language_codes() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


@dataclass(frozen=True)
class ReportParams:
    framework_id: int
    period: str = ""  # "" = the framework's whole cycle; "2024" = calendar year 2024 (inside the cycle)
    node_id: int | None = None  # one node: that subtree only
    unit_code: str = ""  # one org unit and its sub-units
    region: str = ""  # an ITU region code (orbit.planning.models.ItuRegion)
    initiative_id: int | None = None  # one regional initiative
    language: str = "en"  # any of settings.LANGUAGES codes

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ReportParams:
        if not isinstance(data, Mapping):
            raise ReportError(_("Report parameters must be an object."))
        known = {"framework_id", "period", "node_id", "unit_code", "region", "initiative_id", "language"}
        unknown = sorted(str(key) for key in data if key not in known)
        if unknown:
            raise ReportError(_("Unknown report parameter(s): %(names)s.") % {"names": ", ".join(unknown)})
        if data.get("framework_id") in (None, ""):
            raise ReportError(_("framework_id: choose a results framework."))

        def number(name: str, required: bool) -> int | None:
            value = data.get(name)
            if value in (None, "") and not required:
                return None
            if isinstance(value, bool) or not isinstance(value, (int, str)):
                raise ReportError(_("%(name)s: give a whole number, not %(value)r.") % {"name": name, "value": value})
            try:
                return int(value)
            except ValueError as exc:
                raise ReportError(
                    _("%(name)s: give a whole number, not %(value)r.") % {"name": name, "value": value}
                ) from exc

        def text(name: str, default: str = "") -> str:
            value = data.get(name, default)
            if value is None:
                return default
            if not isinstance(value, (str, int)) or isinstance(value, bool):
                raise ReportError(_("%(name)s: give a text, not %(value)r.") % {"name": name, "value": value})
            return str(value).strip()

        framework_id = number("framework_id", True)
        assert framework_id is not None
        params = cls(
            framework_id=framework_id,
            period=text("period"),
            node_id=number("node_id", False),
            unit_code=text("unit_code"),
            region=text("region").upper(),
            initiative_id=number("initiative_id", False),
            language=text("language", "en") or "en",
        )
        params.check()
        return params

    def check(self) -> None:
        """The checks that need no database: the period's form, the region and the language."""
        if self.period and not re.fullmatch(r"\d{4}", self.period):
            raise ReportError(
                _("period: give a calendar year such as 2024, or leave it empty for the whole cycle (not %(value)r).")
                % {"value": self.period}
            )
        if self.region and self.region not in ItuRegion.values:
            raise ReportError(
                _("region: unknown ITU region %(value)r; use one of %(codes)s.")
                % {"value": self.region, "codes": ", ".join(ItuRegion.values)}
            )
        if self.language not in _language_codes():
            raise ReportError(
                _("language: unknown language %(value)r; use one of %(codes)s.")
                % {"value": self.language, "codes": ", ".join(_language_codes())}
            )


# --- the report model -------------------------------------------------------------------------------------------


@dataclass
class PeriodRow:
    """One target period of an indicator with what the engine made of it."""

    label: str
    start: dt.date
    end: dt.date
    target: Decimal | None
    actual: Decimal | None
    achievement: Decimal | None  # a ratio: 1 = target met
    status: str
    status_label: str

    @property
    def target_text(self) -> str:
        return number_text(self.target)

    @property
    def actual_text(self) -> str:
        return number_text(self.actual)

    @property
    def achievement_text(self) -> str:
        return percent_text(self.achievement)


@dataclass
class IndicatorRow:
    pk: int
    code: str
    title: str
    unit_label: str
    measure: str
    measure_label: str
    responsible_unit: str
    #: Whose target the figures are: "" for the overall target, else a unit code.
    target_unit: str
    baseline: Decimal | None
    baseline_date: dt.date | None
    period_label: str  # the period of the current target
    target: Decimal | None
    actual: Decimal | None
    achievement: Decimal | None
    status: str
    status_label: str
    units_reporting: int
    periods: list[PeriodRow]
    is_sample: bool
    #: Draws the indicator's chart (the results engine's SVG) when a renderer first asks for it: the Excel
    #: workbook needs none, so it does not pay for thousands of them.
    chart_source: Callable[[], str] = field(default=lambda: "", repr=False, compare=False)
    _chart: str | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def chart_svg(self) -> str:
        """The chart: baseline, targets (dashed) and actuals per period of the current target's kind."""
        if self._chart is None:
            self._chart = self.chart_source()
        return self._chart

    @property
    def baseline_text(self) -> str:
        return number_text(self.baseline)

    @property
    def target_text(self) -> str:
        return number_text(self.target)

    @property
    def actual_text(self) -> str:
        return number_text(self.actual)

    @property
    def achievement_text(self) -> str:
        return percent_text(self.achievement)


@dataclass
class Narrative:
    update_id: int
    date: dt.date
    unit: str
    subject: str  # the activity (code and title) or the indicator value it is about
    text: str


@dataclass
class Photo:
    evidence_id: int
    update_id: int
    caption: str
    credit: str
    taken_on: dt.date | None
    location: str
    #: Storage names (the default storage): the resized image and the original.
    thumbnail: str
    file: str
    width: int | None
    height: int | None
    subject: str
    is_sample: bool
    #: Where a rendered document finds the image (a data: URI, a media URL); set by the renderer.
    src: str = ""


@dataclass
class NodeSection:
    pk: int
    number: str  # the official code or the outline number
    title: str
    description: str
    tier: int  # 0 = the top tier
    tier_name: str
    depth: int  # 0 = top of the report
    achievement: Decimal | None
    status: str
    status_label: str
    counts: dict[str, int]
    indicators: list[IndicatorRow] = field(default_factory=list)
    narratives: list[Narrative] = field(default_factory=list)
    photos: list[Photo] = field(default_factory=list)
    is_sample: bool = False
    gap: bool = False  # the source shows the item but its text was not retrieved

    @property
    def achievement_text(self) -> str:
        return percent_text(self.achievement)


@dataclass
class StatusBar:
    """One bar of a status chart: a label and indicator counts by status."""

    label: str
    counts: dict[str, int]


@dataclass
class BudgetRow:
    label: str
    currency: str
    planned: Decimal
    committed: Decimal
    spent: Decimal

    @property
    def execution(self) -> Decimal | None:
        """Spent as a share of planned (a ratio), None when nothing is planned."""
        return (self.spent / self.planned) if self.planned else None

    @property
    def execution_text(self) -> str:
        return percent_text(self.execution)

    @property
    def planned_text(self) -> str:
        return number_text(self.planned)

    @property
    def committed_text(self) -> str:
        return number_text(self.committed)

    @property
    def spent_text(self) -> str:
        return number_text(self.spent)


@dataclass
class Chart:
    key: str
    title: str
    svg: str


@dataclass
class ResultsReport:
    params: ReportParams
    title: str
    subtitle: str
    framework_id: int
    framework_code: str
    framework_name: str
    period_label: str
    period_start: dt.date
    period_end: dt.date
    as_of: dt.date  # the day the current targets are chosen for
    language: str
    language_name: str
    direction: str  # "ltr" or "rtl"
    #: The filters used, in words: (what, which).
    filters: list[tuple[str, str]]
    #: What the figures count and what the reader may see, in words.
    notes: list[str]
    cutoff: dt.datetime
    is_sample: bool
    tiers: list[str]
    status_labels: dict[str, str]
    totals: dict[str, int]
    summary: list[tuple[str, int]]
    by_objective: list[StatusBar]
    by_region: list[StatusBar]
    budget: list[BudgetRow]
    budget_totals: dict[str, dict[str, Decimal]]  # currency → planned/committed/spent
    charts: list[Chart]
    nodes: list[NodeSection]

    @property
    def indicators(self) -> list[IndicatorRow]:
        return [row for node in self.nodes for row in node.indicators]

    @property
    def photos(self) -> list[Photo]:
        return [photo for node in self.nodes for photo in node.photos]


# --- building ---------------------------------------------------------------------------------------------------


def status_labels() -> dict[str, str]:
    return {"on_track": _("On track"), "at_risk": _("At risk"), "off_track": _("Off track"), "no_data": _("No data")}


def _tier_name(framework: Framework, tier: int) -> str:
    """The name of a tier (0 = the top tier), in the report's language; "Level n" where none is given."""
    tiers = framework.tiers if isinstance(framework.tiers, list) else []
    if 0 <= tier < len(tiers) and isinstance(tiers[tier], dict):
        return pick(tiers[tier]) or _("Level %(n)d") % {"n": tier + 1}
    return _("Level %(n)d") % {"n": tier + 1}


def _period_bounds(framework: Framework, period: str) -> tuple[dt.date, dt.date]:
    if not period:
        return framework.cycle_start, framework.cycle_end
    year = int(period)
    if not framework.cycle_start.year <= year <= framework.cycle_end.year:
        raise ReportError(
            _("period: %(year)s is outside the framework's cycle, %(start)s to %(end)s.")
            % {"year": period, "start": framework.cycle_start.isoformat(), "end": framework.cycle_end.isoformat()}
        )
    return max(dt.date(year, 1, 1), framework.cycle_start), min(dt.date(year, 12, 31), framework.cycle_end)


def _note(progress: Progress | None, percent: int, label: str) -> None:
    if progress is not None:
        progress(percent, label)


def build_report(*, user: Any, params: ReportParams, progress: Progress | None = None) -> ResultsReport:
    """The results report of ``params`` as ``user`` may see it (see the module's docstring)."""
    params.check()
    with translation.override(params.language):
        return _build(user, params, progress)


def _build(user: Any, params: ReportParams, progress: Progress | None) -> ResultsReport:
    from orbit.organisation.models import OrgUnit

    cutoff = timezone.now()
    _note(progress, 2, _("Reading the framework"))
    try:
        framework = framework_get(user, params.framework_id)
    except NotFound as exc:
        raise ReportError(
            _("framework_id: no results framework %(id)s that you may read.") % {"id": params.framework_id}
        ) from exc
    start, end = _period_bounds(framework, params.period)
    today = timezone.localdate()
    as_of = min(max(today, start), end)
    labels = status_labels()

    # The parameters that name records, each checked against what the reader may see.
    subtree_path = ""
    filters: list[tuple[str, str]] = []
    if params.node_id is not None:
        try:
            node = node_get(user, params.node_id)
        except NotFound as exc:
            raise ReportError(_("node_id: no result node %(id)s that you may read.") % {"id": params.node_id}) from exc
        if node.framework_id != framework.pk:
            raise ReportError(
                _("node_id: node %(id)s is not in the framework %(code)s.") % {"id": node.pk, "code": framework.code}
            )
        subtree_path = node.path
        filters.append((_("Result"), f"{node.code} {pick(node.title)}"))
    units = list(OrgUnit.all_objects.values_list("pk", "code", "path", "region", "name"))
    unit_by_code = {code: (pk, path, region, name) for pk, code, path, region, name in units}
    unit_region = {code: REGION_BY_UNIT_NAME.get(region, "") for _pk, code, _path, region, _name in units}
    unit_path = ""
    if params.unit_code:
        if params.unit_code not in unit_by_code:
            raise ReportError(_("unit_code: unknown unit code %(code)r.") % {"code": params.unit_code})
        unit_path = unit_by_code[params.unit_code][1]
        filters.append((_("Unit"), f"{params.unit_code} — {pick(unit_by_code[params.unit_code][3])}"))
    region_names = {code: str(name) for code, name in ItuRegion.choices}
    if params.region:
        filters.append((_("ITU region"), region_names[params.region]))
    initiative = None
    if params.initiative_id is not None:
        try:
            initiative = initiative_get(user, params.initiative_id)
        except NotFound as exc:
            raise ReportError(
                _("initiative_id: no regional initiative %(id)s.") % {"id": params.initiative_id}
            ) from exc
        filters.append((_("Regional initiative"), f"{initiative.code} — {pick(initiative.title)}"))
    period_label = params.period or _("whole cycle, %(start)s to %(end)s") % {
        "start": framework.cycle_start.isoformat(),
        "end": framework.cycle_end.isoformat(),
    }
    filters.insert(0, (_("Period"), period_label))

    _note(progress, 10, _("Evaluating indicators"))
    tree = framework_tree(user, framework, as_of=as_of, evaluate="all")
    node_views = tree.nodes
    initiative_paths: list[str] = []
    if initiative is not None:
        initiative_paths = sorted(
            {n.path for n in initiative.outputs.all() if n.framework_id == framework.pk}
        )  # one query

    # Which values the reader may count: all of the framework's when their scope covers its owning unit,
    # else only those of their own units (through those units' targets).
    paths = scope_paths(user, "view")
    all_values = can(user, "view", framework.owner_unit.path)
    notes = [_("Figures count approved values only, at each indicator's target for the period.")]
    if not all_values:
        notes.append(
            _("You may read the values of your own units only: figures are those of your units' targets.")
        )

    def unit_allowed(path: str) -> bool:
        return all_values or paths is ALL or any(path.startswith(p) for p in paths)

    def indicator_region(indicator: Indicator) -> str:
        code = getattr(indicator, "responsible_unit_code", None) or framework.owner_unit.code
        return unit_region.get(code) or ""

    # Results by target, and which targets each indicator's figures come from.
    results_by_target: dict[int, TargetResult] = {}
    for view in node_views:
        for iv in view.indicators:
            for result in iv.results:
                results_by_target[result.target_id] = result
    path_of = {pk: path for pk, _code, path, _region, _name in units}
    included_nodes: set[int] = set()
    chosen_rows: dict[int, list[TargetRow]] = {}
    in_subtree: dict[int, bool] = {}
    for view in node_views:
        path = view.node.path
        inside = (not subtree_path or path.startswith(subtree_path)) and (
            not initiative_paths or any(path.startswith(p) for p in initiative_paths)
        )
        in_subtree[view.node.pk] = inside
        if not inside:
            continue
        for iv in view.indicators:
            indicator = iv.indicator
            responsible = getattr(indicator, "responsible_unit_code", None) or framework.owner_unit.code
            responsible_path = unit_by_code.get(responsible, (0, "", "", {}))[1]
            if params.region and indicator_region(indicator) != params.region:
                continue
            rows = _target_choice(
                iv.targets,
                unit_path=unit_path,
                unit_code=params.unit_code,
                responsible_in_unit=bool(unit_path) and responsible_path.startswith(unit_path),
                all_values=all_values,
                unit_allowed=unit_allowed,
                path_of=path_of,
            )
            if rows is None:
                continue
            chosen_rows[indicator.pk] = rows
            included_nodes.add(view.node.pk)

    current_rows = choose_current((row for rows in chosen_rows.values() for row in rows), as_of)
    current: dict[int, TargetResult] = {
        indicator_id: results_by_target[row.pk]
        for indicator_id, row in current_rows.items()
        if row.pk in results_by_target
    }
    node_paths = {view.node.pk: view.node.path for view in node_views}
    rollups = roll_up_nodes(
        node_paths=node_paths,
        indicator_nodes={
            iv.indicator.pk: view.node.pk
            for view in node_views
            for iv in view.indicators
            if iv.indicator.pk in chosen_rows
        },
        current=current,
        on_track=framework.on_track_threshold,
        at_risk=framework.at_risk_threshold,
    )

    _note(progress, 30, _("Reading activities, updates and photos"))
    plan_filters = PlanFilters(
        unit=params.unit_code,
        region=params.region,
        initiative=initiative.code if initiative is not None else "",
        year=int(params.period) if params.period else None,
        node=params.node_id,
        framework=framework.pk,
    )
    activities = activity_list(user, plan_filters)
    activity_count = len(activities.values_list("pk", flat=True))
    served: dict[int, list[int]] = defaultdict(list)
    for activity_id, node_id in (
        Activity.nodes.through.objects.filter(resultnode__framework=framework, activity__in=activities.values("pk"))
        .order_by("resultnode__path", "activity_id")
        .values_list("activity_id", "resultnode_id")
    ):
        served[activity_id].append(node_id)
    indicator_node = {iv.indicator.pk: view.node.pk for view in node_views for iv in view.indicators}
    indicator_code = {iv.indicator.pk: iv.indicator.code for view in node_views for iv in view.indicators}

    def home(activity_id: int | None, indicator_id: int | None) -> int | None:
        """The node of the report an update is shown under: the first node its activity serves, or its
        value's indicator's node."""
        if activity_id is not None:
            for node_id in served.get(activity_id, []):
                if in_subtree.get(node_id):
                    return node_id
            return None
        if indicator_id is not None and indicator_id in chosen_rows:
            return indicator_node.get(indicator_id)
        return None

    approved = (
        update_restrict(user)
        .filter(status=ReviewStatus.APPROVED, date__gte=start, date__lte=end)
        .filter(Q(activity__in=activities.values("pk")) | Q(actual_value__indicator__node__framework=framework))
    )
    if unit_path:
        approved = approved.filter(unit__path__startswith=unit_path)
    # Every approved update is counted and placed, newest first; only the few quoted are read in full.
    update_home: dict[int, int] = {}
    quoted: dict[int, list[int]] = defaultdict(list)
    for pk, activity_id, indicator_id in approved.order_by("-date", "-id").values_list(
        "pk", "activity_id", "actual_value__indicator_id"
    ):
        home_id = home(activity_id, indicator_id)
        if home_id is None:
            continue
        update_home[pk] = home_id
        if len(quoted[home_id]) < NARRATIVES_PER_NODE:
            quoted[home_id].append(pk)
    language = params.language

    def subject(code: str | None, title: Any, indicator_id: int | None, p_start: Any, p_end: Any) -> str:
        if code is not None:
            return f"{code} {pick(title, language)}".strip()
        return _("Value of %(indicator)s, %(start)s to %(end)s") % {
            "indicator": indicator_code.get(indicator_id or 0, ""),
            "start": p_start,
            "end": p_end,
        }

    subject_fields = ("activity__code", "activity__title", "actual_value__indicator_id", "actual_value__period_start",
                      "actual_value__period_end")  # fmt: skip
    wanted = sorted(pk for pks in quoted.values() for pk in pks) or [0]  # one query, even with none to quote
    quotes = {
        pk: Narrative(pk, date, unit_code, subject(*rest), pick(narrative, language))
        for pk, date, unit_code, narrative, *rest in ProgressUpdate.objects.filter(pk__in=wanted).values_list(
            "pk", "date", "unit__code", "narrative", *subject_fields
        )
    }  # the ids come from the scoped selection above
    narratives: dict[int, list[Narrative]] = {
        node_id: [quotes[pk] for pk in pks if pk in quotes and quotes[pk].text] for node_id, pks in quoted.items()
    }

    # Only photos whose publication is allowed: nobody identifiable, or consent on file; never archived ones.
    photo_rows = list(
        evidence_restrict(user)
        .filter(kind=Evidence.Kind.PHOTO, update__in=approved.values("pk"))
        .filter(Q(identifiable_people=False) | Q(consent=True))
        .exclude(thumbnail="")
        .order_by("-update__date", "-id")
        .values_list(
            "pk", "update_id", "caption", "credit", "taken_on", "location", "thumbnail", "file", "width", "height",
            "is_sample", *(f"update__{name}" for name in subject_fields),
        )
    )  # fmt: skip
    photos: dict[int, list[Photo]] = defaultdict(list)
    for pk, update_id, caption, credit, taken_on, location, thumbnail, file, width, height, sample, *rest in photo_rows:
        photo_home = update_home.get(update_id)
        if photo_home is None or len(photos[photo_home]) >= PHOTOS_PER_NODE:
            continue
        photos[photo_home].append(
            Photo(
                pk, update_id, pick(caption, language), credit, taken_on, location, str(thumbnail), str(file), width,
                height, subject(*rest), bool(sample),
            )
        )  # fmt: skip

    _note(progress, 45, _("Drawing charts"))
    keep: set[int] = set()
    for node_id in {*included_nodes, *narratives, *photos}:
        path = node_paths[node_id]
        keep.update(view_id for view_id, p in node_paths.items() if path.startswith(p))
    if not (params.unit_code or params.region):
        keep.update(pk for pk, inside in in_subtree.items() if inside)
    sections: list[NodeSection] = []
    top_depth = min((view.depth for view in node_views if view.node.pk in keep), default=0)
    for view in node_views:
        node = view.node
        if node.pk not in keep:
            continue
        rollup = rollups.get(node.pk)
        status = rollup.status if rollup else "no_data"
        section = NodeSection(
            pk=node.pk,
            number=node.code,
            title=pick(node.title, language),
            description=pick(node.description, language) if isinstance(node.description, dict) else "",
            tier=node.tier,
            tier_name=_tier_name(framework, node.tier),
            depth=view.depth - top_depth,
            achievement=rollup.achievement if rollup else None,
            status=status,
            status_label=labels[status],
            counts=dict(rollup.counts) if rollup else dict.fromkeys(STATUSES, 0),
            narratives=narratives.get(node.pk, []),
            photos=photos.get(node.pk, []),
            is_sample=bool(node.is_sample),
            gap=node.status_note == "gap",
        )
        for iv in view.indicators:
            rows = chosen_rows.get(iv.indicator.pk)
            if rows is not None:
                section.indicators.append(
                    _indicator_row(iv.indicator, rows, current_rows.get(iv.indicator.pk), results_by_target, labels)
                )
        sections.append(section)

    totals = dict.fromkeys(STATUSES, 0)
    for indicator_id in chosen_rows:
        counted = current.get(indicator_id)
        totals[counted.status if counted is not None else "no_data"] += 1

    # Status overview: by objective (the top nodes of the report) and by ITU region of the responsible unit.
    by_objective = [
        StatusBar(f"{s.number} {s.title}", dict(s.counts)) for s in sections if s.depth == 0 and any(s.counts.values())
    ]
    region_counts: dict[str, dict[str, int]] = {}
    for view in node_views:
        for iv in view.indicators:
            if iv.indicator.pk not in chosen_rows:
                continue
            counted = current.get(iv.indicator.pk)
            region = indicator_region(iv.indicator) or "HQ"
            region_counts.setdefault(region, dict.fromkeys(STATUSES, 0))[
                counted.status if counted is not None else "no_data"
            ] += 1
    by_region = [
        StatusBar(region_names.get(code, _("Headquarters")), counts)
        for code, counts in sorted(region_counts.items(), key=lambda item: (item[0] == "HQ", item[0]))
    ]

    budget = budget_execution(user, plan_filters)
    from orbit.planning.models import FundingSource

    source_names = {key: str(name) for key, name in FundingSource.choices}
    budget_rows = [
        BudgetRow(
            source_names.get(row["source"], str(row["source"])),
            row["currency"],
            row["planned"] or Decimal(0),
            row["committed"] or Decimal(0),
            row["spent"] or Decimal(0),
        )
        for row in budget["by_source"]
    ]
    budget_totals = {
        currency: {name: amounts[name] for name in ("planned", "committed", "spent")}
        for currency, amounts in sorted(budget["totals"].by_currency.items())
    }
    overview = _overview_charts(by_objective, by_region, budget_rows, labels)

    summary = [
        (_("Results shown"), len(sections)),
        (_("Indicators"), len(chosen_rows)),
        (_("Activities"), activity_count),
        (_("Approved progress updates"), len(update_home)),
        (_("Photos shown"), sum(len(p) for p in photos.values())),
    ]
    name = pick(framework.name)
    title = _("Results report: %(framework)s") % {"framework": name}
    subtitle = _("%(code)s, %(period)s") % {"code": framework.code, "period": period_label}
    report = ResultsReport(
        params=params,
        title=title,
        subtitle=subtitle,
        framework_id=framework.pk,
        framework_code=framework.code,
        framework_name=name,
        period_label=period_label,
        period_start=start,
        period_end=end,
        as_of=as_of,
        language=params.language,
        language_name=LANGUAGE_NAMES.get(params.language, params.language),
        direction="rtl" if translation.get_language_bidi() else "ltr",
        filters=filters,
        notes=notes,
        cutoff=cutoff,
        is_sample=bool(framework.is_sample) or any(s.is_sample for s in sections),
        tiers=[_tier_name(framework, tier) for tier in range(max(len(framework.tiers or []), 1))],
        status_labels=labels,
        totals=totals,
        summary=summary,
        by_objective=by_objective,
        by_region=by_region,
        budget=budget_rows,
        budget_totals=budget_totals,
        charts=overview,
        nodes=sections,
    )
    _note(progress, 50, _("Report contents ready"))
    return report


def _target_choice(
    targets: list[TargetRow],
    *,
    unit_path: str,
    unit_code: str,
    responsible_in_unit: bool,
    all_values: bool,
    unit_allowed: Callable[[str], bool],
    path_of: dict[int, str],
) -> list[TargetRow] | None:
    """The targets an indicator's figures come from, or None when the indicator is not in the report.

    Without a unit filter, the overall targets (readers of every value) or the targets of the reader's own
    first unit; with one, that unit's own targets, else the overall ones when the unit is responsible for it."""
    overall = [row for row in targets if row.unit_id is None]
    unit_targets = [row for row in targets if row.unit_id is not None and unit_allowed(path_of.get(row.unit_id, ""))]
    if unit_code:
        own = [row for row in unit_targets if row.unit_code == unit_code]
        if own:
            return own
        if responsible_in_unit and all_values:
            return overall
        below = [row for row in unit_targets if path_of.get(row.unit_id or 0, "").startswith(unit_path)]
        if below:
            first = min(row.unit_code or "" for row in below)
            return [row for row in below if row.unit_code == first]
        return [] if responsible_in_unit else None
    if all_values:
        return overall
    if unit_targets:
        first = min(row.unit_code or "" for row in unit_targets)
        return [row for row in unit_targets if row.unit_code == first]
    return []


def _indicator_row(
    indicator: Indicator,
    rows: list[TargetRow],
    current_row: TargetRow | None,
    results_by_target: dict[int, TargetResult],
    labels: dict[str, str],
) -> IndicatorRow:
    result = results_by_target.get(current_row.pk) if current_row is not None else None
    kind = current_row.period_type if current_row is not None else ""
    periods: list[PeriodRow] = []
    for row in rows:
        if row.period_type != kind:
            continue
        r = results_by_target.get(row.pk)
        status = r.status if r is not None else "no_data"
        periods.append(
            PeriodRow(
                label=row.period_label,
                start=row.period_start,
                end=row.period_end,
                target=_target_value(row),
                actual=r.actual if r is not None else None,
                achievement=r.achievement if r is not None else None,
                status=status,
                status_label=labels[status],
            )
        )
    periods.sort(key=lambda p: (p.start, p.end))
    status = result.status if result is not None else "no_data"
    measure_label = str(dict(Indicator.Measure.choices).get(indicator.measure, indicator.measure))
    unit_label = indicator.unit_label or ("%" if indicator.measure == Indicator.Measure.PERCENTAGE else "")
    unit_name = unit_label or _("value")
    code, title = indicator.code, pick(indicator.title, translation.get_language())
    baseline = indicator.baseline_value

    def chart() -> str:
        return charts.indicator_chart(
            {
                "overall": [
                    SeriesPoint(p.label, p.start, p.end, p.target, p.actual, p.status if p.actual is not None else None)
                    for p in periods
                ],
                "baseline": baseline,
            },
            charts.ChartText(
                title=_("%(code)s: baseline, targets and actuals") % {"code": code},
                desc=_("Targets (dashed line, squares) and actual values (solid line, circles) per period of "
                       "%(title)s.") % {"title": title},
                x_label=_("Period"),
                y_label=unit_name,
                baseline=_("Baseline"),
                no_data=_("No targets yet"),
                extra={"target": _("Target"), "actual": _("Actual")},
            ),
            chart_id=f"report-indicator-{indicator.pk}",
        )  # fmt: skip

    return IndicatorRow(
        pk=indicator.pk,
        code=indicator.code,
        title=title,
        unit_label=unit_label,
        measure=indicator.measure,
        measure_label=measure_label,
        responsible_unit=getattr(indicator, "responsible_unit_code", None) or "",
        target_unit=(current_row.unit_code or "") if current_row is not None else "",
        baseline=indicator.baseline_value,
        baseline_date=indicator.baseline_date,
        period_label=current_row.period_label if current_row is not None else "",
        target=_target_value(current_row) if current_row is not None else None,
        actual=result.actual if result is not None else None,
        achievement=result.achievement if result is not None else None,
        status=status,
        status_label=labels[status],
        units_reporting=result.units_reporting if result is not None else 0,
        periods=periods,
        is_sample=bool(indicator.is_sample),
        chart_source=chart,
    )


def number_text(value: Decimal | int | float | None) -> str:
    """A number as people read it in the report's language: thousands grouped ("75,000"; "75 000" in French),
    at most two decimals (four below 1), no exponent, no trailing zeros; "—" when there is none.  Excel keeps
    the exact value."""
    if value is None:
        return "—"
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    if not number.is_finite():
        return "—"
    places = 2 if abs(number) >= 1 else 4
    rounded = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    digits = rounded.as_tuple()
    exponent = digits.exponent if isinstance(digits.exponent, int) else 0
    # Trailing zeros after the point are dropped: 12.50 → 12.5, 75000.00 → 75000.
    decimals = -exponent
    while decimals > 0 and rounded == rounded.quantize(Decimal(1).scaleb(-(decimals - 1))):
        decimals -= 1
    if rounded == 0:
        rounded = abs(rounded)  # never "-0"
    return formats.number_format(rounded, decimal_pos=decimals, use_l10n=True, force_grouping=True)


def percent_text(ratio: Decimal | None) -> str:
    """An achievement ratio as a whole percentage ("95 %"); "—" when there is none."""
    if ratio is None:
        return "—"
    return f"{(ratio * 100).quantize(Decimal(1)):f} %"


def _target_value(row: TargetRow) -> Decimal | None:
    if row.value is not None:
        return row.value
    return Decimal(row.score) if row.score is not None else None


def _overview_charts(
    by_objective: list[StatusBar], by_region: list[StatusBar], budget: list[BudgetRow], labels: dict[str, str]
) -> list[Chart]:
    out: list[Chart] = []
    for key, title, bars in (
        ("status-objective", _("KPI status by objective"), by_objective),
        ("status-region", _("KPI status by ITU region"), by_region),
    ):
        if bars:
            svg = stacked_bars(
                [BarRow(bar.label, bar.counts, {}) for bar in bars],
                labels=labels, colours=STATUS_COLOURS, title=title,
                desc=_("Number of indicators by status at their target for the period."), chart_id=f"report-{key}",
            )  # fmt: skip
            out.append(Chart(key, title, svg))
    amount_labels = {"planned": _("Planned"), "committed": _("Committed"), "spent": _("Spent")}
    for currency in sorted({row.currency for row in budget}):
        rows = [
            (row.label, {"planned": row.planned, "committed": row.committed, "spent": row.spent}, "")
            for row in budget
            if row.currency == currency
        ]
        title = _("Budget execution by funding source (%(currency)s)") % {"currency": currency}
        svg = grouped_amounts(
            rows, labels=amount_labels, currency=currency, title=title,
            desc=_("Planned, committed and spent amounts, in one currency."),
            chart_id=f"report-budget-{currency.lower()}",
        )  # fmt: skip
        # The dashboard's chart links each group to the plan; a report's copy links nowhere.
        svg = svg.replace('<a href="">', "").replace("</a>", "")
        out.append(Chart(f"budget-{currency.lower()}", title, svg))
    return out
