"""Orbit's own checks of IATI 2.03 activities, keyed by the official rule ids and messages (pure Python).

Why Orbit has its own: the official IATI Validator is a network service, and the Python engine of IATI-Rulesets
misreads parts of the current ruleset (it does not know "NOW", so future dates never fire, and it reports false
percentage failures). Orbit checks what it exports before publishing and what it imports before storing, offline,
with the same ids, severities and messages as the validator's data-quality rule list, so that a publisher sees the
same finding in Orbit and on validator.iatistandard.org.

Each rule is a small function registered in :data:`RULES` with its id, severity and message. A function yields the
elements (or the lines) where the rule fails; :func:`check_activity` turns those into :class:`Problem` objects. Rules
run on one ``iati-activity`` element; uniqueness of identifiers is a file-level check,
:func:`check_file_identifiers`.

Where the official wording differs between the rule list and the ruleset, the rule list (shown to publishers) wins;
its ``{$verb}`` placeholder is filled with "must" for errors.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from orbit.interop.iati import Problem, parse_decimal, parse_iso_date

_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
NON_QUALITATIVE = frozenset({"1", "2", "3", "4"})
QUALITATIVE = "5"
SUM_TOLERANCE = Decimal("0.0101")
"""How far a percentage sum may stray from 100: the validator's own tolerance (so that 3 x 33.33 passes)."""

Check = Callable[[Any, date], Iterator[Any]]


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    message: str
    check: Check
    context: str
    """What the rule looks at, for documentation."""


RULES: list[Rule] = []
"""Every implemented rule, in the order they run; for documentation and for tests."""


def rule(rule_id: str, severity: str, message: str, context: str) -> Callable[[Check], Check]:
    """Register a check. The function yields each element (or line number) where the rule fails."""

    def register(function: Check) -> Check:
        RULES.append(Rule(rule_id, severity, message, function, context))
        return function

    return register


# --------------------------------------------------------------------------------------------------------------
# Helpers


def _date(element: Any, attribute: str = "iso-date") -> date | None:
    return parse_iso_date(element.get(attribute)) if element is not None else None


def _period(element: Any) -> tuple[date | None, date | None]:
    starts = element.findall("period-start")
    ends = element.findall("period-end")
    if len(starts) != 1 or len(ends) != 1:  # the validator compares only when each is given exactly once
        return None, None
    return _date(starts[0]), _date(ends[0])


def _activity_date(activity: Any, kind: str) -> tuple[Any, date | None]:
    for element in activity.iterchildren("activity-date"):
        if (element.get("type") or "").strip() == kind:
            return element, _date(element)
    return None, None


def _plus_one_year(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February + one year is 28 February, as in XPath date arithmetic
        return day.replace(year=day.year + 1, day=28)


def _measure(indicator: Any) -> str:
    return (indicator.get("measure") or "").strip()


def _values(activity: Any, tag: str, measures: frozenset[str] | str) -> Iterator[Any]:
    """Baselines (under indicator) or targets and actuals (under period) whose indicator has one of ``measures``."""
    for indicator in activity.iterfind("result/indicator"):
        if _measure(indicator) not in measures:
            continue
        if tag == "baseline":
            yield from indicator.iterchildren("baseline")
        else:
            for period in indicator.iterchildren("period"):
                yield from period.iterchildren(tag)


def _vocabulary(element: Any) -> str:
    return (element.get("vocabulary") or "").strip() or "1"


def _percentage(element: Any) -> Decimal | None:
    return parse_decimal(element.get("percentage"))


def _off_100(elements: Sequence[Any]) -> bool:
    total = sum((p for p in (_percentage(e) for e in elements) if p is not None), Decimal(0))
    return abs(total - 100) > SUM_TOLERANCE


def _single_not_100(element: Any) -> bool:
    value = _percentage(element)
    return value is not None and value != 100


def _has_text(parent: Any) -> bool:
    return any("".join(n.itertext()).strip() for n in parent.iterchildren("narrative"))


def _groups(elements: Iterable[Any]) -> dict[str, list[Any]]:
    groups: dict[str, list[Any]] = defaultdict(list)
    for element in elements:
        groups[_vocabulary(element)].append(element)
    return groups


# --------------------------------------------------------------------------------------------------------------
# Results and indicators (category "performance")


@rule(
    "8.6.1",
    "error",
    "The start date of the indicator period must be before the end date of the indicator period.",
    "result/indicator/period",
)
def _period_order(activity: Any, today: date) -> Iterator[Any]:
    for period in activity.iterfind("result/indicator/period"):
        start, end = _period(period)
        if start and end and start > end:
            yield period


_NUMERIC = "(e.g. 1 = unit, 2 = percentage, 3 = nominal, 4 = ordinal)"


def _missing(tag: str) -> Check:
    def check(activity: Any, today: date) -> Iterator[Any]:
        return (v for v in _values(activity, tag, NON_QUALITATIVE) if v.get("value") is None)

    return check


def _not_number(tag: str) -> Check:
    """A value that is given but is not a decimal. (The validator's XPath also fires on a missing value, which the
    "must have a value" rule already reports; one finding per defect is clearer.)"""

    def check(activity: Any, today: date) -> Iterator[Any]:
        return (
            v
            for v in _values(activity, tag, NON_QUALITATIVE)
            if v.get("value") is not None and parse_decimal(v.get("value")) is None
        )

    return check


def _qualitative_value(tag: str) -> Check:
    def check(activity: Any, today: date) -> Iterator[Any]:
        return (v for v in _values(activity, tag, QUALITATIVE) if v.get("value") is not None)

    return check


for _tag, _ids, _texts in (
    (
        "baseline",
        ("8.8.1", "8.8.2", "8.8.3"),
        (
            f"The baseline must have a value when the indicator measure is non-qualitative {_NUMERIC}.",
            f"The baseline value should be a valid number for all non-qualitative measures {_NUMERIC}.",
            "The baseline value should be omitted for qualitative measures.",
        ),
    ),
    (
        "target",
        ("8.9.1", "8.9.2", "8.9.3"),
        (
            f"The target must have a value when indicator measure is non-qualitative {_NUMERIC}.",
            f"The target value should be a valid number for all non-qualitative measures {_NUMERIC}",
            "The target value should be omitted for qualitative measures.",
        ),
    ),
    (
        "actual",
        ("8.10.1", "8.10.2", "8.10.3"),
        (
            f"The actual must have a value when the indicator measure is non-qualitative {_NUMERIC}.",
            f"The actual value should be a valid number for all non-qualitative indicator measures {_NUMERIC}.",
            "The actual value should be omitted for qualitative indicator measures.",
        ),
    ),
):
    _where = "result/indicator/" + ("baseline" if _tag == "baseline" else "period/" + _tag)
    rule(_ids[0], "error", _texts[0], _where)(_missing(_tag))
    rule(_ids[1], "warning", _texts[1], _where)(_not_number(_tag))
    rule(_ids[2], "warning", _texts[2], _where)(_qualitative_value(_tag))


@rule(
    "8.11.1",
    "error",
    "A reference code must only be declared at result OR result indicator level.",
    "result/indicator/reference",
)
def _reference_level(activity: Any, today: date) -> Iterator[Any]:
    for result in activity.iterchildren("result"):
        if result.find("reference") is None:
            continue
        for indicator in result.iterchildren("indicator"):
            reference = indicator.find("reference")
            if reference is not None:
                yield reference


# --------------------------------------------------------------------------------------------------------------
# Budgets and money (category "financial")


@rule(
    "8.6.3",
    "error",
    "The start of the period must be before the end of the period.",
    "budget, planned-disbursement",
)
def _budget_order(activity: Any, today: date) -> Iterator[Any]:
    for element in activity.iterchildren("budget", "planned-disbursement"):
        start, end = _period(element)
        if start and end and start > end:
            yield element


@rule("7.5.3", "error", "Budget Period must not be longer than one year.", "budget")
def _budget_length(activity: Any, today: date) -> Iterator[Any]:
    for budget in activity.iterchildren("budget"):
        start, end = _period(budget)
        if start and end and _plus_one_year(start) < end:
            yield budget


@rule(
    "7.8.1",
    "error",
    "The activity should specify a default currency OR the currency must be specified for each monetary value.",
    "iati-activity/@default-currency, //value/@currency",
)
def _currency(activity: Any, today: date) -> Iterator[Any]:
    if (activity.get("default-currency") or "").strip():
        return
    for element in activity.iter("value", "loan-status", "forecast"):
        if not (element.get("currency") or "").strip():
            yield element


# --------------------------------------------------------------------------------------------------------------
# Dates


@rule("11.1.1", "error", "The last updated datetime of the activity must not be in the future.", "iati-activity")
def _last_updated(activity: Any, today: date) -> Iterator[Any]:
    raw = (activity.get("last-updated-datetime") or "").strip()
    if len(raw) >= 10:
        day = parse_iso_date(raw[:10])
        if day is not None and day > today:
            yield activity


def _order(first: str, second: str) -> Check:
    def check(activity: Any, today: date) -> Iterator[Any]:
        _, start = _activity_date(activity, first)
        element, end = _activity_date(activity, second)
        if start and end and start > end:
            yield element

    return check


def _not_future(kind: str) -> Check:
    def check(activity: Any, today: date) -> Iterator[Any]:
        element, day = _activity_date(activity, kind)
        if day and day > today:
            yield element

    return check


rule("11.1.2", "error", "The planned start date of the activity must be before the planned end date.", "activity-date")(
    _order("1", "3")
)
rule("11.1.3", "error", "The actual start date of the activity must be before the actual end date.", "activity-date")(
    _order("2", "4")
)
rule("11.1.4", "error", "The actual start date of the activity must not be in the future.", "activity-date")(
    _not_future("2")
)
rule("11.1.5", "error", "The actual end date of the activity must not be in the future.", "activity-date")(
    _not_future("4")
)


@rule("11.2.1", "error", "The transaction date must not be in the future.", "transaction/transaction-date")
def _transaction_date(activity: Any, today: date) -> Iterator[Any]:
    for transaction in activity.iterchildren("transaction"):
        day = _date(transaction.find("transaction-date"))
        if day and day > today:
            yield transaction


@rule("11.2.2", "error", "The transaction value date must not be in the future.", "transaction/value/@value-date")
def _transaction_value_date(activity: Any, today: date) -> Iterator[Any]:
    for transaction in activity.iterchildren("transaction"):
        day = _date(transaction.find("value"), "value-date")
        if day and day > today:
            yield transaction


@rule("6.11.1", "error", "The activity must have a planned start date or an actual start date.", "activity-date")
def _start_date(activity: Any, today: date) -> Iterator[Any]:
    if not any((d.get("type") or "").strip() in {"1", "2"} for d in activity.iterchildren("activity-date")):
        yield activity


# --------------------------------------------------------------------------------------------------------------
# Sectors, countries and regions (percentages)


@rule(
    "2.1.1",
    "error",
    "When multiple sectors, within a vocabulary (e.g. 1 - OECD DAC) are declared, each must have a percentage.",
    "sector (per vocabulary)",
)
def _sector_percentages(activity: Any, today: date) -> Iterator[Any]:
    for group in _groups(activity.iterchildren("sector")).values():
        if len(group) > 1:
            yield from (s for s in group if s.get("percentage") is None)


@rule(
    "2.1.2",
    "error",
    "Percentage values for sectors, within a vocabulary (e.g. 1 - OECD DAC), must add up to 100%.",
    "sector (per vocabulary)",
)
def _sector_sum(activity: Any, today: date) -> Iterator[Any]:
    for group in _groups(activity.iterchildren("sector")).values():
        if len(group) > 1 and _off_100(group):
            yield group[0]


@rule(
    "2.1.4",
    "error",
    "When a single sector is declared, the percentage must either be omitted, or set to 100.",
    "sector (per vocabulary)",
)
def _single_sector(activity: Any, today: date) -> Iterator[Any]:
    for group in _groups(activity.iterchildren("sector")).values():
        if len(group) == 1 and _single_not_100(group[0]):
            yield group[0]


def _countries_only(activity: Any) -> list[Any]:
    if activity.find("recipient-region") is not None:
        return []
    return list(activity.iterchildren("recipient-country"))


@rule(
    "3.1.1",
    "error",
    "When multiple recipient countries are declared, each must have a percentage.",
    "recipient-country (no region)",
)
def _country_percentages(activity: Any, today: date) -> Iterator[Any]:
    countries = _countries_only(activity)
    if len(countries) > 1:
        yield from (c for c in countries if c.get("percentage") is None)


@rule(
    "3.1.2",
    "error",
    "Percentage values for recipient countries, must add up to 100%.",
    "recipient-country (no region)",
)
def _country_sum(activity: Any, today: date) -> Iterator[Any]:
    countries = _countries_only(activity)
    if len(countries) > 1 and _off_100(countries):
        yield countries[0]


@rule(
    "3.1.4",
    "error",
    "When a single recipient country is declared, the percentage must either be omitted, or set to 100.",
    "recipient-country (no region)",
)
def _single_country(activity: Any, today: date) -> Iterator[Any]:
    countries = _countries_only(activity)
    if len(countries) == 1 and _single_not_100(countries[0]):
        yield countries[0]


@rule(
    "3.4.1",
    "error",
    "When multiple recipient countries or regions are declared, each must have a percentage.",
    "recipient-region (per vocabulary)",
)
def _region_percentages(activity: Any, today: date) -> Iterator[Any]:
    for regions in _groups(activity.iterchildren("recipient-region")).values():
        if len(regions) > 1:
            yield from (r for r in regions if r.get("percentage") is None)


@rule(
    "3.4.2",
    "error",
    "Percentage values for recipient countries or regions, must add up to 100%.",
    "recipient-country + recipient-region (per region vocabulary)",
)
def _region_sum(activity: Any, today: date) -> Iterator[Any]:
    countries = list(activity.iterchildren("recipient-country"))
    for regions in _groups(activity.iterchildren("recipient-region")).values():
        if len(regions) + len(countries) > 1 and _off_100(regions + countries):
            yield regions[0]


@rule(
    "3.4.4",
    "error",
    "When a single recipient country or region is declared, the percentage must either be omitted, or set to 100.",
    "recipient-region (per vocabulary, no country)",
)
def _single_region(activity: Any, today: date) -> Iterator[Any]:
    if activity.find("recipient-country") is not None:
        return
    for regions in _groups(activity.iterchildren("recipient-region")).values():
        if len(regions) == 1 and _single_not_100(regions[0]):
            yield regions[0]


# --------------------------------------------------------------------------------------------------------------
# Text and language (category "information")


@rule(
    "4.1.1",
    "error",
    "The activity should specify a default language OR the language must be specified for each narrative element.",
    "iati-activity/@xml:lang, narrative/@xml:lang",
)
def _language(activity: Any, today: date) -> Iterator[Any]:
    if (activity.get(_LANG) or "").strip():
        return
    for narrative in activity.iter("narrative"):
        if not (narrative.get(_LANG) or "").strip():
            yield narrative
            return  # one finding per activity: the fix is one attribute on the activity


@rule("4.3.1", "error", "The title must contain narrative content.", "title")
def _title(activity: Any, today: date) -> Iterator[Any]:
    yield from (t for t in activity.iterchildren("title") if not _has_text(t))


@rule("4.4.1", "error", "The description must contain narrative content.", "description")
def _description(activity: Any, today: date) -> Iterator[Any]:
    yield from (d for d in activity.iterchildren("description") if not _has_text(d))


# --------------------------------------------------------------------------------------------------------------
# Running the rules


def check_activity(element: Any, *, today: date) -> list[Problem]:
    """Every rule of :data:`RULES` on one ``iati-activity`` element; ``today`` decides what is "in the future"."""
    identifier = (element.findtext("iati-identifier") or "").strip()
    shown = identifier or "(no identifier)"
    problems: list[Problem] = []
    for entry in RULES:
        for where in entry.check(element, today):
            line = where.sourceline if where is not None else element.sourceline
            text = f"Activity {shown}, line {line}: {entry.message}"
            problems.append(Problem(entry.id, entry.severity, text, line, identifier))
    return problems


UNIQUE_IDENTIFIER = Rule(
    "1.1.2",
    "error",
    "The activity identifier must be unique for each activity.",
    lambda activity, today: iter(()),
    "iati-identifier (whole file)",
)
"""The file-level rule, listed with the others for documentation; run by :func:`check_file_identifiers`."""


def check_file_identifiers(identifiers: Iterable[str], lines: Sequence[int | None] | None = None) -> list[Problem]:
    """Rule 1.1.2: each repeat of an iati-identifier in one file (the first occurrence is not reported).

    Blank identifiers count as equal to each other, as in the validator's XPath; ``lines`` (parallel to
    ``identifiers``) lets the message point at each repeat.
    """
    seen: Counter[str] = Counter()
    problems: list[Problem] = []
    for index, raw in enumerate(identifiers):
        identifier = raw.strip()
        seen[identifier] += 1
        if seen[identifier] == 1:
            continue
        line = lines[index] if lines is not None and index < len(lines) else None
        where = f", line {line}" if line else ""
        shown = identifier or "(blank)"
        text = f"Activity {shown}{where}: {UNIQUE_IDENTIFIER.message} It appears {seen[identifier]} times so far."
        problems.append(Problem(UNIQUE_IDENTIFIER.id, UNIQUE_IDENTIFIER.severity, text, line, identifier))
    return problems


def implemented_rule_ids() -> list[str]:
    """The ids Orbit checks, activity rules first, then the file-level 1.1.2."""
    return [r.id for r in RULES] + [UNIQUE_IDENTIFIER.id]
