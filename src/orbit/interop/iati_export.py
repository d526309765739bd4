"""Orbit's operational plan, with its results, as an IATI 2.03 activity file.

Why: ITU-D and its partners publish what they do to the International Aid Transparency Initiative. The plan already
holds what IATI asks for (titles in the six UN languages, dates, countries, budgets, the results each activity
serves with their indicators, targets and approved values), so Orbit writes the file itself instead of someone
copying the plan into another tool.

Streaming: the file is written with ``lxml.etree.xmlfile``; each activity is built as one small element, checked,
written and dropped, and activities are read from the database in chunks with everything an activity needs
prefetched per chunk. Memory and the number of queries do not grow with the number of activities.

Checking before publishing: each activity is validated before it is written, against the official schema when one
is given (wrapped in a minimal ``iati-activities`` root, as the reader does), always against Orbit's IATI rules
(:func:`orbit.interop.iati_rules.check_activity`) and the IATI codelists (:func:`orbit.interop.codelists.check_codes`).
A bad activity is still written, so that the file can be inspected, but the report is not ``valid``.

How Orbit's data is mapped (decisions a reader of the file should know):

* ``iati-identifier`` is ``{prefix}-{activity code}``. The reporting organisation is also the implementing
  organisation (role 4). Partners are written as accountable organisations (role 2) with a narrative and no
  ``@ref``: the plan records them by name only, without an organisation identifier.
* Languages: Orbit's ``zh-hans`` is IATI's ``zh``. The activity's ``xml:lang`` is the first language its title has
  (in Orbit's language order); narratives in that language carry no ``xml:lang`` of their own.
* An activity without a description is described by its title: IATI 2.03 requires a description.
* Status (:data:`STATUS_CODES`): planned → 1 Pipeline/identification; ongoing and delayed → 2 Implementation (a delay
  is not a suspension); completed → 4 Closed, or 3 Finalisation while a budget line still has committed money not
  yet spent; cancelled → 5 Cancelled.
* ITU regions (Africa, Americas, Arab States, ...) are not the OECD DAC regions IATI's region codelist holds, and
  vocabulary 99 regions would have to be shared with countries in the 100 % split; they are left out. Countries are
  written with equal percentages (Orbit does not record how an activity splits between countries) so that they add
  up to 100 as IATI rule 3.1.2 requires.
* Sectors are left out: Orbit's activity types are not sectors, and IATI requires none at activity level.
* SDG targets the activity serves are ``<tag vocabulary="3" code="1.1">`` (UN SDG targets), as IATI's SDG guidance
  asks.
* Budgets: one ``budget`` per year and currency (original, indicative), the calendar year, the planned amounts of
  the year's budget lines added up, valued at the start of the year.
* Transactions: what the budget lines record as committed and spent, one ``transaction`` per year, currency and
  kind: committed → 2 Outgoing Commitment, spent → 4 Expenditure, the year's lines added up (aggregated
  transactions, as IATI allows). They are dated on the year's last day, or on the day of the export while the year
  runs (IATI rules 11.2.1 and 11.2.2: no transaction in the future). Zero amounts are not written.
* Document links: only when this Orbit publishes evidence (``ORBIT_PUBLIC_URL``, :mod:`orbit.planning.publication`),
  one ``document-link`` per published item of the activity's approved updates, at its public address, titled by its
  caption (its file name when it has none), category A08 "Results, outcomes and outputs", dated when the photo was
  taken or else on the update's date. Items whose format IATI's FileFormat codelist lacks (WebM and Matroska
  videos) are not linked.
* Results: one ``result`` per result node the activity serves that has indicators (IATI requires at least one). The
  result type comes from the English name of the node's tier (:func:`result_type`): Output → 1, Outcome → 2,
  Impact, Goal or Objective → 3, anything else → 9 Other. References are written at indicator level only (IATI rule
  8.11.1 forbids both levels): vocabulary 99 with ``"{framework} {node} {indicator}"`` codes.
* Indicators: number and currency → measure 1 (currency amounts say their currency in the description),
  percentage → 2, qualitative → 5 (scores go into comments, never into ``@value``, as rules 8.8.3/8.9.3/8.10.3 ask).
  ``ascending`` is 0 for "decrease", 1 otherwise ("maintain" has no IATI equivalent).
* Periods: one per target period (organisation-wide targets; targets of one unit are not published). The actual is
  made of the values counted by default (approved, :data:`orbit.results.selectors.COUNTED_BY_DEFAULT`) whose period
  lies inside the target's: over time each unit's values are added up (``sum``), or its latest is taken
  (``latest``, ``cumulative``) or their mean (``average``); across units they are added up, or averaged
  (``average``); percentages are the sum of numerators over the sum of denominators. Categories of a dimension
  are written as ``<dimension name value>`` targets and actuals.
* Records imported from IATI (:mod:`orbit.interop.iati_import`) are written back as they came: the activity
  under its own ``iati-identifier`` (not the prefix and code), with its IATI status code while Orbit's status is
  still the one that code maps to; the result with its IATI type; the indicator with its own references (the
  vocabulary 99 Orbit reference only when it had none) and its baseline year.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from typing import Any, BinaryIO

from django.db.models import Prefetch, Q, QuerySet
from lxml import etree

from orbit.core.i18n import FALLBACK_ORDER
from orbit.interop import codelists, iati, iati_rules
from orbit.interop.iati_import import STATUS as IMPORTED_STATUS
from orbit.interop.models import IatiLink
from orbit.planning import publication
from orbit.planning import selectors as planning_selectors
from orbit.planning.models import Activity, ActivityStatus, BudgetLine, Evidence
from orbit.planning.selectors import PlanFilters, activity_list
from orbit.results.models import ActualValue, Framework, Indicator, ResultNode, Target
from orbit.results.selectors import COUNTED_BY_DEFAULT, actual_restrict, framework_restrict

IATI_VERSION = "2.03"
CHUNK_SIZE = 200
"""Activities read per query batch (and per prefetch): large enough to amortise the prefetches, small in memory."""
DEFAULT_REPORTING_ORG_TYPE = "40"  # Multilateral
IMPLEMENTING_ROLE = "4"
PARTNER_ROLE = "2"
SDG_TARGET_VOCABULARY = "3"
ORBIT_VOCABULARY = "99"
BLOCKING = frozenset({"critical", "error"})

STATUS_CODES: dict[str, str] = {
    ActivityStatus.PLANNED: "1",
    ActivityStatus.ONGOING: "2",
    ActivityStatus.DELAYED: "2",
    ActivityStatus.COMPLETED: "4",
    ActivityStatus.CANCELLED: "5",
}
"""Orbit status → IATI ActivityStatus; a completed activity with money committed but not spent is 3 (finalisation)."""
FINALISATION = "3"

MEASURES: dict[str, str] = {
    Indicator.Measure.NUMBER: "1",
    Indicator.Measure.CURRENCY: "1",
    Indicator.Measure.PERCENTAGE: "2",
    Indicator.Measure.QUALITATIVE: "5",
}
"""Orbit measure → IATI IndicatorMeasure (1 unit, 2 percentage, 5 qualitative)."""

_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_IATI_LANGUAGE = {"zh-hans": "zh"}
_TIER_TYPES = (("output", "1"), ("outcome", "2"), ("impact", "3"), ("goal", "3"), ("objective", "3"))
_Q6 = Decimal("0.000001")


# --------------------------------------------------------------------------------------------------------------
# The report


@dataclass
class ExportReport:
    """What was written: how many activities, how fast, and each activity's problems (keyed by activity code)."""

    activities: int = 0
    seconds: float = 0.0
    problems: dict[str, list[iati.Problem]] = field(default_factory=dict)
    schema_checked: bool = False

    @property
    def valid(self) -> bool:
        """True when no activity has a critical or error problem (warnings do not stop publication)."""
        return not any(p.severity in BLOCKING for found in self.problems.values() for p in found)

    @property
    def per_second(self) -> float:
        return self.activities / self.seconds if self.seconds > 0 else 0.0

    def all_problems(self) -> Iterator[tuple[str, iati.Problem]]:
        for code, found in self.problems.items():
            for problem in found:
                yield code, problem


# --------------------------------------------------------------------------------------------------------------
# Small writers


def iati_language(code: str) -> str:
    """Orbit's content language → the IATI Language code (ISO 639-1)."""
    return _IATI_LANGUAGE.get(code, code.split("-", 1)[0])


def _texts(values: Any) -> list[tuple[str, str]]:
    """The non-empty translations of a translated text, as (IATI language, text), in Orbit's language order."""
    if not isinstance(values, dict):
        return []
    ordered = [c for c in FALLBACK_ORDER if c in values] + sorted(c for c in values if c not in FALLBACK_ORDER)
    found: list[tuple[str, str]] = []
    for code in ordered:
        text = values.get(code)
        if isinstance(text, str) and text.strip():
            found.append((iati_language(code), text.strip()))
    return found


def _english(values: Any) -> str:
    texts = dict(_texts(values))
    return texts.get("en") or next(iter(texts.values()), "")


def _narratives(parent: Any, texts: Sequence[tuple[str, str]], default_lang: str) -> None:
    for lang, text in texts:
        narrative = etree.SubElement(parent, "narrative")
        if lang != default_lang:
            narrative.set(_LANG, lang)
        narrative.text = text


def _with_narratives(parent: Any, tag: str, texts: Sequence[tuple[str, str]], default_lang: str, **attrs: str) -> Any:
    element = etree.SubElement(parent, tag, attrs)
    _narratives(element, texts, default_lang)
    return element


def _decimal_text(value: Decimal) -> str:
    """A decimal as xs:decimal text: no exponent, no trailing zeros after the point."""
    text = format(value.normalize(), "f")
    return text if text not in ("-0",) else "0"


def result_type(framework: Framework, tier: int) -> str:
    """IATI ResultType of a node at ``tier`` (0-based) of ``framework``, from the tier's English name."""
    tiers = framework.tiers if isinstance(framework.tiers, list) else []
    name = _english(tiers[tier]).lower() if 0 <= tier < len(tiers) else ""
    for word, code in _TIER_TYPES:
        if word in name:
            return code
    return "9"


def activity_status(activity: Activity) -> str:
    code = STATUS_CODES.get(activity.status, "2")
    if activity.status == ActivityStatus.COMPLETED and any(
        line.committed > line.spent for line in activity.budget_lines.all()
    ):
        return FINALISATION
    return code


def _equal_shares(count: int) -> list[Decimal]:
    """``count`` percentages with two decimals that add up to exactly 100."""
    share = (Decimal(100) / count).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    shares = [share] * count
    shares[-1] = Decimal(100) - share * (count - 1)
    return shares


# --------------------------------------------------------------------------------------------------------------
# Values of a period


def _score_label(indicator: Indicator, score: int | None) -> str:
    if score is None:
        return ""
    for item in indicator.score_scale or []:
        if isinstance(item, dict) and item.get("score") == score:
            label = _english(item.get("label"))
            return f"{score} – {label}" if label else str(score)
    return str(score)


def _mean(values: Sequence[Decimal]) -> Decimal:
    return sum(values, Decimal(0)) / len(values)


def actual_of(indicator: Indicator, values: Sequence[ActualValue]) -> Decimal | None:
    """The period's actual from the values counted in it (see the module's notes), or None when none is numeric."""
    by_unit: dict[int, list[ActualValue]] = defaultdict(list)
    for value in values:
        by_unit[value.unit_id].append(value)
    chosen: list[ActualValue] = []
    per_unit: list[Decimal] = []
    time_rule = indicator.time_aggregation
    for unit_values in by_unit.values():
        if time_rule in (Indicator.TimeAggregation.LATEST, Indicator.TimeAggregation.CUMULATIVE):
            last = max(v.period_end for v in unit_values)
            unit_values = [v for v in unit_values if v.period_end == last]
        chosen.extend(unit_values)
        numbers = [v.value for v in unit_values if v.value is not None]
        if numbers:
            per_unit.append(
                _mean(numbers) if time_rule == Indicator.TimeAggregation.AVERAGE else sum(numbers, Decimal(0))
            )
    if indicator.measure == Indicator.Measure.PERCENTAGE:
        numerators = [v.numerator for v in chosen if v.numerator is not None and v.denominator]
        denominators = [v.denominator for v in chosen if v.numerator is not None and v.denominator]
        if numerators:
            return (sum(numerators, Decimal(0)) / sum(denominators, Decimal(0)) * 100).quantize(_Q6)
        return _mean(per_unit).quantize(_Q6) if per_unit else None
    if not per_unit:
        return None
    if indicator.unit_aggregation == Indicator.UnitAggregation.AVERAGE:
        return _mean(per_unit).quantize(_Q6)
    return sum(per_unit, Decimal(0))


def _dimension(parent: Any, dimension: Any, category: str) -> None:
    if dimension is None or not category:
        return
    label = category
    for item in dimension.categories or []:
        if isinstance(item, dict) and str(item.get("code")) == category:
            label = _english(item.get("name")) or category
    etree.SubElement(parent, "dimension", name=_english(dimension.name) or dimension.code, value=label)


def _comment(parent: Any, text: str, default_lang: str) -> None:
    if text:
        comment = etree.SubElement(parent, "comment")
        _narratives(comment, [("en", text)], default_lang)


# --------------------------------------------------------------------------------------------------------------
# Building one activity


@dataclass
class _Context:
    prefix: str
    reporting_org_ref: str
    reporting_org_name: str
    reporting_org_type: str
    framework: Framework | None
    readable_frameworks: set[int]
    generated: str
    today: dt.date
    links: dict[tuple[str, int], IatiLink] = field(default_factory=dict)
    published: dict[int, list[Evidence]] = field(default_factory=dict)
    """The published evidence of the activities being written, by activity id (empty unless evidence is published)."""
    """IATI links of the activities, results and indicators being written (imported records), by kind and id."""

    def link(self, kind: str, pk: int | None) -> IatiLink | None:
        return self.links.get((kind, pk)) if pk is not None else None


def _identifier(prefix: str, code: str) -> str:
    return f"{prefix}-{code}"


def build_activity(activity: Activity, context: _Context) -> Any:
    """One ``iati-activity`` element, children in the order of the IATI 2.03 schema."""
    titles = _texts(activity.title)
    default_lang = titles[0][0] if titles else "en"
    root = etree.Element("iati-activity")
    root.set(_LANG, default_lang)
    root.set("last-updated-datetime", activity.updated_at.replace(microsecond=0).isoformat())
    root.set("hierarchy", "1")
    imported = context.link(IatiLink.Kind.ACTIVITY, activity.pk)
    identifier = imported.identifier if imported is not None else _identifier(context.prefix, activity.code)
    etree.SubElement(root, "iati-identifier").text = identifier
    _with_narratives(
        root,
        "reporting-org",
        [("en", context.reporting_org_name)],
        default_lang,
        ref=context.reporting_org_ref,
        type=context.reporting_org_type,
    )
    _with_narratives(root, "title", titles, default_lang)
    _with_narratives(root, "description", _texts(activity.description) or titles, default_lang, type="1")
    _with_narratives(
        root,
        "participating-org",
        [("en", context.reporting_org_name)],
        default_lang,
        ref=context.reporting_org_ref,
        role=IMPLEMENTING_ROLE,
        type=context.reporting_org_type,
    )
    for partner in activity.partners or []:
        if isinstance(partner, str) and partner.strip():
            _with_narratives(
                root, "participating-org", [(default_lang, partner.strip())], default_lang, role=PARTNER_ROLE
            )
    etree.SubElement(root, "activity-status", code=_imported_status(activity, imported))
    for kind, day in (
        ("1", activity.planned_start),
        ("2", activity.actual_start),
        ("3", activity.planned_end),
        ("4", activity.actual_end),
    ):
        if day is not None:
            etree.SubElement(root, "activity-date", type=kind, **{"iso-date": day.isoformat()})
    countries = [c for c in (activity.countries or []) if isinstance(c, str) and c]
    if len(countries) == 1:
        etree.SubElement(root, "recipient-country", code=countries[0])
    elif countries:
        for code, share in zip(countries, _equal_shares(len(countries)), strict=True):
            etree.SubElement(root, "recipient-country", code=code, percentage=_decimal_text(share))
    for target in activity.sdg_targets.all():
        _with_narratives(
            root, "tag", _texts(target.title)[:1], default_lang, vocabulary=SDG_TARGET_VOCABULARY, code=target.code
        )
    _budgets(root, activity.budget_lines.all())
    _transactions(root, activity.budget_lines.all(), context.today)
    _document_links(root, context.published.get(activity.pk, []), default_lang)
    for node in activity.nodes.all():
        if node.framework_id not in context.readable_frameworks:
            continue
        if context.framework is not None and node.framework_id != context.framework.pk:
            continue
        _result(root, node, default_lang, context)
    return root


def _imported_status(activity: Activity, imported: IatiLink | None) -> str:
    """The IATI status an imported activity came with, while Orbit's status is still the one it maps to."""
    code = str((imported.data or {}).get("status") or "") if imported is not None else ""
    if code and IMPORTED_STATUS.get(code) == activity.status:
        return code
    return activity_status(activity)


def _budgets(root: Any, lines: Iterable[BudgetLine]) -> None:
    totals: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
    for line in lines:
        totals[(line.year, line.currency)] += line.planned
    for (year, currency), amount in sorted(totals.items()):
        budget = etree.SubElement(root, "budget", type="1", status="1")
        start = dt.date(year, 1, 1)
        etree.SubElement(budget, "period-start", {"iso-date": start.isoformat()})
        etree.SubElement(budget, "period-end", {"iso-date": dt.date(year, 12, 31).isoformat()})
        value = etree.SubElement(budget, "value", {"currency": currency, "value-date": start.isoformat()})
        value.text = _decimal_text(amount)


#: IATI TransactionType codes of what a budget line records.
COMMITMENT, EXPENDITURE = "2", "4"


def _transactions(root: Any, lines: Iterable[BudgetLine], today: dt.date) -> None:
    totals: dict[tuple[int, str, str], Decimal] = defaultdict(Decimal)
    for line in lines:
        totals[(line.year, line.currency, COMMITMENT)] += line.committed
        totals[(line.year, line.currency, EXPENDITURE)] += line.spent
    for (year, currency, kind), amount in sorted(totals.items()):
        if not amount:
            continue
        day = min(dt.date(year, 12, 31), today).isoformat()
        transaction = etree.SubElement(root, "transaction")
        etree.SubElement(transaction, "transaction-type", code=kind)
        etree.SubElement(transaction, "transaction-date", {"iso-date": day})
        value = etree.SubElement(transaction, "value", {"currency": currency, "value-date": day})
        value.text = _decimal_text(amount)


#: IATI DocumentCategory of progress evidence.
EVIDENCE_CATEGORY = "A08"


def _document_links(root: Any, items: Sequence[Evidence], default_lang: str) -> None:
    formats = codelists.codelist("FileFormat")
    for item in items:
        served = publication.served_type(item)
        if served not in formats:
            continue
        link = etree.SubElement(root, "document-link", format=served, url=publication.public_url(item))
        _with_narratives(link, "title", _texts(item.caption) or [(default_lang, item.original_name)], default_lang)
        etree.SubElement(link, "category", code=EVIDENCE_CATEGORY)
        day = item.taken_on or item.update.date
        etree.SubElement(link, "document-date", {"iso-date": day.isoformat()})


def _result(root: Any, node: ResultNode, default_lang: str, context: _Context | None = None) -> None:
    indicators = list(node.indicators.all())
    if not indicators:
        return
    framework = node.framework
    aggregable = all(_aggregable(i) for i in indicators)
    imported = context.link(IatiLink.Kind.RESULT, node.pk) if context is not None else None
    kind = str((imported.data or {}).get("type") or "") if imported is not None else ""
    result = etree.SubElement(
        root,
        "result",
        type=kind or result_type(framework, node.tier),
        **{"aggregation-status": "1" if aggregable else "0"},
    )
    node_titles = _texts(node.title) or [("en", f"{framework.code} {node.code}")]
    _with_narratives(result, "title", node_titles, default_lang)
    descriptions = _texts(node.description)
    if descriptions:
        _with_narratives(result, "description", descriptions, default_lang)
    for indicator in indicators:
        found = context.link(IatiLink.Kind.INDICATOR, indicator.pk) if context is not None else None
        _indicator(result, framework, node, indicator, default_lang, found)


def _aggregable(indicator: Indicator) -> bool:
    return indicator.measure == Indicator.Measure.NUMBER and indicator.unit_aggregation == Indicator.UnitAggregation.SUM


def _indicator(
    result: Any,
    framework: Framework,
    node: ResultNode,
    indicator: Indicator,
    default_lang: str,
    imported: IatiLink | None = None,
) -> None:
    attrs = {
        "measure": MEASURES.get(indicator.measure, "1"),
        "aggregation-status": "1" if _aggregable(indicator) else "0",
    }
    if indicator.direction != Indicator.Direction.MAINTAIN:
        attrs["ascending"] = "0" if indicator.direction == Indicator.Direction.DECREASE else "1"
    element = etree.SubElement(result, "indicator", attrs)
    _with_narratives(element, "title", _texts(indicator.title) or [("en", indicator.code)], default_lang)
    descriptions = _texts(indicator.definition)
    notes = []
    if indicator.measure == Indicator.Measure.CURRENCY and indicator.currency:
        notes.append(f"Amounts in {indicator.currency}.")
    if indicator.unit_label:
        notes.append(f"Unit of measure: {indicator.unit_label}.")
    if notes:
        english = dict(descriptions).get("en")
        joined = " ".join(notes)
        descriptions = [(lang, f"{text} {joined}" if lang == "en" else text) for lang, text in descriptions]
        if english is None:
            descriptions.append(("en", joined))
    if descriptions:
        _with_narratives(element, "description", descriptions, default_lang)
    data = (imported.data or {}) if imported is not None else {}
    references = [r for r in data.get("references") or [] if isinstance(r, list) and len(r) == 3 and r[0] and r[1]]
    for vocabulary, code, uri in references:  # an imported indicator keeps its publisher's references
        written = etree.SubElement(element, "reference", vocabulary=vocabulary, code=code)
        if uri:
            written.set("indicator-uri", uri)
    if not references:
        etree.SubElement(
            element, "reference", vocabulary=ORBIT_VOCABULARY, code=f"{framework.code} {node.code} {indicator.code}"
        )
    qualitative = indicator.measure == Indicator.Measure.QUALITATIVE
    if indicator.baseline_value is not None or indicator.baseline_date is not None:
        baseline_year = data.get("baseline_year")
        year = (
            indicator.baseline_date.year
            if indicator.baseline_date is not None
            else baseline_year
            if isinstance(baseline_year, int)
            else framework.cycle_start.year
        )
        baseline = etree.SubElement(element, "baseline", year=str(year))
        if indicator.baseline_date is not None:
            baseline.set("iso-date", indicator.baseline_date.isoformat())
        if indicator.baseline_value is not None and not qualitative:
            baseline.set("value", _decimal_text(indicator.baseline_value))
        comment = indicator.baseline_note.strip()
        if qualitative and indicator.baseline_value is not None:
            label = _score_label(indicator, int(indicator.baseline_value))
            comment = f"Baseline score {label}. {comment}".strip()
        _comment(baseline, comment, default_lang)
    _periods(element, indicator, default_lang)


def _periods(element: Any, indicator: Indicator, default_lang: str) -> None:
    qualitative = indicator.measure == Indicator.Measure.QUALITATIVE
    by_period: dict[tuple[dt.date, dt.date], list[Target]] = defaultdict(list)
    for target in indicator.targets.all():
        if target.unit_id is None:
            by_period[(target.period_start, target.period_end)].append(target)
    actuals = list(indicator.actuals.all())
    for (start, end), targets in sorted(by_period.items()):
        period = etree.SubElement(element, "period")
        etree.SubElement(period, "period-start", {"iso-date": start.isoformat()})
        etree.SubElement(period, "period-end", {"iso-date": end.isoformat()})
        for target in sorted(targets, key=lambda t: (t.dimension_id or 0, t.category)):
            if not qualitative and target.value is None:
                continue
            written = etree.SubElement(period, "target")
            if not qualitative:
                assert target.value is not None
                written.set("value", _decimal_text(target.value))
            _dimension(written, target.dimension, target.category)
            note = f"Target score {_score_label(indicator, target.score)}." if qualitative and target.score else ""
            _comment(written, " ".join(t for t in (note, target.note.strip()) if t), default_lang)
        inside = [a for a in actuals if a.period_start >= start and a.period_end <= end]
        groups: dict[tuple[int, str], list[ActualValue]] = defaultdict(list)
        for actual in inside:
            key = (actual.dimension_id or 0, actual.category if actual.dimension_id else "")
            groups[key].append(actual)
        for (dimension_id, category), values in sorted(groups.items()):
            if qualitative:
                latest = max(values, key=lambda v: (v.period_end, v.pk))
                written = etree.SubElement(period, "actual")
                _dimension(written, latest.dimension if dimension_id else None, category)
                _comment(written, f"Score {_score_label(indicator, latest.score)}.", default_lang)
                continue
            number = actual_of(indicator, values)
            if number is None:
                continue
            written = etree.SubElement(period, "actual", value=_decimal_text(number))
            _dimension(written, values[0].dimension if dimension_id else None, category)


# --------------------------------------------------------------------------------------------------------------
# Reading the plan


def export_queryset(
    user: Any, framework: Framework | None, statuses: Sequence[str] = COUNTED_BY_DEFAULT
) -> QuerySet[Activity]:
    """The user's activities (serving ``framework`` when given) with everything the export reads, prefetched."""
    filters = PlanFilters(framework=framework.pk if framework is not None else None)
    nodes = ResultNode.objects.select_related("framework").order_by("framework__code", "path")
    if framework is not None:
        nodes = nodes.filter(framework=framework)
    indicators = Indicator.objects.order_by("position", "code")
    targets = Target.objects.select_related("dimension").order_by("period_start", "period_end", "id")
    actuals = (
        actual_restrict(user)
        .filter(status__in=list(statuses))
        .select_related(None)
        .select_related("dimension")
        .order_by("period_start", "id")
    )
    return (
        activity_list(user, filters)
        .order_by("code")
        .prefetch_related(
            Prefetch("nodes", queryset=nodes),
            Prefetch("sdg_targets", queryset=ResultNode.objects.order_by("path")),
            Prefetch("budget_lines", queryset=BudgetLine.objects.order_by("year", "currency", "id")),
            Prefetch("nodes__indicators", queryset=indicators),
            Prefetch("nodes__indicators__targets", queryset=targets),
            Prefetch("nodes__indicators__actuals", queryset=actuals),
        )
    )


def _links_of(batch: Sequence[Activity]) -> dict[tuple[str, int], IatiLink]:
    """The IATI links of a batch of activities, their result nodes and indicators, in one query."""
    activity_ids = {a.pk for a in batch}
    node_ids = {n.pk for a in batch for n in a.nodes.all()}
    indicator_ids = {i.pk for a in batch for n in a.nodes.all() for i in n.indicators.all()}
    links = IatiLink.objects.filter(
        Q(kind=IatiLink.Kind.ACTIVITY, activity_id__in=activity_ids)
        | Q(kind=IatiLink.Kind.RESULT, node_id__in=node_ids)
        | Q(kind=IatiLink.Kind.INDICATOR, indicator_id__in=indicator_ids)
    ).only("kind", "identifier", "data", "activity_id", "node_id", "indicator_id")
    found: dict[tuple[str, int], IatiLink] = {}
    for link in links:
        pk = {"activity": link.activity_id, "result": link.node_id, "indicator": link.indicator_id}.get(link.kind)
        if pk is not None:
            found[(link.kind, pk)] = link
    return found


def check_element(element: Any, *, schema: etree.XMLSchema | None, today: dt.date) -> list[iati.Problem]:
    """Every check an exported activity goes through: schema (when given), Orbit's IATI rules, the codelists."""
    identifier = (element.findtext("iati-identifier") or "").strip()
    problems: list[iati.Problem] = []
    if schema is not None:
        problems.extend(iati._schema_problems(element, schema, identifier, IATI_VERSION))
    problems.extend(iati_rules.check_activity(element, today=today))
    problems.extend(codelists.check_codes(element))
    return problems


def export_activities(
    stream: BinaryIO,
    *,
    user: Any,
    framework: Framework | None = None,
    prefix: str,
    reporting_org_ref: str,
    reporting_org_name: str,
    reporting_org_type: str = DEFAULT_REPORTING_ORG_TYPE,
    today: dt.date,
    schema: etree.XMLSchema | None,
    statuses: Sequence[str] = COUNTED_BY_DEFAULT,
    chunk_size: int = CHUNK_SIZE,
) -> ExportReport:
    """Write the activities ``user`` may read as one IATI 2.03 file on ``stream``, checking each one.

    Returns the report: the count, the time taken and each activity's problems; ``report.valid`` says whether the
    file may be published.
    """
    started = time.perf_counter()
    report = ExportReport(schema_checked=schema is not None)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    context = _Context(
        prefix=prefix,
        reporting_org_ref=reporting_org_ref,
        reporting_org_name=reporting_org_name,
        reporting_org_type=reporting_org_type,
        framework=framework,
        readable_frameworks=set(framework_restrict(user).values_list("pk", flat=True)),
        generated=now.isoformat().replace("+00:00", "Z"),
        today=today,
    )
    identifiers: list[str] = []
    codes: list[str] = []

    def write(xf: Any, batch: list[Activity]) -> None:
        context.links = _links_of(batch)
        if publication.enabled():
            context.published = planning_selectors.evidence_published_by_activity([a.pk for a in batch])
        for activity in batch:
            element = build_activity(activity, context)
            problems = check_element(element, schema=schema, today=today)
            if problems:
                report.problems.setdefault(activity.code, []).extend(problems)
            xf.write(element, pretty_print=True)
            identifiers.append(element.findtext("iati-identifier") or "")
            codes.append(activity.code)
            report.activities += 1

    with etree.xmlfile(stream, encoding="utf-8") as xf:
        xf.write_declaration()
        with xf.element("iati-activities", version=IATI_VERSION, **{"generated-datetime": context.generated}):
            batch: list[Activity] = []
            for activity in export_queryset(user, framework, statuses).iterator(chunk_size=chunk_size):
                batch.append(activity)
                if len(batch) >= chunk_size:
                    write(xf, batch)
                    batch = []
            if batch:
                write(xf, batch)
    for problem in iati_rules.check_file_identifiers(identifiers):
        code = codes[identifiers.index(problem.identifier)] if problem.identifier in identifiers else ""
        report.problems.setdefault(code, []).append(problem)
    report.seconds = time.perf_counter() - started
    return report
