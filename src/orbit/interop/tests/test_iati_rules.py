"""Orbit's IATI rules against the validator team's one-defect files, real files and small inline activities."""

from __future__ import annotations

import csv
import functools
import json
from datetime import date
from pathlib import Path

import pytest
from conftest import shared_path
from lxml import etree

from orbit.interop.iati import iter_activities
from orbit.interop.iati_rules import (
    RULES,
    UNIQUE_IDENTIFIER,
    check_activity,
    check_file_identifiers,
    implemented_rule_ids,
)

TODAY = date(2025, 6, 1)
"""A fixed "today", so that the future-date rules give the same answer on any day the tests run."""

REQUIRED = [
    "8.6.1",
    "8.8.1",
    "8.8.2",
    "8.8.3",
    "8.9.1",
    "8.9.2",
    "8.9.3",
    "8.10.1",
    "8.10.2",
    "8.10.3",
    "8.11.1",
    "8.6.3",
    "7.5.3",
    "7.8.1",
    "11.1.1",
    "11.1.2",
    "11.1.3",
    "11.1.4",
    "11.1.5",
    "11.2.1",
    "11.2.2",
    "6.11.1",
    "2.1.1",
    "2.1.2",
    "2.1.4",
    "3.1.1",
    "3.1.2",
    "3.1.4",
    "3.4.1",
    "3.4.2",
    "3.4.4",
    "4.1.1",
    "4.3.1",
    "4.4.1",
    "1.1.2",
]


def _iati(*parts: str) -> Path:
    return shared_path("data", "iati", *parts)


def _fired(path: Path) -> list[set[str]]:
    root = etree.parse(str(path)).getroot()
    return [{p.rule for p in check_activity(a, today=TODAY)} for a in root.iterchildren("iati-activity")]


# --------------------------------------------------------------------------------------------------------------
# The rule table


def test_rule_table_covers_the_required_ids_once() -> None:
    ids = implemented_rule_ids()
    assert len(ids) == len(set(ids))
    assert set(REQUIRED) <= set(ids)
    assert all(r.severity in {"error", "warning"} for r in [*RULES, UNIQUE_IDENTIFIER])


def test_messages_and_severities_are_the_official_ones() -> None:
    """Wording from the validator's data-quality rule list; 7.8.1 from the ruleset (the list gives the org variant)."""
    with open(_iati("validator", "js-validator-api_data-quality-rules.csv"), encoding="utf-8") as handle:
        rows = {row["ID"]: row for row in csv.DictReader(handle)}
    standard = _iati("validator", "IATI-Rulesets_standard.json").read_text(encoding="utf-8")
    for entry in [*RULES, UNIQUE_IDENTIFIER]:
        row = rows[entry.id]
        if entry.id == "7.8.1":
            assert "iati-organisation" in row["Context (Xpath)"]
            assert json.dumps(entry.message) in standard
            continue
        assert entry.message == row["Message"].replace("{$verb}", "must"), entry.id
        if row["Severity"]:
            assert entry.severity == row["Severity"].lower(), entry.id
        else:  # blank in the list (3.x): the ruleset's severity
            assert f'"id": "{entry.id}",\n' in standard or f'"id": "{entry.id}"' in standard
            assert entry.severity == "error"


# --------------------------------------------------------------------------------------------------------------
# The validator team's one-defect files (invalid/README.md, layer d; plus c and b files that reach the rules)

# file → the implemented rules it must fire, exactly (from the README row)
ONE_DEFECT = {
    "jsvalidator-iati-act-dateOrder-error.xml": {"11.1.2", "11.1.4", "11.2.1"},
    "jsvalidator-iati-act-dateNow-error.xml": {"11.1.1"},
    "jsvalidator-iati-act-strictSum-error.xml": {"3.4.2"},  # 26 + 25 + 50 = 101 in both region vocabularies
    "jsvalidator-iati-act-atLeastOne-error-01.xml": {"6.11.1"},
    # not in the README's rule table, but reaching the rules: the title with text and no narrative (layer b) ...
    "jsvalidator-iati-act-title-no-narrative.xml": {"4.3.1"},
    # ... and the codelist files (layer c): basic is clean for these rules. In conditional the two regions have no
    # @vocabulary, which the standard reads as vocabulary 1, so countries 25 + 25 and regions 50 + 50 sum to 150.
    # The official validator loops over the vocabularies that are written out and so says nothing; Orbit reports it.
    "jsvalidator-iati-act-codelist-basic.xml": set(),
    "jsvalidator-iati-act-codelist-conditional.xml": {"3.4.2"},
}
NOT_IMPLEMENTED = {
    "jsvalidator-iati-act-range-ifThen-error.xml": "2.2.1 (sector vocabulary 98/99 narrative), 12.2.1 and 7.9.x "
    "(budget-item percentages) are outside Orbit's rule list",
    "jsvalidator-iati-act-noMoreThanOne-error.xml": "107.1.2 (one default-aid-type per vocabulary) is outside "
    "Orbit's rule list",
    "jsvalidator-iati-act-regexMatches-error.xml": "1.3.13 and 1.11.13 (symbols in identifiers) are outside "
    "Orbit's rule list",
}


@pytest.mark.parametrize("name", sorted(ONE_DEFECT))
def test_one_defect_files_fire_exactly_their_rule(name: str) -> None:
    assert _fired(_iati("invalid", name)) == [ONE_DEFECT[name]]


@pytest.mark.parametrize("name", sorted(NOT_IMPLEMENTED))
def test_one_defect_files_for_rules_not_implemented_fire_nothing(name: str) -> None:
    print(f"{name}: not implemented: {NOT_IMPLEMENTED[name]}")
    assert _fired(_iati("invalid", name)) == [set()]  # the rest of the file is clean for Orbit's rules


def test_date_order_file_points_at_the_defects() -> None:
    root = etree.parse(str(_iati("invalid", "jsvalidator-iati-act-dateOrder-error.xml"))).getroot()
    problems = check_activity(root.find("iati-activity"), today=TODAY)
    by_rule = {p.rule: p for p in problems}
    assert by_rule["11.1.4"].line == 74  # <activity-date iso-date="2112-04-28" type="2" />
    assert by_rule["11.1.2"].identifier == "XM-DAC-41127-123"
    assert by_rule["11.1.2"].message.startswith("Activity XM-DAC-41127-123, line ")
    # the same file checked "in 2113" has no future dates left, only the order of planned dates
    assert {p.rule for p in check_activity(root.find("iati-activity"), today=date(2200, 1, 1))} == {"11.1.2"}


def test_duplicate_identifiers_in_a_file() -> None:
    for name, expected in (
        ("jsvalidator-iati-dup-activity-ids.xml", ["AA-AAA-123456789-ABC123"]),
        ("jsvalidator-multi-blank-activity-ids.xml", [""]),  # two blank identifiers are the same identifier
    ):
        root = etree.parse(str(_iati("invalid", name))).getroot()
        activities = root.findall("iati-activity")
        problems = check_file_identifiers(
            [a.findtext("iati-identifier") or "" for a in activities], [a.sourceline for a in activities]
        )
        assert [(p.rule, p.identifier) for p in problems] == [("1.1.2", i) for i in expected], name
        assert problems[0].line == activities[-1].sourceline


def test_check_file_identifiers_counts_repeats() -> None:
    problems = check_file_identifiers(["A", "B", "A", " A "])
    assert [(p.identifier, p.line) for p in problems] == [("A", None), ("A", None)]
    assert "appears 3 times" in problems[1].message
    assert check_file_identifiers(["A", "B"]) == []


def test_official_example_breaks_8_11_1() -> None:
    """The README: schema-valid, yet references at result and indicator level (8.11.1)."""
    ((activity_rules),) = _fired(_iati("official", "activity-standard-example-annotated.xml"))
    assert "8.11.1" in activity_rules
    # and 3.4.2: countries 25 + 25 plus, per region vocabulary, one region at 25 make 75 (the validator loops per
    # vocabulary too; the README's list of the example's failures is not exhaustive)
    assert activity_rules == {"8.11.1", "3.4.2"}


def test_rules_run_while_streaming() -> None:
    path = _iati("official", "activity-standard-example-annotated.xml")
    check = functools.partial(check_activity, today=TODAY)
    (result,) = iter_activities(path, name=path.name, check=check)
    hit = next(p for p in result.problems if p.rule == "8.11.1")
    assert hit.line is not None and hit.identifier == "AA-AAA-123456789-ABC123"


def test_real_files_known_findings() -> None:
    """Findings listed in real/README.md and RULES-SUMMARY.md (8.9.2/8.10.2 on GDI Hub; 7.5.3 on UNOPS and EC)."""
    gdihub = _fired(_iati("real", "gdihub-GB-COH-11126312_aidstream_results-periods-sdg-sectors.xml"))
    assert gdihub == [set(), set(), set(), {"8.9.2", "8.10.2"}]
    assert _fired(_iati("real", "unops-41AAA_3-activities__SCHEMA-INVALID-doclinks.xml")) == [{"7.5.3"}] * 3
    assert "7.5.3" in _fired(_iati("real", "ec-intpa-XI-IATI-EC_INTPA_sdg-tags__DATASTORE-WRAPPED-no-version.xml"))[0]
    for name in ("3fi-DK-CVR-31378028_sdg-sector.xml", "fcdo-GB-GOV-1_activity.xml"):
        assert _fired(_iati("real", name)) == [set()], name


# --------------------------------------------------------------------------------------------------------------
# Small inline activities: one passing and one failing per rule


def _activity(body: str, *, attrs: str = 'xml:lang="en" default-currency="USD"', start: bool = True) -> etree._Element:
    dates = '<activity-date type="1" iso-date="2020-01-01"/>' if start else ""
    xml = (
        f"<iati-activity {attrs}><iati-identifier>XM-1</iati-identifier>"
        f"<title><narrative>Title</narrative></title>{dates}{body}</iati-activity>"
    )
    return etree.fromstring(xml)


def _indicator(measure: str, *, baseline: str = "", target: str = "", actual: str = "", period: str = "") -> str:
    period = period or '<period-start iso-date="2020-01-01"/><period-end iso-date="2020-12-31"/>'
    return (
        f'<result type="1"><indicator measure="{measure}">{baseline}<period>{period}{target}{actual}</period>'
        "</indicator></result>"
    )


def _budget(start: str, end: str, currency: str = "") -> str:
    return (
        f'<budget type="1" status="1"><period-start iso-date="{start}"/><period-end iso-date="{end}"/>'
        f'<value value-date="{start}"{currency}>10</value></budget>'
    )


def _transaction(day: str, value_date: str) -> str:
    return (
        f'<transaction><transaction-type code="3"/><transaction-date iso-date="{day}"/>'
        f'<value value-date="{value_date}">5</value></transaction>'
    )


_V = ' value="1"'
# rule → (passing body, failing body, keyword arguments for _activity)
CASES: dict[str, tuple[str, str, dict[str, object]]] = {
    "8.6.1": (
        _indicator("1", target=f"<target{_V}/>"),
        _indicator(
            "1",
            target=f"<target{_V}/>",
            period='<period-start iso-date="2021-01-01"/><period-end iso-date="2020-12-31"/>',
        ),
        {},
    ),
    "8.8.1": (
        _indicator("1", baseline=f'<baseline year="2019"{_V}/>'),
        _indicator("1", baseline='<baseline year="2019"/>'),
        {},
    ),
    "8.8.2": (
        _indicator("2", baseline='<baseline year="2019" value="10.5"/>'),
        _indicator("2", baseline='<baseline year="2019" value="ten"/>'),
        {},
    ),
    "8.8.3": (
        _indicator("5", baseline='<baseline year="2019"/>'),
        _indicator("5", baseline=f'<baseline year="2019"{_V}/>'),
        {},
    ),
    "8.9.1": (_indicator("3", target=f"<target{_V}/>"), _indicator("3", target="<target/>"), {}),
    "8.9.2": (_indicator("4", target='<target value="-2"/>'), _indicator("4", target='<target value="1,000"/>'), {}),
    "8.9.3": (_indicator("5", target="<target/>"), _indicator("5", target=f"<target{_V}/>"), {}),
    "8.10.1": (_indicator("1", actual=f"<actual{_V}/>"), _indicator("1", actual="<actual/>"), {}),
    "8.10.2": (_indicator("1", actual='<actual value=".5"/>'), _indicator("1", actual='<actual value="1e3"/>'), {}),
    "8.10.3": (_indicator("5", actual="<actual/>"), _indicator("5", actual=f"<actual{_V}/>"), {}),
    "8.11.1": (
        '<result type="1"><indicator measure="1"><reference vocabulary="9" code="1.1.1"/></indicator></result>',
        '<result type="1"><reference vocabulary="99" code="A"/><indicator measure="1">'
        '<reference vocabulary="9" code="1.1.1"/></indicator></result>',
        {},
    ),
    "8.6.3": (
        '<planned-disbursement><period-start iso-date="2020-01-01"/><period-end iso-date="2020-03-31"/>'
        "<value>1</value></planned-disbursement>",
        '<planned-disbursement><period-start iso-date="2020-04-01"/><period-end iso-date="2020-03-31"/>'
        "<value>1</value></planned-disbursement>",
        {},
    ),
    "7.5.3": (_budget("2020-01-01", "2021-01-01"), _budget("2020-01-01", "2021-01-02"), {}),
    "7.8.1": (
        _budget("2020-01-01", "2020-12-31", ' currency="EUR"'),
        _budget("2020-01-01", "2020-12-31"),
        {"attrs": 'xml:lang="en"'},
    ),
    "11.1.1": (
        "",
        "",
        {"attrs": 'xml:lang="en" default-currency="USD" last-updated-datetime="{}"'},
    ),
    "11.1.2": (
        '<activity-date type="3" iso-date="2020-01-01"/>',
        '<activity-date type="3" iso-date="2019-12-31"/>',
        {},
    ),
    "11.1.3": (
        '<activity-date type="2" iso-date="2020-01-01"/><activity-date type="4" iso-date="2020-01-01"/>',
        '<activity-date type="2" iso-date="2020-01-02"/><activity-date type="4" iso-date="2020-01-01"/>',
        {},
    ),
    "11.1.4": (
        '<activity-date type="2" iso-date="2025-06-01"/>',
        '<activity-date type="2" iso-date="2025-06-02"/>',
        {},
    ),
    "11.1.5": (
        '<activity-date type="2" iso-date="2020-01-01"/><activity-date type="4" iso-date="2025-06-01"/>',
        '<activity-date type="2" iso-date="2020-01-01"/><activity-date type="4" iso-date="2030-01-01"/>',
        {},
    ),
    "11.2.1": (_transaction("2025-06-01", "2020-01-01"), _transaction("2025-06-02", "2020-01-01"), {}),
    "11.2.2": (_transaction("2020-01-01", "2025-06-01"), _transaction("2020-01-01", "2026-01-01"), {}),
    "6.11.1": (
        '<activity-date type="2" iso-date="2020-01-01"/>',
        '<activity-date type="3" iso-date="2020-01-01"/>',
        {"start": False},
    ),
    "2.1.1": (
        '<sector code="11110" percentage="40"/><sector code="11120" vocabulary="1" percentage="60"/>',
        '<sector code="11110"/><sector code="11120" percentage="100"/>',
        {},
    ),
    "2.1.2": (
        '<sector vocabulary="2" code="111" percentage="33.33"/><sector vocabulary="2" code="112" percentage="33.33"/>'
        '<sector vocabulary="2" code="113" percentage="33.33"/><sector code="11110"/>',
        '<sector vocabulary="2" code="111" percentage="50"/><sector vocabulary="2" code="112" percentage="40"/>',
        {},
    ),
    "2.1.4": (
        '<sector code="11110" percentage="100"/><sector vocabulary="7" code="1"/>',
        '<sector code="11110" percentage="50"/>',
        {},
    ),
    "3.1.1": (
        '<recipient-country code="AF" percentage="50"/><recipient-country code="AG" percentage="50"/>',
        '<recipient-country code="AF"/><recipient-country code="AG" percentage="100"/>',
        {},
    ),
    "3.1.2": (
        '<recipient-country code="AF" percentage="50.5"/><recipient-country code="AG" percentage="49.5"/>',
        '<recipient-country code="AF" percentage="60"/><recipient-country code="AG" percentage="50"/>',
        {},
    ),
    "3.1.4": ('<recipient-country code="AF"/>', '<recipient-country code="AF" percentage="80"/>', {}),
    "3.4.1": (
        '<recipient-region code="289" percentage="30"/><recipient-region code="298" percentage="70"/>',
        '<recipient-region code="289"/><recipient-region code="298" percentage="100"/>',
        {},
    ),
    "3.4.2": (
        '<recipient-country code="AF" percentage="50"/><recipient-region code="289" percentage="50"/>'
        '<recipient-region vocabulary="99" code="A1" percentage="50"/>',
        '<recipient-country code="AF" percentage="50"/><recipient-region code="289" percentage="40"/>',
        {},
    ),
    "3.4.4": ('<recipient-region code="289" percentage="100"/>', '<recipient-region code="289" percentage="80"/>', {}),
    "4.1.1": (
        '<description><narrative xml:lang="fr">Texte</narrative></description>',
        "<description><narrative>Text</narrative></description>",
        {"attrs": 'default-currency="USD"'},
    ),
    "4.3.1": ("", "<title><narrative> </narrative></title>", {}),
    "4.4.1": (
        '<description type="1"><narrative>Text</narrative></description>',
        '<description type="1"><narrative/></description>',
        {},
    ),
}


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_inline_activity_passes_then_fails(rule_id: str) -> None:
    passing, failing, options = CASES[rule_id]
    kwargs: dict[str, object] = dict(options)
    if rule_id == "11.1.1":
        good = {"attrs": str(options["attrs"]).format("2025-06-01T23:59:59Z")}
        bad = {"attrs": str(options["attrs"]).format("2025-06-02T00:00:00Z")}
    elif rule_id == "4.1.1":  # passing: every narrative (the title's too) carries a language
        good = dict(kwargs)
        bad = dict(kwargs)
    else:
        good = bad = kwargs
    good_element = _activity(passing, **good)  # type: ignore[arg-type]
    if rule_id == "4.1.1":
        good_element.find("title/narrative").set("{http://www.w3.org/XML/1998/namespace}lang", "en")
    assert [p.rule for p in check_activity(good_element, today=TODAY)] == []
    problems = check_activity(_activity(failing, **bad), today=TODAY)  # type: ignore[arg-type]
    assert [p.rule for p in problems] == [rule_id]
    assert problems[0].identifier == "XM-1" and problems[0].line == 1
    assert problems[0].message.startswith("Activity XM-1, line 1: ")


def test_every_activity_rule_has_an_inline_case() -> None:
    assert {r.id for r in RULES} == set(CASES)


def test_budget_year_from_29_february() -> None:
    """7.5.3 adds one year as XPath does: 2020-02-29 + P1Y = 2021-02-28."""
    ok = _activity(_budget("2020-02-29", "2021-02-28"))
    too_long = _activity(_budget("2020-02-29", "2021-03-01"))
    assert [p.rule for p in check_activity(ok, today=TODAY)] == []
    assert [p.rule for p in check_activity(too_long, today=TODAY)] == ["7.5.3"]


def test_unreadable_values_never_crash_the_rules() -> None:
    body = (
        '<activity-date type="2" iso-date="soon"/><sector code="1" percentage="lots"/><sector code="2"/>'
        + _budget("2020-13-01", "2021-01-01")
        + _indicator("1", baseline='<baseline year="x" value=""/>', period="<period-start/><period-end/>")
    )
    rules = {p.rule for p in check_activity(_activity(body), today=TODAY)}
    assert rules == {"2.1.1", "2.1.2", "8.8.2"}  # "lots" is no number, so the group sums to 0; "" is not a number
