"""IATI 2.03 activity files into Orbit's own model: activities, results, indicators, targets and values.

Why: partners and Orbit's own earlier exports publish activities and their results in IATI; importing them lets a
results framework follow what others report without anyone retyping it.

How it reads: :func:`orbit.interop.iati.iter_activities` reads one activity at a time (no DTD, no entities, no
network; UTF-16 and minified files; 1.0x refused; datastore re-exports accepted). Each activity is checked against
the official schema when one is configured, against Orbit's IATI rules and the IATI codelists. As on the official
validator, only a critical finding (not XML, not IATI, version, schema) makes an activity invalid: it is refused and
reported by identifier, rule and line. Errors and warnings are handled by the part of the activity they concern
(:data:`HANDLING`, rule id or prefix → what happens):

* a part Orbit does not import (transactions, regions, sectors other than the SDG vocabularies, document links,
  planned disbursements, country-budget-items, last-updated-datetime, ...): the activity is imported and the finding
  reported as it is (outcome "imported as is");
* a part Orbit imports: that part is left out and the rest imported (outcome "left out"): a budget breaking 7.5.3,
  8.6.3, 7.8.1 or with a bad type or currency code; a result period breaking 8.6.1; a baseline, target or actual
  without a value or with one that is not a number (8.8-8.10.1 and .2); the result-level references under 8.11.1
  (the indicator's are kept); an activity date breaking 11.1.2-11.1.5; a bad code in a coded field Orbit imports
  (status, date type, country, result type, measure, references, SDG tags and sectors, languages: 9.x.1), which is
  left out or takes its default. Recipient countries whose percentages break 3.1.x are imported: Orbit keeps none;
* the activity is refused only when what is left cannot be an Orbit activity: no identifier, no title text
  (4.3.1), a repeated identifier in the file (1.1.2, the second and later ones), or a record the model refuses.

Every problem in the report carries ``outcome`` (refused, left out or imported as is) and, for the official rules, a
sentence saying what happened to the data. Counts: ``refused`` per kind counts the activities, results, indicators
and periods refused (a period left out by 8.6.1 counts there); ``left_out`` counts the parts left out of the records
imported (budgets, dates, countries and codes under activities; references and types under results; measures,
references and baseline values under indicators; targets and actuals under periods).
Activities are written in chunks (:data:`CHUNK_SIZE`): each chunk reads what exists in a fixed number of queries
and writes new records in bulk (:func:`orbit.governance.services.audited_bulk_create`: one audit event per record),
so queries grow with the number of chunks, not of activities. Changed records go through
:func:`orbit.governance.services.audited_update` one by one, after the same checks as the results and planning
services. The whole file is one transaction: a file refused half way (an XML error at the end) leaves nothing.

Finding records again: every imported activity, result and indicator has an
:class:`orbit.interop.models.IatiLink` keyed by where it stands in the file: ``activity:<iati-identifier>``,
``result:<id>#2``, ``indicator:<id>#2.1``. Periods, targets, values and budget lines need no link of their own: they
are found again under their imported indicator by period, dimension and category, and under their imported activity
by year and currency (a period that brings no target or value gets a link, ``period:<id>#2.1.3``, so that a
re-import counts it unchanged; earlier imports' period links are still read). Every link is an audited record, so
fewer links make the import faster. Re-importing the same file compares each value before writing and changes
nothing (no audit event); a changed file updates what changed. The file wins: a value edited in Orbit since the last
import is set back to the file's on the next import of a file that gives it (the audit log shows both changes).
Nothing is archived when it disappears from the file. An activity is found again by its identifier wherever its
results were first attached. Orbit's own export imported back into a framework its activities serve is recognised:
with that framework chosen, an activity whose identifier is the reporting organisation's ref, a hyphen and the code
of an activity serving the framework is that activity; it is left as it is and counted unchanged. Without a chosen
framework the file's activities are copied into the reporting organisation's framework (which is how the round trip
export → import → export is tested).

How IATI maps onto Orbit (decisions):

* Framework: without a chosen framework, one framework per reporting organisation (code ``IATI-<org ref>``, one
  tier "Result", kind "other", owned by the chosen unit), created on the first import and found again by its
  link. Its cycle covers the periods imported and is widened when a later file brings earlier or later periods.
  With a chosen framework the results become top-level nodes of it, and a period outside its cycle is not
  imported (warning ``orbit.cycle``).
* Activities: the code is the identifier without the reporting organisation's prefix, reduced to Orbit's code
  characters and 32 characters, with ``-2``, ``-3`` … when taken; the identifier itself stays in the link, and
  the export writes it back. Responsible unit: the chosen unit. Type: project.
* Narratives: every language is kept; IATI ``zh`` is ``zh-hans``; ``xml:lang`` in any case (``EN``). A narrative
  in a language Orbit does not hold is dropped with a warning (``orbit.language``), unless the text has no
  narrative in a language Orbit holds: then it is kept as the English text, so nothing is left without a title.
* Status: 1 → planned, 2 → ongoing, 3 and 4 → completed (with the actual end date; without one: ongoing, with a
  warning), 5 → cancelled, 6 suspended → delayed (a reason naming the IATI status is recorded). The IATI code is
  kept so that the export writes it back while the status is unchanged.
* Dates: 1 planned start, 2 actual start, 3 planned end, 4 actual end. Countries: recipient countries (their
  percentages are not kept). Regions: IATI's regions are not ITU regions; they are not imported.
* Partners: participating organisations other than the reporting organisation, by name (or ref).
* SDGs: ``tag`` vocabulary 3 and ``sector`` vocabulary 8 (targets) link the activity to the SDG target of that
  code where Orbit holds the SDG framework, and ``sector`` vocabulary 9 (an SDG indicator, 4.4.1) to its target
  (4.4); goals alone (tag 2, sector 7) are not linked: the export writes SDG targets, never goals, as tags.
* Budgets: one budget line per year (of the period start) and currency, funding source "other" (IATI does not say
  which of Orbit's sources paid), the original budgets added up (the revised ones when an activity gives no
  original). A negative budget is not imported (warning ``orbit.budget``).
* Transactions: added up per year (of the transaction date) and currency into the same budget lines: 2 Outgoing
  Commitment → committed; 3 Disbursement and 4 Expenditure → spent. Other types (incoming funds and commitments,
  loans, interest…) are not imported. A transaction in the future (rules 11.2.1, 11.2.2), without a currency
  (7.8.1) or with a code IATI does not know is left out; a negative yearly total is not imported (warning
  ``orbit.transaction``). When an activity reports no such transaction, its lines' committed and spent amounts
  are left as Orbit holds them.
* Results: one result node per IATI result; its type, aggregation status and references are kept in the link
  and written back by the export.
* Indicators: code ``I1``, ``I2`` … in file order; measure 1 → number, 2 → percentage, 3 (nominal), 4 (ordinal),
  5 → qualitative; ``ascending`` 0 → decrease, otherwise increase (IATI's default); an aggregation status of 0
  means "no roll-up across units". Baseline: the first baseline's value, ISO date and comment (its year is kept
  in the link). References are kept in the link and written back.
* Periods → organisation-wide targets (a calendar year, semester, quarter or month when the dates are one, else a
  custom range) and actual values. Imported actuals are the publisher's reported figures: they are recorded as
  **approved**, reported by the chosen unit, so that they count (the export and the dashboards count approved
  values). Percentages are stored as numerator value over 100. A value with a dimension is stored against an
  Orbit dimension ``IATI-<name>`` whose categories are the values met. A qualitative target or value is a score
  in Orbit: a whole number is kept as the score, any other is not imported (warning ``orbit.qualitative``).
  Values Orbit's rules refuse (a target before the baseline, overlapping periods, a percentage target above 100)
  are not imported, each with a warning naming the period.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import DatabaseError
from django.db.models import Max, Q

from orbit.core.codes import country_codes, currency_codes
from orbit.core.fields import clean_translations
from orbit.core.i18n import normalise_language
from orbit.governance.services import audited_bulk_create, audited_update
from orbit.interop import codelists, iati, iati_rules
from orbit.interop.models import IatiLink
from orbit.organisation.models import OrgUnit
from orbit.planning.models import Activity, ActivityStatus, BudgetLine
from orbit.planning.models.budget import FundingSource
from orbit.results import services as results_services
from orbit.results.models import ActualValue, Dimension, Framework, Indicator, ResultNode, Target
from orbit.results.models.periods import PeriodType, calendar_period_end, period_errors

CHUNK_SIZE = 100
"""Activities written per batch: the queries of an import grow with the number of batches, not of activities."""
KEY_BATCH = 500
"""Keys looked up per query (well under every database's limit of parameters)."""
BLOCKING = frozenset({"critical", "error"})
KINDS = ("activities", "results", "indicators", "periods")
OUTCOMES = ("created", "updated", "unchanged", "refused", "left_out")
"""Counts per kind: records created, updated, unchanged or refused, and parts of them left out (see HANDLING)."""
MAX_KEY = 600
TIER = {"en": "Result", "fr": "Résultat", "es": "Resultado"}

STATUS: dict[str, str] = {
    "1": ActivityStatus.PLANNED,
    "2": ActivityStatus.ONGOING,
    "3": ActivityStatus.COMPLETED,
    "4": ActivityStatus.COMPLETED,
    "5": ActivityStatus.CANCELLED,
    "6": ActivityStatus.DELAYED,
}
"""IATI ActivityStatus → Orbit status (3 finalisation and 4 closed need the actual end date)."""
STATUS_NAMES = {"5": "Cancelled", "6": "Suspended"}
MEASURES: dict[str, str] = {
    "1": Indicator.Measure.NUMBER,
    "2": Indicator.Measure.PERCENTAGE,
    "3": Indicator.Measure.QUALITATIVE,
    "4": Indicator.Measure.QUALITATIVE,
    "5": Indicator.Measure.QUALITATIVE,
}
SDG_TARGET_TAG = "3"
SDG_TARGET_SECTOR = "8"
SDG_INDICATOR_SECTOR = "9"
_CODE_CHARS = re.compile(r"[^A-Za-z0-9._-]+")
_Q6 = Decimal("0.000001")
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
_Q2 = Decimal("0.01")
_MAX_VALUE = Decimal(10) ** 14
_MAX_MONEY = Decimal(10) ** 14
#: IATI TransactionType → the budget line's amount it adds to (other types are not imported).
TRANSACTION_KINDS = {"2": "committed", "3": "spent", "4": "spent"}


# --------------------------------------------------------------------------------------------------------------
# The report


def blank_counts() -> dict[str, dict[str, int]]:
    return {kind: dict.fromkeys(OUTCOMES, 0) for kind in KINDS}


@dataclass
class Report:
    """What an import did (or would do): counts by kind and outcome, and every problem."""

    counts: dict[str, dict[str, int]] = field(default_factory=blank_counts)
    problems: list[dict[str, Any]] = field(default_factory=list)
    frameworks: set[int] = field(default_factory=set)
    activities_read: int = 0
    refused: str = ""
    """Why the whole file was refused ("" when it was read)."""

    def add(
        self, identifier: str, rule: str, severity: str, message: str, line: int | None = None, outcome: str = ""
    ) -> None:
        """Record a problem; ``outcome`` says what happened to the data: refused, left out or imported as is."""
        if not outcome:
            outcome = ORBIT_OUTCOMES.get(rule) or (REFUSED if severity in BLOCKING else AS_IS)
        problem = {
            "identifier": identifier, "rule": rule, "severity": severity, "message": message, "line": line,
            "outcome": outcome,
        }  # fmt: skip
        if self.problems and problem in self.problems[-20:]:  # the same finding on every narrative of an element
            return
        self.problems.append(problem)

    def add_problem(self, problem: iati.Problem, handling: Handling | None = None) -> None:
        if handling is None:
            handling = handling_of(problem.rule, problem.severity)
        message = f"{problem.message} Orbit: {handling.note}" if handling.note else problem.message
        self.add(problem.identifier, problem.rule, problem.severity, message, problem.line, handling.action)

    def count(self, kind: str, outcome: str, n: int = 1) -> None:
        self.counts[kind][outcome] += n

    @property
    def refused_any(self) -> bool:
        """Anything refused or left out: the import is then partial."""
        return bool(self.refused) or any(self.counts[kind][o] for kind in KINDS for o in ("refused", "left_out"))

    @property
    def imported_any(self) -> bool:
        return any(self.counts["activities"][o] for o in ("created", "updated", "unchanged"))


# --------------------------------------------------------------------------------------------------------------
# What a finding does to the data: refused, left out or imported as is

REFUSED = "refused"
LEFT_OUT = "left out"
AS_IS = "imported as is"


@dataclass(frozen=True)
class Handling:
    """What Orbit does with the part of an activity a finding concerns.

    ``prune`` leaves the part out of the activity's element before it is read again (it gets the element the rule
    points at and returns True when it removed something); ``kind`` is the count whose ``left_out`` rises;
    ``when`` narrows the handling to some elements (the first handling of a rule whose ``when`` holds applies).
    """

    action: str
    note: str
    kind: str = "activities"
    prune: Callable[[Any], bool] | None = None
    when: Callable[[Any], bool] | None = None


def _remove(element: Any) -> bool:
    parent = element.getparent() if element is not None else None
    if parent is None:
        return False
    parent.remove(element)
    return True


def _remove_attribute(name: str) -> Callable[[Any], bool]:
    def prune(element: Any) -> bool:
        if element is None or element.get(name) is None:
            return False
        del element.attrib[name]
        return True

    return prune


def _remove_budget(element: Any) -> bool:
    while element is not None and element.tag != "budget":
        element = element.getparent()
    return _remove(element)


def _remove_result_references(element: Any) -> bool:
    """8.11.1 points at an indicator's reference; the references of its result go, the indicator's stay."""
    indicator = element.getparent() if element is not None else None
    result = indicator.getparent() if indicator is not None else None
    references = list(result.iterchildren("reference")) if result is not None else []
    for reference in references:
        _remove(reference)
    return bool(references)


def _under(element: Any, activity: Any) -> bool:
    """Whether ``element`` is still inside ``activity`` (a part left out earlier takes its children with it)."""
    return element is activity or any(a is activity for a in element.iterancestors())


def _in_budget(element: Any) -> bool:
    return any(e.tag == "budget" for e in element.iterancestors()) or element.tag == "budget"


def _remove_transaction(element: Any) -> bool:
    while element is not None and element.tag != "transaction":
        element = element.getparent()
    return _remove(element)


def _in_transaction(element: Any) -> bool:
    return any(e.tag == "transaction" for e in element.iterancestors()) or element.tag == "transaction"


def _sdg_target(element: Any) -> bool:
    vocabulary = (element.get("vocabulary") or "").strip()
    if element.tag == "tag":
        return vocabulary == SDG_TARGET_TAG
    return vocabulary in (SDG_TARGET_SECTOR, SDG_INDICATOR_SECTOR)


_TARGET_VALUE = Handling(LEFT_OUT, "this target is not imported.", "periods", _remove)
_ACTUAL_VALUE = Handling(LEFT_OUT, "this actual value is not imported.", "periods", _remove)
_BASELINE_VALUE = Handling(
    LEFT_OUT, "the baseline is imported without a value.", "indicators", _remove_attribute("value")
)
_BUDGET = Handling(LEFT_OUT, "this budget is not imported.", "activities", _remove_budget, _in_budget)
_DATE = Handling(LEFT_OUT, "this date is not imported.", "activities", _remove)
_TRANSACTION = Handling(
    LEFT_OUT, "this transaction is not imported.", "activities", _remove_transaction, _in_transaction
)
_NOT_IMPORTED = Handling(AS_IS, "the activity is imported; Orbit does not import this part.")
_REFUSE = Handling(REFUSED, "the activity is not imported.")
_REFUSE_CRITICAL = Handling(REFUSED, "the activity is not imported (critical: the file's structure is broken).")

HANDLING: dict[str, tuple[Handling, ...]] = {
    # critical: not IATI, version, schema, unreadable
    "0.": (_REFUSE_CRITICAL,),
    "orbit.version": (_REFUSE_CRITICAL,),
    "orbit.unreadable": (_REFUSE_CRITICAL,),
    # what is left could not be an Orbit activity
    "1.1.2": (Handling(REFUSED, "this repeat of the identifier is not imported (the first one is)."),),
    "orbit.identifier": (_REFUSE,),
    "4.3.1": (_REFUSE,),
    # results and indicators
    "8.6.1": (Handling(LEFT_OUT, "this period is not imported.", "periods_refused", _remove),),
    "8.8.1": (_BASELINE_VALUE,),
    "8.8.2": (_BASELINE_VALUE,),
    "8.8.3": (Handling(AS_IS, "the baseline of a qualitative indicator is imported without a value."),),
    "8.9.1": (_TARGET_VALUE,),
    "8.9.2": (_TARGET_VALUE,),
    "8.9.3": (Handling(AS_IS, "a whole number is imported as the target's score."),),
    "8.10.1": (_ACTUAL_VALUE,),
    "8.10.2": (_ACTUAL_VALUE,),
    "8.10.3": (Handling(AS_IS, "a whole number is imported as the actual's score."),),
    "8.11.1": (
        Handling(
            LEFT_OUT,
            "the result's references are not imported; the indicator's are.",
            "results",
            _remove_result_references,
        ),
    ),
    # budgets and money
    "8.6.3": (_BUDGET, _NOT_IMPORTED),
    "7.5.3": (_BUDGET,),
    "7.8.1": (_BUDGET, _TRANSACTION, _NOT_IMPORTED),
    # dates
    "11.1.1": (_NOT_IMPORTED,),
    "11.1.2": (Handling(LEFT_OUT, "the planned end date is not imported.", "activities", _remove),),
    "11.1.3": (Handling(LEFT_OUT, "the actual end date is not imported.", "activities", _remove),),
    "11.1.4": (_DATE,),
    "11.1.5": (_DATE,),
    "11.2.1": (_TRANSACTION,),
    "11.2.2": (_TRANSACTION,),
    "6.11.1": (Handling(AS_IS, "the activity is imported without a start date."),),
    # classifications: Orbit keeps no percentages, no regions and no sectors other than the SDG vocabularies
    "2.1.": (Handling(AS_IS, "the activity is imported; Orbit keeps no sector percentages."),),
    "3.1.": (Handling(AS_IS, "the recipient countries are imported without percentages (Orbit keeps none)."),),
    "3.4.": (Handling(AS_IS, "the countries are imported without percentages; Orbit does not import regions."),),
    # text
    "4.1.1": (Handling(AS_IS, "narratives without a language are read as English."),),
    "4.4.1": (Handling(AS_IS, "the activity is imported without that description."),),
    # codelists (9.x.1), by the attribute they check: a bad code in a part Orbit imports leaves it out
    "code:@default-currency": (
        Handling(LEFT_OUT, "the default currency is not used.", "activities", _remove_attribute("default-currency")),
    ),
    "code:activity-date/@type": (_DATE,),
    "code:activity-status/@code": (
        Handling(LEFT_OUT, "the status is not imported; the activity is planned.", "activities", _remove),
    ),
    "code:budget/@type": (_BUDGET,),
    "code:budget/value/@currency": (_BUDGET,),
    "code:transaction/transaction-type/@code": (_TRANSACTION,),
    "code:transaction/value/@currency": (_TRANSACTION,),
    "code:recipient-country/@code": (
        Handling(LEFT_OUT, "this country is not imported.", "activities", _remove),
    ),
    "code:result/@type": (
        Handling(LEFT_OUT, "the result is imported without a type.", "results", _remove_attribute("type")),
    ),
    "code:result/reference/@vocabulary": (
        Handling(LEFT_OUT, "this reference is not imported.", "results", _remove),
    ),
    "code:result/indicator/@measure": (
        Handling(
            LEFT_OUT, "the measure is not imported; the indicator is a number.", "indicators",
            _remove_attribute("measure"),
        ),
    ),
    "code:result/indicator/reference/@vocabulary": (
        Handling(LEFT_OUT, "this reference is not imported.", "indicators", _remove),
    ),
    "code:tag/@code": (
        Handling(LEFT_OUT, "the activity is not linked to this SDG target.", "activities", _remove, _sdg_target),
        _NOT_IMPORTED,
    ),
    "code:sector/@code": (
        Handling(LEFT_OUT, "the activity is not linked to this SDG target.", "activities", _remove, _sdg_target),
        _NOT_IMPORTED,
    ),
    "code:@xml:lang": (
        Handling(
            LEFT_OUT, "the language is not used; the text takes the activity's default language.", "activities",
            _remove_attribute(_XML_LANG),
        ),
    ),
}
"""Rule id (or a prefix ending in a dot, or ``code:`` and the attribute a codelist rule checks) → what happens.

A finding of a rule not in the table refuses the activity when it is critical or an error, and is imported as is
when it is a warning; every rule Orbit checks is in the table (a test sees to it)."""


def handling_of(rule: str, severity: str, element: Any = None, path: str = "") -> Handling:
    """The handling of one finding: by codelist path, else by rule id, else by the longest matching prefix."""
    candidates: tuple[Handling, ...] = ()
    if path and f"code:{path}" in HANDLING:
        candidates = HANDLING[f"code:{path}"]
    elif path:
        candidates = (_NOT_IMPORTED,)
    elif rule in HANDLING:
        candidates = HANDLING[rule]
    else:
        prefixes = [p for p in HANDLING if p.endswith(".") and rule.startswith(p)]
        if prefixes:
            candidates = HANDLING[max(prefixes, key=len)]
    for handling in candidates:
        if handling.when is None or element is None or handling.when(element):
            return handling
    if severity == "critical":
        return _REFUSE_CRITICAL
    if severity == "error":
        return _REFUSE
    return Handling(AS_IS, "")


@dataclass
class Finding:
    """One problem of an activity with what Orbit does about it."""

    problem: iati.Problem
    handling: Handling
    element: Any = None


def rule_findings(element: Any, today: dt.date) -> list[Finding]:
    """Orbit's IATI rules on one activity, each finding with the element it points at and its handling."""
    identifier = (element.findtext("iati-identifier") or "").strip()
    shown = identifier or "(no identifier)"
    found: list[Finding] = []
    for entry in iati_rules.RULES:
        for where in entry.check(element, today):
            line = where.sourceline if where is not None else element.sourceline
            text = f"Activity {shown}, line {line}: {entry.message}"
            problem = iati.Problem(entry.id, entry.severity, text, line, identifier)
            found.append(Finding(problem, handling_of(entry.id, entry.severity, where), where))
    return found


def code_findings(element: Any) -> list[Finding]:
    """The codelist checks of :func:`orbit.interop.codelists.check_codes`, each with its element and handling."""
    identifier = (element.findtext("iati-identifier") or "").strip()
    activity = identifier or "(no identifier)"
    found: list[Finding] = []
    present = {child.tag for child in element.iterchildren()}
    for check in codelists._compiled():
        first = check.shown.split("/", 1)[0]
        if not first.startswith("@") and first not in present:  # no such element: no XPath to run
            continue
        for where in check.elements(element):
            if check.condition is not None and not check.condition(where):
                continue
            code = (where.text or "").strip() if check.attribute == "text()" else where.get(check.attribute)
            if code is None:
                continue
            entry = codelists.codelist(check.mapped.codelist).get(code)
            if entry is not None and not entry.withdrawn:
                continue
            values = {"activity": activity, "line": where.sourceline, "code": code, "where": check.shown}
            if entry is None:
                text = codelists.MESSAGES["invalid"].format(
                    official=check.mapped.message, codelist=check.mapped.codelist, **values
                )
                problem = iati.Problem(check.mapped.rule, check.mapped.severity, text, where.sourceline, identifier)
                handling = handling_of(problem.rule, problem.severity, where, check.shown)
            else:
                text = codelists.MESSAGES["withdrawn"].format(name=entry.name, codelist=check.mapped.codelist, **values)
                problem = iati.Problem(codelists.WITHDRAWN_RULE, "warning", text, where.sourceline, identifier)
                handling = Handling(AS_IS, "the code is imported as it is.")
            found.append(Finding(problem, handling, where))
    return found


ORBIT_OUTCOMES: dict[str, str] = {
    "orbit.value": LEFT_OUT,
    "orbit.qualitative": LEFT_OUT,
    "orbit.country": LEFT_OUT,
    "orbit.budget": LEFT_OUT,
    "orbit.transaction": LEFT_OUT,
    "orbit.sdg": LEFT_OUT,
    "orbit.period": REFUSED,
    "orbit.cycle": REFUSED,
    "orbit.overlap": REFUSED,
    "orbit.result": REFUSED,
    "orbit.indicator": REFUSED,
    "orbit.activity": REFUSED,
}
"""What Orbit's own findings (made while mapping onto Orbit's model) do to the data; the others are imported as is
(shortened, read as another status or measure, under the first dimension)."""

# --------------------------------------------------------------------------------------------------------------
# What the file asks for, before looking at the database


@dataclass
class WValue:
    key: str
    values: dict[str, Any]
    dimension: tuple[str, str] | None = None


@dataclass
class WPeriod:
    key: str
    start: dt.date
    end: dt.date
    period_type: str
    targets: list[WValue] = field(default_factory=list)
    actuals: list[WValue] = field(default_factory=list)


@dataclass
class WIndicator:
    key: str
    values: dict[str, Any]
    data: dict[str, Any]
    periods: list[WPeriod] = field(default_factory=list)


@dataclass
class WResult:
    key: str
    values: dict[str, Any]
    data: dict[str, Any]
    indicators: list[WIndicator] = field(default_factory=list)


@dataclass
class WActivity:
    identifier: str
    key: str
    org_ref: str
    org_name: str
    line: int | None
    values: dict[str, Any]
    data: dict[str, Any]
    sdg_codes: list[str]
    results: list[WResult]
    budgets: dict[tuple[int, str], dict[str, Decimal]]
    """By year and currency: the amounts the file gives (``planned``, ``committed``, ``spent``; a missing key is
    left as Orbit holds it)."""
    periods_read: int = 0


def _texts(
    narratives: Sequence[iati.Narrative],
    report: Report,
    identifier: str,
    line: int | None,
    what: str,
    max_length: int | None = None,
) -> dict[str, str]:
    """Narratives as a translated text (see the module's notes on languages)."""
    kept: dict[str, str] = {}
    dropped: list[tuple[str, str]] = []
    for narrative in narratives:
        text = (narrative.text or "").strip()
        if not text:
            continue
        code = normalise_language(narrative.lang or "en")
        if code is None:
            dropped.append((narrative.lang or "?", text))
        elif code not in kept:
            kept[code] = text
    if dropped:
        languages = ", ".join(sorted({lang for lang, _ in dropped}))
        narratives_kept = bool(kept)
        if not kept:
            kept["en"] = dropped[0][1]
            note = "kept as the English text, as no narrative is in a language Orbit holds"
        else:
            note = "not kept (Orbit holds English, French, Spanish, Russian, Chinese and Arabic)"
        report.add(
            identifier, "orbit.language", "warning", f"Activity {identifier}: {what} in {languages}: {note}.", line,
            LEFT_OUT if narratives_kept else AS_IS,
        )  # fmt: skip
    if max_length is not None:
        for code, text in list(kept.items()):
            if len(text) > max_length:
                kept[code] = text[: max_length - 1].rstrip() + "…"
                report.add(
                    identifier, "orbit.length", "warning",
                    f"Activity {identifier}: {what} is longer than {max_length} characters and was shortened.", line,
                )  # fmt: skip
    return clean_translations(kept, required=False, max_length=max_length)


def _plain(narratives: Sequence[iati.Narrative]) -> str:
    """One text for a plain field: the English narrative, else the first."""
    texts = [(n.lang, (n.text or "").strip()) for n in narratives if (n.text or "").strip()]
    for lang, text in texts:
        if normalise_language(lang or "en") == "en":
            return text
    return texts[0][1] if texts else ""


def period_type_of(start: dt.date, end: dt.date) -> str:
    for kind in (PeriodType.ANNUAL, PeriodType.SEMESTER, PeriodType.QUARTER, PeriodType.MONTH):
        if calendar_period_end(kind, start) == end:
            return str(kind)
    return str(PeriodType.CUSTOM)


def _number(value: Decimal | None) -> Decimal | None:
    if value is None:
        return None
    quantized = value.quantize(_Q6)
    return quantized if abs(quantized) < _MAX_VALUE else None


def _score(value: Decimal | None) -> int | None:
    if value is None or value != value.to_integral_value():
        return None
    return int(value)


def _dimension_of(value: iati.Value, report: Report, identifier: str, line: int | None) -> tuple[str, str] | None:
    pairs = [
        (name.strip(), category.strip()) for name, category in value.dimensions if name.strip() and category.strip()
    ]
    if not pairs:
        return None
    if len(pairs) > 1:
        report.add(
            identifier, "orbit.dimension", "warning",
            f"Activity {identifier}: a value broken down by {len(pairs)} dimensions is kept under the first, "
            f"{pairs[0][0]}, only.", line,
        )  # fmt: skip
    return pairs[0][0][:200], pairs[0][1][:40]


class Mapper:
    """Turns one read activity into what Orbit should hold (pure: no database)."""

    def __init__(self, report: Report) -> None:
        self.report = report

    def activity(self, activity: iati.Activity) -> WActivity:
        ident, line, report = activity.identifier, activity.line, self.report
        org_ref = (activity.reporting_org_ref or "").strip()
        titles = _texts(activity.titles, report, ident, line, "the title", 500) or {"en": ident}
        described = [d for d in activity.descriptions if d.type in (None, "1")] or activity.descriptions
        description = _texts(described[0].narratives, report, ident, line, "the description") if described else {}
        dates = activity.dates
        code = activity.status_code or ""
        status = STATUS.get(code, ActivityStatus.ONGOING if code else ActivityStatus.PLANNED)
        reason = ""
        if status == ActivityStatus.COMPLETED and "4" not in dates:
            status = ActivityStatus.ONGOING
            report.add(
                ident, "orbit.status", "warning",
                f"Activity {ident}: status {code} (finished) without an actual end date is imported as ongoing.", line,
            )  # fmt: skip
        if status in (ActivityStatus.CANCELLED, ActivityStatus.DELAYED):
            reason = f"{STATUS_NAMES.get(code, code)} (IATI activity status {code})."
        known = country_codes()
        countries: list[str] = []
        for country in activity.recipient_countries:
            code_upper = country.code.upper()
            if code_upper in known and code_upper not in countries:
                countries.append(code_upper)
            elif code_upper not in known:
                report.add(ident, "orbit.country", "warning", f"Activity {ident}: country “{country.code}” is not "
                           "an ISO 3166 code Orbit knows; it is not imported.", line)  # fmt: skip
        partners: list[str] = []
        for org in activity.participating_orgs:
            if org_ref and org.ref == org_ref:
                continue
            name = _plain(org.names) or (org.ref or "")
            name = name[:300]
            if name and name not in partners:
                partners.append(name)
        sdg_codes = [t.code for t in activity.tags if t.vocabulary == SDG_TARGET_TAG and t.code]
        sdg_codes += [s.code for s in activity.sectors if s.vocabulary == SDG_TARGET_SECTOR and s.code]
        sdg_codes += [  # an SDG indicator (4.4.1) serves its target (4.4)
            s.code.rsplit(".", 1)[0] for s in activity.sectors if s.vocabulary == SDG_INDICATOR_SECTOR and "." in s.code
        ]
        values = {
            "title": titles,
            "description": description,
            "countries": countries,
            "partners": partners,
            "planned_start": dates.get("1"),
            "actual_start": dates.get("2"),
            "planned_end": dates.get("3"),
            "actual_end": dates.get("4"),
            "status": status,
            "status_reason": reason,
        }
        wanted = WActivity(
            identifier=ident,
            key=f"activity:{ident}",
            org_ref=org_ref,
            org_name=_plain(activity.reporting_org_names) or org_ref,
            line=line,
            values=values,
            data={"status": code, "reporting_org_ref": org_ref},
            sdg_codes=list(dict.fromkeys(sdg_codes)),
            results=[],
            budgets=self.money(activity),
        )
        for r_index, result in enumerate(activity.results, start=1):
            wanted.results.append(self.result(activity, result, f"{ident}#{r_index}", wanted))
        return wanted

    def money(self, activity: iati.Activity) -> dict[tuple[int, str], dict[str, Decimal]]:
        """The budget lines the activity's budgets and transactions make, by year and currency."""
        lines: dict[tuple[int, str], dict[str, Decimal]] = {
            key: {"planned": amount} for key, amount in self.budgets(activity).items()
        }
        for key, amounts in self.transactions(activity).items():
            lines.setdefault(key, {}).update(amounts)
        return lines

    def transactions(self, activity: iati.Activity) -> dict[tuple[int, str], dict[str, Decimal]]:
        ident, line = activity.identifier, activity.line
        totals: dict[tuple[int, str], dict[str, Decimal]] = {}
        for transaction in activity.transactions:
            kind = TRANSACTION_KINDS.get((transaction.type or "").strip())
            if kind is None or transaction.date is None or transaction.value is None:
                continue
            currency = (transaction.currency or activity.default_currency or "").upper()
            if currency not in currency_codes():
                continue  # reported by rule 7.8.1 or the currency codelist, and left out
            amounts = totals.setdefault((transaction.date.year, currency), {})
            amounts[kind] = amounts.get(kind, Decimal(0)) + transaction.value
        for (year, currency), amounts in totals.items():
            for kind, amount in list(amounts.items()):
                if amount < 0 or amount >= _MAX_MONEY:
                    del amounts[kind]
                    why = "is negative" if amount < 0 else "is too large to store"
                    self.money_left_out(
                        ident, "orbit.transaction", f"the amount {kind} in {year} ({currency}) {why}", line
                    )
                else:
                    amounts[kind] = amount.quantize(_Q2)
        return {key: amounts for key, amounts in totals.items() if amounts}

    def budgets(self, activity: iati.Activity) -> dict[tuple[int, str], Decimal]:
        ident, line = activity.identifier, activity.line
        chosen = [b for b in activity.budgets if b.type in (None, "1")] or activity.budgets
        totals: dict[tuple[int, str], Decimal] = {}
        for budget in chosen:
            currency = (budget.currency or activity.default_currency or "").upper()
            if budget.start is None or budget.value is None:
                continue
            if budget.value < 0 or currency not in currency_codes():
                why = "is negative" if budget.value < 0 else f"has no ISO 4217 currency (“{currency}”)"
                self.money_left_out(ident, "orbit.budget", f"the budget from {budget.start} {why}", line)
                continue
            key = (budget.start.year, currency)
            totals[key] = totals.get(key, Decimal(0)) + budget.value
        for key, amount in list(totals.items()):
            if amount >= _MAX_MONEY:
                del totals[key]
                self.money_left_out(ident, "orbit.budget", f"the {key[0]} budget is too large to store", line)
            else:
                totals[key] = amount.quantize(_Q2)
        return totals

    def money_left_out(self, ident: str, rule: str, what: str, line: int | None) -> None:
        """Report an amount of an activity that is not imported (the activity is): a part left out."""
        self.report.add(ident, rule, "warning", f"Activity {ident}: {what}; it is not imported.", line)
        self.report.count("activities", "left_out")

    def result(self, activity: iati.Activity, result: iati.Result, key: str, wanted: WActivity) -> WResult:
        ident, line = activity.identifier, activity.line
        title = _texts(result.titles, self.report, ident, line, "a result title") or {"en": f"Result {key}"}
        data = {
            "type": result.type or "",
            "aggregation_status": result.aggregation_status,
            "references": [[r.vocabulary or "", r.code or ""] for r in result.references],
        }
        node = {
            "title": title,
            "description": _texts(result.descriptions, self.report, ident, line, "a result description"),
        }
        out = WResult(key=f"result:{key}", values=node, data=data)
        for i_index, indicator in enumerate(result.indicators, start=1):
            out.indicators.append(self.indicator(activity, indicator, f"{key}.{i_index}", i_index, wanted))
        return out

    def indicator(
        self, activity: iati.Activity, indicator: iati.Indicator, key: str, position: int, wanted: WActivity
    ) -> WIndicator:
        ident, line, report = activity.identifier, activity.line, self.report
        measure = MEASURES.get(indicator.measure or "1")
        if measure is None:
            measure = Indicator.Measure.NUMBER
            report.add(
                ident,
                "orbit.measure",
                "warning",
                f"Activity {ident}: indicator measure “{indicator.measure}” is imported as a number.",
                line,
            )
        qualitative = measure == Indicator.Measure.QUALITATIVE
        aggregates = indicator.aggregation_status is not False
        if measure == Indicator.Measure.PERCENTAGE:
            unit_aggregation = Indicator.UnitAggregation.RATIO if aggregates else Indicator.UnitAggregation.NONE
        elif measure == Indicator.Measure.NUMBER:
            unit_aggregation = Indicator.UnitAggregation.SUM if aggregates else Indicator.UnitAggregation.NONE
        else:
            unit_aggregation = Indicator.UnitAggregation.SUM
        baseline = indicator.baseline
        values: dict[str, Any] = {
            "code": f"I{position}",
            "title": _texts(indicator.titles, report, ident, line, "an indicator title", 500) or {"en": f"I{position}"},
            "definition": _texts(indicator.descriptions, report, ident, line, "an indicator description"),
            "measure": measure,
            "direction": Indicator.Direction.DECREASE if indicator.ascending is False else Indicator.Direction.INCREASE,
            "unit_aggregation": unit_aggregation,
            "numerator_le_denominator": False,
            "baseline_value": _number(baseline.value) if baseline is not None and not qualitative else None,
            "baseline_date": baseline.iso_date if baseline is not None else None,
            "baseline_note": _plain(baseline.comments) if baseline is not None else "",
            "position": position,
        }
        data = {
            "measure": indicator.measure or "",
            "references": [[r.vocabulary or "", r.code or "", r.uri or ""] for r in indicator.references],
            "baseline_year": baseline.year if baseline is not None else None,
        }
        out = WIndicator(key=f"indicator:{key}", values=values, data=data)
        dimensions: list[str] = []
        for p_index, period in enumerate(indicator.periods, start=1):
            wanted.periods_read += 1
            if period.start is None or period.end is None or period.end < period.start:
                report.count("periods", "refused")
                report.add(ident, "orbit.period", "warning",
                           f"Activity {ident}: period {p_index} of indicator {position} has no valid start and end; "
                           "it is not imported.", line)  # fmt: skip
                continue
            pkey = f"{key}.{p_index}"
            w_period = WPeriod(f"period:{pkey}", period.start, period.end, period_type_of(period.start, period.end))
            for kind, items in (("target", period.targets), ("actual", period.actuals)):
                seen: set[tuple[str, str] | None] = set()
                for v_index, value in enumerate(items, start=1):
                    dimension = _dimension_of(value, report, ident, line)
                    if dimension in seen:
                        shown = f"for {dimension[0]} {dimension[1]}" if dimension else "without a dimension"
                        report.add(
                            ident,
                            "orbit.value",
                            "warning",
                            f"Activity {ident}: period {period.start} to {period.end} of indicator {position} "
                            f"has more than one {kind} {shown}; the first is kept.",
                            line,
                        )
                        continue
                    seen.add(dimension)
                    note = _plain(value.comments)
                    number = _number(value.value)
                    fields: dict[str, Any] = {}
                    if qualitative:
                        score = _score(value.value)
                        if score is None:
                            report.add(
                                ident,
                                "orbit.qualitative",
                                "warning",
                                f"Activity {ident}: a qualitative {kind} of {period.start} to {period.end} "
                                f"has no whole-number score (“{value.raw or ''}”); it is not imported.",
                                line,
                            )
                            continue
                        fields["score"] = score
                    elif number is None:
                        report.add(
                            ident,
                            "orbit.value",
                            "warning",
                            f"Activity {ident}: the {kind} of {period.start} to {period.end} of indicator "
                            f"{position} is not a number (“{value.raw or ''}”); it is not imported.",
                            line,
                        )
                        continue
                    elif kind == "actual" and measure == Indicator.Measure.PERCENTAGE:
                        fields.update(numerator=number, denominator=Decimal(100))
                    else:
                        fields["value"] = number
                    if kind == "target":
                        fields["note"] = note
                    else:
                        fields["narrative"] = note
                    if dimension is not None and dimension_code(dimension[0]) not in dimensions:
                        dimensions.append(dimension_code(dimension[0]))
                    w_value = WValue(f"{kind}:{pkey}.{v_index}", fields, dimension)
                    (w_period.targets if kind == "target" else w_period.actuals).append(w_value)
            out.periods.append(w_period)
        values["dimension_codes"] = dimensions
        return out


@functools.cache
def _languages() -> frozenset[str]:
    return frozenset(codelists.codelist("Language"))


def lower_case_languages(element: Any) -> list[iati.Problem]:
    """Read ``xml:lang="EN"`` (seen in real files) as ``en``: one warning instead of an error per narrative."""
    languages = _languages()
    changed: set[str] = set()
    for found in element.iter():
        raw = found.get(_XML_LANG)
        if raw and raw not in languages and raw.lower() in languages:
            found.set(_XML_LANG, raw.lower())
            changed.add(raw)
    if not changed:
        return []
    identifier = (element.findtext("iati-identifier") or "").strip()
    text = (
        f"Activity {identifier}: the language code(s) {', '.join(sorted(changed))} are written in upper case; "
        "IATI's codes are lower case, and Orbit read them as such."
    )
    return [iati.Problem("orbit.language", "warning", text, element.sourceline, identifier)]


def dimension_code(name: str) -> str:
    return _code_from(f"IATI-{name}")


def _code_from(text: str, limit: int = 32) -> str:
    code = _CODE_CHARS.sub("-", text.strip()).strip("-._")[:limit].rstrip("-._")
    return code or "IATI"


def activity_code(identifier: str, org_ref: str) -> str:
    """Orbit's code for an activity: the identifier without the publisher's prefix, in Orbit's code characters."""
    rest = identifier
    if org_ref and identifier.startswith(org_ref) and len(identifier) > len(org_ref) + 1:
        rest = identifier[len(org_ref) :].lstrip("-_. ")
    return _code_from(rest)


def _with_suffix(base: str, number: int) -> str:
    suffix = f"-{number}"
    return base[: 32 - len(suffix)].rstrip("-._") + suffix


def _same(current: Any, wanted: Any) -> bool:
    if isinstance(current, Decimal) or isinstance(wanted, Decimal):
        if current is None or wanted is None:
            return current is wanted
        return Decimal(current) == Decimal(wanted)
    if isinstance(current, dict) and isinstance(wanted, dict):
        return dict(current) == dict(wanted)
    return bool(current == wanted)


def _changes(instance: Any, values: dict[str, Any]) -> dict[str, Any]:
    changed: dict[str, Any] = {}
    for name, value in values.items():
        if isinstance(value, Dimension | OrgUnit | Indicator | ResultNode | Activity):
            if getattr(instance, f"{name}_id") != value.pk:
                changed[name] = value
        elif value is None and name in ("dimension",):
            if instance.dimension_id is not None:
                changed[name] = None
        elif not _same(getattr(instance, name), value):
            changed[name] = value
    return changed


def _value_key(record: Target | ActualValue) -> tuple[Any, ...]:
    dimension = record.dimension.code if record.dimension is not None else ""
    return (record.indicator_id, record.period_start, record.period_end, dimension, record.category)


def _message(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "; ".join(f"{name}: {' '.join(messages)}" for name, messages in exc.message_dict.items())
    return " ".join(exc.messages)


# --------------------------------------------------------------------------------------------------------------
# The importer


class Importer:
    """Reads an IATI file and writes (or, inside a transaction the caller rolls back, rehearses) its import."""

    def __init__(
        self,
        *,
        actor: Any,
        unit: OrgUnit,
        framework: Framework | None,
        name: str,
        reason: str,
        today: dt.date,
        chunk_size: int = CHUNK_SIZE,
    ) -> None:
        self.actor = actor
        self.unit = unit
        self.framework = framework
        self.name = name
        self.reason = reason
        self.today = today
        self.chunk_size = chunk_size
        self.report = Report()
        self.mapper = Mapper(self.report)
        self.frameworks: dict[str, Framework] = {}
        self.sdg_nodes: dict[str, ResultNode | None] = {}
        self.dimensions: dict[str, Dimension] = {}
        self.codes_taken: set[str] = set()

    # reading -----------------------------------------------------------------------------------------------

    def run(self, stream: Any, *, schema: Any, progress: Callable[[int], None] | None = None) -> Report:
        """Import every activity of ``stream``; raises :class:`iati.IatiError` when the whole file is refused."""
        today = self.today
        handled: dict[int, Handling] = {}
        pruned: dict[str, Any] = {}
        left_out: Counter[str] = Counter()

        def checks(element: Any) -> list[iati.Problem]:
            handled.clear()
            pruned.clear()
            left_out.clear()
            findings = [
                *(Finding(p, handling_of(p.rule, p.severity)) for p in lower_case_languages(element)),
                *rule_findings(element, today),
                *code_findings(element),
            ]
            for finding in findings:
                handled[id(finding.problem)] = finding.handling
                prune = finding.handling.prune
                if prune is None or finding.element is None or not _under(finding.element, element):
                    continue
                if prune(finding.element):
                    pruned["element"] = element
                    left_out[finding.handling.kind] += 1
            return [finding.problem for finding in findings]

        seen: Counter[str] = Counter()
        chunk: list[WActivity] = []
        for result in iati.iter_activities(stream, name=self.name, schema=schema, check=checks):
            self.report.activities_read += 1
            identifier = result.identifier
            activity = result.activity
            line = activity.line if activity is not None else None
            problems = list(result.problems)
            seen[identifier] += 1
            if seen[identifier] > 1:
                rule = iati_rules.UNIQUE_IDENTIFIER
                shown = identifier or "(blank)"
                text = f"Activity {shown}: {rule.message} It appears {seen[identifier]} times so far."
                problems.append(iati.Problem(rule.id, rule.severity, text, line, identifier))
            settled = [(p, handled.get(id(p)) or handling_of(p.rule, p.severity)) for p in problems]
            refused = activity is None or any(h.action == REFUSED for _, h in settled)
            if not identifier and not refused:
                problems.append(
                    iati.Problem(
                        "orbit.identifier",
                        "error",
                        "An activity has no iati-identifier; it cannot be found again and is not imported.",
                        line,
                        identifier,
                    )
                )
            if len(identifier) > 400:
                problems.append(
                    iati.Problem(
                        "orbit.identifier",
                        "error",
                        f"Activity {identifier[:60]}…: the identifier is longer than 400 characters.",
                        line,
                        identifier,
                    )
                )
            for problem in problems:
                handling = handled.get(id(problem)) or handling_of(problem.rule, problem.severity)
                refused = refused or handling.action == REFUSED
                self.report.add_problem(problem, handling)
            periods_left_out = left_out.pop("periods_refused", 0)
            if periods_left_out:
                self.report.count("periods", "refused", periods_left_out)
            if activity is not None and pruned:  # read again without the parts left out
                activity = iati.read_activity(pruned["element"], version=activity.version).activity
            if activity is None or refused:
                self._refuse(activity)
            else:
                for kind, n in left_out.items():
                    self.report.count(kind, "left_out", n)
                chunk.append(self.mapper.activity(activity))
                if len(chunk) >= self.chunk_size:
                    self._apply_safely(chunk)
                    chunk = []
            handled.clear()
            pruned.clear()
            left_out.clear()
            if progress is not None:
                progress(self.report.activities_read)
        if chunk:
            self._apply_safely(chunk)
        return self.report

    def _apply_safely(self, chunk: list[WActivity]) -> None:
        """Apply a chunk; a record the database refuses refuses the whole file (the caller rolls everything back)."""
        try:
            self.apply(chunk)
        except DatabaseError as exc:
            first, last = chunk[0].identifier, chunk[-1].identifier
            raise iati.IatiError(
                f"{self.name}: refused, nothing was imported: the database refused a record of the activities "
                f"{first} to {last} ({str(exc).strip()[:200]})."
            ) from exc

    def _refuse(self, activity: iati.Activity | None) -> None:
        self.report.count("activities", "refused")
        if activity is None:
            return
        self.report.count("results", "refused", len(activity.results))
        indicators = [i for r in activity.results for i in r.indicators]
        self.report.count("indicators", "refused", len(indicators))
        self.report.count("periods", "refused", sum(len(i.periods) for i in indicators))

    # writing -----------------------------------------------------------------------------------------------

    def apply(self, chunk: list[WActivity]) -> None:
        chunk = self._without_own_activities(chunk)
        if not chunk:
            return
        self._resolve_frameworks(chunk)
        links = self._links(chunk)
        self._sdg_nodes(chunk)
        self._dimensions(chunk)
        existing_activities = {
            a.pk: a
            for a in Activity.all_objects.select_related("responsible_unit")
            .prefetch_related("nodes", "sdg_targets")
            .filter(pk__in=[link.activity_id for link in links.values() if link.activity_id])
        }
        new_codes = self._new_codes([w for w in chunk if w.key not in links])
        writer = _Writer(self, links, existing_activities)
        writer.load_values(
            [link.indicator_id for link in links.values() if link.indicator_id], list(existing_activities)
        )
        for wanted in chunk:
            writer.plan_activity(wanted, new_codes.get(wanted.key, ""))
        writer.write()

    def _without_own_activities(self, chunk: list[WActivity]) -> list[WActivity]:
        """Orbit's own activities, exported and imported back into the framework they serve, are left as they are.

        Only with a chosen framework: an activity not imported before whose identifier is the reporting
        organisation's ref, a hyphen and the code of an activity serving that framework is that activity (the
        export writes ``{prefix}-{code}``). It is counted unchanged, with its results, and nothing is written.
        """
        if self.framework is None:
            return chunk
        guesses = {
            w.key: w.identifier[len(w.org_ref) + 1 :]
            for w in chunk
            if w.org_ref and w.identifier.startswith(f"{w.org_ref}-")
        }
        if not guesses:
            return chunk
        linked = set(IatiLink.objects.filter(key__in=list(guesses)).values_list("key", flat=True))
        own = set(
            Activity.objects.filter(
                code__in=[code for key, code in guesses.items() if key not in linked], nodes__framework=self.framework
            ).values_list("code", flat=True)
        )
        kept: list[WActivity] = []
        for wanted in chunk:
            code = guesses.get(wanted.key)
            if code is None or code not in own or wanted.key in linked:
                kept.append(wanted)
                continue
            self.report.count("activities", "unchanged")
            self.report.count("results", "unchanged", len(wanted.results))
            indicators = [i for r in wanted.results for i in r.indicators]
            self.report.count("indicators", "unchanged", len(indicators))
            self.report.count("periods", "unchanged", sum(len(i.periods) for i in indicators))
            self.report.add(
                wanted.identifier,
                "orbit.own",
                "warning",
                f"Activity {wanted.identifier} is Orbit's own activity {code}, exported from this framework; "
                "it is left as it is.",
                wanted.line,
            )
        return kept

    def _framework_for(self, wanted: WActivity) -> Framework:
        if self.framework is not None:
            return self.framework
        return self.frameworks[wanted.org_ref]

    def _resolve_frameworks(self, chunk: list[WActivity]) -> None:
        if self.framework is not None:
            self.report.frameworks.add(self.framework.pk)
            return
        spans: dict[str, list[dt.date]] = {}
        for wanted in chunk:
            days = spans.setdefault(wanted.org_ref, [])
            for result in wanted.results:
                for indicator in result.indicators:
                    for period in indicator.periods:
                        days.extend((period.start, period.end))
                    if indicator.values["baseline_date"] is not None:
                        days.append(indicator.values["baseline_date"])
        missing = [ref for ref in spans if ref not in self.frameworks]
        if missing:
            found = IatiLink.objects.select_related("framework__owner_unit").filter(
                key__in=[f"framework:{ref}" for ref in missing]
            )
            for link in found:
                if link.framework is not None:
                    self.frameworks[link.identifier] = link.framework
        for ref, days in spans.items():
            framework = self.frameworks.get(ref)
            start = min(days, default=dt.date(self.today.year, 1, 1))
            end = max(days, default=dt.date(self.today.year, 12, 31))
            start, end = min(start, dt.date(start.year, 1, 1)), max(end, dt.date(end.year, 12, 31))
            if framework is None:
                names = {w.org_name for w in chunk if w.org_ref == ref and w.org_name}
                framework = self._create_framework(ref, sorted(names)[0] if names else ref, start, end)
            elif start < framework.cycle_start or end > framework.cycle_end:
                framework = results_services.framework_update(
                    actor=self.actor, framework=framework, expected_version=framework.version, reason=self.reason,
                    cycle_start=min(start, framework.cycle_start), cycle_end=max(end, framework.cycle_end),
                )  # fmt: skip
            self.frameworks[ref] = framework
            self.report.frameworks.add(framework.pk)

    def _create_framework(self, ref: str, name: str, start: dt.date, end: dt.date) -> Framework:
        base = _code_from(f"IATI-{ref or 'UNKNOWN'}")
        taken = set(Framework.all_objects.filter(code__startswith=base[:28]).values_list("code", flat=True))
        code, number = base, 1
        while code in taken:
            number += 1
            code = _with_suffix(base, number)
        framework = results_services.framework_create(
            actor=self.actor, owner_unit=self.unit, reason=self.reason, code=code,
            name={"en": (f"{name} (IATI)")[:300]}, kind=Framework.Kind.OTHER, status=Framework.Status.ACTIVE,
            cycle_start=start, cycle_end=end, tiers=[TIER],
            source=f"IATI activities published by {name} ({ref or 'no organisation identifier'}), imported from "
            f"{self.name}.",
        )  # fmt: skip
        link = IatiLink(
            key=f"framework:{ref}", kind=IatiLink.Kind.FRAMEWORK, identifier=ref, framework=framework,
            scope_path=self.unit.path,
        )  # fmt: skip
        audited_bulk_create(actor=self.actor, instances=[link], reason=self.reason)
        framework.owner_unit = self.unit
        return framework

    def _links(self, chunk: list[WActivity]) -> dict[str, IatiLink]:
        keys: list[str] = []
        for wanted in chunk:
            keys.append(wanted.key)
            for result in wanted.results:
                keys.append(result.key)
                for indicator in result.indicators:
                    keys.append(indicator.key)
                    for period in indicator.periods:
                        keys.append(period.key)
        found: dict[str, IatiLink] = {}
        for index in range(0, len(keys), KEY_BATCH):
            batch = keys[index : index + KEY_BATCH]
            for link in IatiLink.objects.select_related(
                "node__framework__owner_unit", "indicator", "target", "actual", "budget_line"
            ).filter(key__in=batch):
                found[link.key] = link
        return found

    def _sdg_nodes(self, chunk: list[WActivity]) -> None:
        codes = {code for w in chunk for code in w.sdg_codes if code not in self.sdg_nodes}
        if not codes:
            return
        nodes = ResultNode.objects.filter(
            framework__kind=Framework.Kind.GLOBAL_GOALS, framework__archived_at__isnull=True, ref_code__in=codes
        ).order_by("framework__code", "path")
        for node in nodes:
            self.sdg_nodes.setdefault(node.ref_code, node)
        for code in codes:
            self.sdg_nodes.setdefault(code, None)

    def _dimensions(self, chunk: list[WActivity]) -> None:
        wanted: dict[str, tuple[str, list[str]]] = {}
        for activity in chunk:
            for result in activity.results:
                for indicator in result.indicators:
                    for period in indicator.periods:
                        for value in (*period.targets, *period.actuals):
                            if value.dimension is None:
                                continue
                            name, category = value.dimension
                            code = dimension_code(name)
                            entry = wanted.setdefault(code, (name, []))
                            if category not in entry[1]:
                                entry[1].append(category)
        missing = [code for code in wanted if code not in self.dimensions]
        if missing:
            self.dimensions.update({d.code: d for d in Dimension.all_objects.filter(code__in=missing)})
        new: list[Dimension] = []
        for code, (name, categories) in wanted.items():
            current = self.dimensions.get(code)
            if current is None:
                dimension = Dimension(
                    code=code, kind=Dimension.Kind.CUSTOM, name={"en": name}, exhaustive=False,
                    categories=[{"code": c, "name": {"en": c}} for c in categories],
                )  # fmt: skip
                new.append(dimension)
                self.dimensions[code] = dimension
                continue
            extra = [c for c in categories if c not in current.category_codes]
            if extra:
                self.dimensions[code] = audited_update(
                    actor=self.actor, instance=current, expected_version=current.version, reason=self.reason,
                    values={"categories": [*current.categories, *({"code": c, "name": {"en": c}} for c in extra)]},
                )  # fmt: skip
        audited_bulk_create(actor=self.actor, instances=new, reason=self.reason)

    def _new_codes(self, new: list[WActivity]) -> dict[str, str]:
        bases = {w.key: activity_code(w.identifier, w.org_ref) for w in new}
        if not bases:
            return {}
        clash = Q(code__in=set(bases.values()))
        for base in set(bases.values()):
            clash |= Q(code__startswith=base[:28])
        self.codes_taken.update(Activity.all_objects.filter(clash).values_list("code", flat=True))
        codes: dict[str, str] = {}
        for key, base in bases.items():
            code, number = base, 1
            while code in self.codes_taken:
                number += 1
                code = _with_suffix(base, number)
            self.codes_taken.add(code)
            codes[key] = code
        return codes


class _Writer:
    """One chunk: compares what the file asks for with what exists, then writes new records in bulk."""

    def __init__(self, importer: Importer, links: dict[str, IatiLink], activities: dict[int, Activity]) -> None:
        self.importer = importer
        self.report = importer.report
        self.actor = importer.actor
        self.reason = importer.reason
        self.unit = importer.unit
        self.links = links
        self.activities = activities
        self.new_nodes: list[ResultNode] = []
        self.new_activities: list[Activity] = []
        self.new_activity_relations: list[dict[str, list[Any]]] = []
        self.new_indicators: list[Indicator] = []
        self.new_targets: list[Target] = []
        self.new_actuals: list[ActualValue] = []
        self.new_budgets: list[BudgetLine] = []
        self.new_links: list[IatiLink] = []
        self.updates: list[tuple[Any, dict[str, Any], dict[str, Any] | None]] = []
        self.link_updates: list[tuple[IatiLink, dict[str, Any]]] = []
        self.positions: dict[int, int] = {}
        self.targets: dict[tuple[Any, ...], Target] = {}
        self.actuals: dict[tuple[Any, ...], ActualValue] = {}
        self.budgets: dict[tuple[Any, ...], BudgetLine] = {}
        self.periods_held: set[tuple[Any, ...]] = set()
        """(indicator, start, end) of every period holding a target or value imported before."""

    def load_values(self, indicator_ids: list[int], activity_ids: list[int]) -> None:
        """Targets, values and budget lines of records imported before, by what identifies them in a file.

        A target: its indicator, period, dimension and category (organisation-wide targets only); a value the
        same (whichever unit reported it); a budget line: its activity, year and currency (source "other").
        """
        if indicator_ids:
            for target in Target.objects.filter(indicator_id__in=indicator_ids, unit__isnull=True).select_related(
                "dimension"
            ):
                self.targets.setdefault(_value_key(target), target)
            for actual in ActualValue.objects.filter(indicator_id__in=indicator_ids).select_related("dimension"):
                self.actuals.setdefault(_value_key(actual), actual)
            self.periods_held = {key[:3] for key in (*self.targets, *self.actuals)}
        if activity_ids:
            for line in BudgetLine.objects.filter(activity_id__in=activity_ids, source=FundingSource.OTHER):
                self.budgets.setdefault((line.activity_id, line.year, line.currency), line)

    # helpers

    def _link(self, key: str, kind: str, identifier: str, scope: str, data: dict[str, Any] | None = None,
              **objects: Any) -> None:  # fmt: skip
        current = self.links.get(key)
        if current is None:
            self.new_links.append(
                IatiLink(key=key, kind=kind, identifier=identifier, scope_path=scope, data=data or {}, **objects)
            )
        elif data is not None and dict(current.data) != data:
            self.link_updates.append((current, {"data": data}))

    def _next_position(self, framework: Framework) -> int:
        if framework.pk not in self.positions:
            last = ResultNode.all_objects.filter(framework=framework, parent=None).aggregate(last=Max("position"))
            self.positions[framework.pk] = last["last"] or 0
        self.positions[framework.pk] += 1
        return self.positions[framework.pk]

    @staticmethod
    def _valid(instance: Any, exclude: Sequence[str]) -> str:
        try:
            instance.full_clean(exclude=list(exclude), validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            return _message(exc)
        return ""

    def _update(self, instance: Any, values: dict[str, Any], exclude: Sequence[str]) -> str | None:
        """Queue an update of ``instance`` when ``values`` differ; "" when queued, None when unchanged, else why not."""
        changes = _changes(instance, values)
        if not changes:
            return None
        probe = copy.copy(instance)
        for name, value in changes.items():
            setattr(probe, name, value)
        problem = self._valid(probe, exclude)
        if problem:
            return problem
        self.updates.append((instance, changes, None))
        return ""

    # planning

    def plan_activity(self, wanted: WActivity, code: str) -> None:
        ident, line = wanted.identifier, wanted.line
        importer = self.importer
        framework = importer._framework_for(wanted)
        link = self.links.get(wanted.key)
        current = self.activities.get(link.activity_id) if link is not None and link.activity_id else None
        scope = current.responsible_unit.path if current is not None else self.unit.path
        changed = False
        if current is None:
            activity = Activity(code=code, responsible_unit=self.unit, **wanted.values)
            problem: str | None = self._valid(activity, ["responsible_unit"])
            if problem:
                self.report.add(ident, "orbit.activity", "error", f"Activity {ident}: {problem}", line)
                self._refuse_activity(wanted)
                return
        else:
            activity = current
            problem = self._update(current, wanted.values, ["responsible_unit"])
            if problem:
                self.report.add(ident, "orbit.activity", "error", f"Activity {ident}: {problem}", line)
                self._refuse_activity(wanted)
                return
            changed = problem == ""
        self._link(wanted.key, IatiLink.Kind.ACTIVITY, ident, scope, wanted.data, activity=activity)
        if link is not None and dict(link.data) != wanted.data:
            changed = True
        nodes: list[ResultNode] = []
        for result in wanted.results:
            node = self.plan_result(wanted, result, framework, scope)
            if node is not None:
                nodes.append(node)
        sdg = [n for code_ in wanted.sdg_codes if (n := importer.sdg_nodes.get(code_)) is not None]
        missing_sdg = [c for c in wanted.sdg_codes if importer.sdg_nodes.get(c) is None]
        if missing_sdg:
            self.report.add(ident, "orbit.sdg", "warning", f"Activity {ident}: SDG target(s) {', '.join(missing_sdg)} "
                            "are not in Orbit's SDG framework; the activity is not linked to them.", line)  # fmt: skip
        if current is None:
            self.new_activities.append(activity)
            self.new_activity_relations.append({"nodes": nodes, "sdg_targets": sdg})
        else:
            old_nodes = {n.pk for n in current.nodes.all()}
            old_sdg = {n.pk for n in current.sdg_targets.all()}
            want_nodes = old_nodes | {n.pk for n in nodes if n.pk is not None}
            want_sdg = old_sdg | {n.pk for n in sdg}
            new_nodes = [n for n in nodes if n.pk is None]
            if want_nodes != old_nodes or want_sdg != old_sdg or new_nodes:
                changed = True
                self.updates.append(
                    (current, {}, {"nodes": [*want_nodes, *new_nodes], "sdg_targets": sorted(want_sdg)})
                )
        changed = self.plan_budgets(wanted, activity, scope) or changed
        self.report.count("activities", "created" if current is None else ("updated" if changed else "unchanged"))

    def plan_budgets(self, wanted: WActivity, activity: Activity, scope: str) -> bool:
        changed = False
        for (year, currency), amounts in sorted(wanted.budgets.items()):
            current = self.budgets.get((activity.pk, year, currency)) if activity.pk is not None else None
            if current is None:
                line = BudgetLine(
                    activity=activity, source=FundingSource.OTHER, year=year, currency=currency, **amounts,
                    note="IATI budget",
                )  # fmt: skip
                problem = self._valid(line, ["activity"])
                if problem:
                    self.report.add(
                        wanted.identifier,
                        "orbit.budget",
                        "warning",
                        f"Activity {wanted.identifier}: the {year} budget: {problem}",
                        wanted.line,
                    )
                    continue
                self.new_budgets.append(line)
                changed = True
            elif self._update(current, amounts, ["activity"]) == "":
                changed = True
        return changed

    def plan_result(self, wanted: WActivity, result: WResult, framework: Framework, scope: str) -> ResultNode | None:
        link = self.links.get(result.key)
        node = link.node if link is not None else None
        outcome = "unchanged"
        if node is None:
            node = ResultNode(framework=framework, parent=None, tier=0, **result.values)
            position = self._next_position(framework)
            node.position, node.number, node.path = position, str(position), f"/{position:05d}/"
            problem: str | None = self._valid(node, ["framework", "parent"])
            if problem:
                self.report.add(
                    wanted.identifier,
                    "orbit.result",
                    "warning",
                    f"Activity {wanted.identifier}: a result: {problem}",
                    wanted.line,
                )
                self._refuse_result(result)
                return None
            self.new_nodes.append(node)
            outcome = "created"
        else:
            problem = self._update(node, result.values, ["framework", "parent"])
            if problem:
                self.report.add(
                    wanted.identifier,
                    "orbit.result",
                    "warning",
                    f"Activity {wanted.identifier}: a result: {problem}",
                    wanted.line,
                )
            elif problem == "":
                outcome = "updated"
            if dict(link.data) != result.data:  # type: ignore[union-attr]
                outcome = "updated"
        node_scope = node.framework.owner_unit.path if node.pk is not None else framework.owner_unit.path
        self._link(result.key, IatiLink.Kind.RESULT, wanted.identifier, node_scope, result.data, node=node)
        self.report.count("results", outcome)
        for indicator in result.indicators:
            self.plan_indicator(wanted, indicator, node, node_scope, node.framework if node.pk else framework)
        return node

    def _refuse_activity(self, wanted: WActivity) -> None:
        self.report.count("activities", "refused")
        for result in wanted.results:
            self._refuse_result(result)

    def _refuse_result(self, result: WResult) -> None:
        self.report.count("results", "refused")
        for indicator in result.indicators:
            self.report.count("indicators", "refused")
            self.report.count("periods", "refused", len(indicator.periods))

    def plan_indicator(
        self, wanted: WActivity, w: WIndicator, node: ResultNode, scope: str, framework: Framework
    ) -> None:
        link = self.links.get(w.key)
        indicator = link.indicator if link is not None else None
        outcome = "unchanged"
        values = dict(w.values)
        if indicator is None:
            indicator = Indicator(node=node, **values)
            problem: str | None = self._valid(indicator, ["node", "responsible_unit"])
            if problem:
                self.report.add(
                    wanted.identifier,
                    "orbit.indicator",
                    "warning",
                    f"Activity {wanted.identifier}: indicator {values['code']}: {problem}",
                    wanted.line,
                )
                self.report.count("indicators", "refused")
                self.report.count("periods", "refused", len(w.periods))
                return
            self.new_indicators.append(indicator)
            outcome = "created"
        else:
            values["dimension_codes"] = sorted(set(indicator.dimension_codes or []) | set(values["dimension_codes"]))
            if set(values["dimension_codes"]) == set(indicator.dimension_codes or []):
                values["dimension_codes"] = list(indicator.dimension_codes or [])
            problem = self._update(indicator, values, ["node", "responsible_unit"])
            if problem:
                self.report.add(
                    wanted.identifier,
                    "orbit.indicator",
                    "warning",
                    f"Activity {wanted.identifier}: indicator {values['code']}: {problem}",
                    wanted.line,
                )
            elif problem == "":
                outcome = "updated"
                for name, value in values.items():  # the periods are checked against the new values
                    setattr(indicator, name, value)
            if dict(link.data) != w.data:  # type: ignore[union-attr]
                outcome = "updated"
        self._link(w.key, IatiLink.Kind.INDICATOR, wanted.identifier, scope, w.data, indicator=indicator)
        self.report.count("indicators", outcome)
        taken: list[tuple[str, str, dt.date, dt.date]] = []
        for period in w.periods:
            self.plan_period(wanted, w, period, indicator, framework, scope, taken)

    def plan_period(
        self, wanted: WActivity, w: WIndicator, period: WPeriod, indicator: Indicator, framework: Framework,
        scope: str, taken: list[tuple[str, str, dt.date, dt.date]],
    ) -> None:  # fmt: skip
        ident, line = wanted.identifier, wanted.line
        where = f"Activity {ident}: indicator {indicator.code}, period {period.start} to {period.end}"
        errors = period_errors(period.period_type, period.start, period.end, framework.cycle_start, framework.cycle_end)
        if errors:
            self.report.add(ident, "orbit.cycle", "warning", f"{where}: {' '.join(errors.values())}", line)
            self.report.count("periods", "refused")
            return
        clash = [t for t in taken if t[0] == period.period_type and t[2] <= period.end and t[3] >= period.start]
        if clash:
            self.report.add(ident, "orbit.overlap", "warning",
                            f"{where}: overlaps the period {clash[0][2]} to {clash[0][3]} of the same indicator; "
                            "Orbit keeps one value per period, so it is not imported.", line)  # fmt: skip
            self.report.count("periods", "refused")
            return
        taken.append((period.period_type, "", period.start, period.end))
        known = period.key in self.links or (indicator.pk, period.start, period.end) in self.periods_held
        outcome = "unchanged" if known else "created"
        if not period.targets and not period.actuals:  # nothing finds it again but its link
            self._link(period.key, IatiLink.Kind.PERIOD, ident, scope, {"start": period.start.isoformat(),
                                                                        "end": period.end.isoformat()})  # fmt: skip
        common = {"period_type": period.period_type, "period_start": period.start, "period_end": period.end}
        for value in period.targets:
            outcome = self._value(wanted, where, value, indicator, common, Target, scope) or outcome
        for value in period.actuals:
            outcome = self._value(wanted, where, value, indicator, common, ActualValue, scope) or outcome
        self.report.count("periods", outcome)

    def _value(
        self, wanted: WActivity, where: str, value: WValue, indicator: Indicator, common: dict[str, Any],
        model: type[Target] | type[ActualValue], scope: str,
    ) -> str:  # fmt: skip
        """Plan one target or actual; returns "updated" or "created" when it changes something, else ""."""
        dimension = None
        category = ""
        if value.dimension is not None:
            dimension = self.importer.dimensions[dimension_code(value.dimension[0])]
            category = value.dimension[1]
        fields = {**common, **value.values, "dimension": dimension, "category": category}
        is_target = model is Target
        if not is_target:
            fields["unit"] = self.unit
        start, end = common["period_start"], common["period_end"]
        key = (indicator.pk, start, end, dimension.code if dimension else "", category)
        current: Target | ActualValue | None = None
        if indicator.pk is not None:
            current = self.targets.get(key) if is_target else self.actuals.get(key)
        if current is None:
            record: Target | ActualValue
            if is_target:
                record = Target(indicator=indicator, **fields)
            else:
                record = ActualValue(indicator=indicator, status=ActualValue.Status.APPROVED, **fields)
            try:
                if is_target:
                    results_services._check_target_value(record, indicator)  # type: ignore[arg-type]
                else:
                    results_services._check_actual_value(record, indicator)  # type: ignore[arg-type]
            except ValidationError as exc:
                self.report.add(
                    wanted.identifier,
                    "orbit.value",
                    "warning",
                    f"{where}: the {'target' if is_target else 'actual'}: {_message(exc)}",
                    wanted.line,
                )
                return ""
            problem: str | None = self._valid(record, ["indicator", "dimension", "unit"])
            if problem:
                self.report.add(wanted.identifier, "orbit.value", "warning", f"{where}: {problem}", wanted.line)
                return ""
            (self.new_targets if is_target else self.new_actuals).append(record)  # type: ignore[arg-type]
            return "created"
        if not is_target and "numerator" in fields:
            fields["value"] = (fields["numerator"] / fields["denominator"] * 100).quantize(_Q6)
        fields.pop("unit", None)
        problem = self._update(current, fields, ["indicator", "dimension", "unit"])
        if problem:
            self.report.add(wanted.identifier, "orbit.value", "warning", f"{where}: {problem}", wanted.line)
            return ""
        return "updated" if problem == "" else ""

    # writing

    def write(self) -> None:
        actor, reason = self.actor, self.reason
        audited_bulk_create(actor=actor, instances=self.new_nodes, reason=reason)
        relations = [
            {name: [n.pk for n in nodes] for name, nodes in item.items()} for item in self.new_activity_relations
        ]
        audited_bulk_create(actor=actor, instances=self.new_activities, relations=relations, reason=reason)
        for instance, changes, relation_changes in self.updates:
            if relation_changes is not None:
                relation_changes = {
                    name: [v.pk if isinstance(v, ResultNode) else v for v in values]
                    for name, values in relation_changes.items()
                }
            if changes or relation_changes:
                fresh = audited_update(
                    actor=actor, instance=instance, expected_version=instance.version, values=changes,
                    relations=relation_changes, reason=reason,
                )  # fmt: skip
                instance.version = fresh.version
        for indicator in self.new_indicators:
            indicator.node = indicator.node  # the node's new primary key
        audited_bulk_create(actor=actor, instances=self.new_indicators, reason=reason)
        audited_bulk_create(actor=actor, instances=self.new_targets, reason=reason)
        audited_bulk_create(actor=actor, instances=self.new_actuals, reason=reason)
        audited_bulk_create(actor=actor, instances=self.new_budgets, reason=reason)
        audited_bulk_create(actor=actor, instances=self.new_links, reason=reason)
        for link, values in self.link_updates:
            audited_update(actor=actor, instance=link, expected_version=link.version, values=values, reason=reason)
