"""Orbit's IATI codelist file (generated, attributed) and the codelist checks, against the validator team's files."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest
from conftest import shared_path
from lxml import etree

from orbit.interop.codelists import (
    ATTRIBUTION,
    DATA_FILE,
    WITHDRAWN_RULE,
    check_codes,
    codelist,
    is_complete,
    mapping,
    name_of,
)
from orbit.interop.iati import Problem

TOOL = Path(__file__).resolve().parents[4] / "tools" / "build_iati_codelists.py"


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_iati_codelists", TOOL)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _problems(*parts: str) -> list[Problem]:
    root = etree.parse(str(shared_path("data", "iati", *parts))).getroot()
    return [problem for activity in root.iter("iati-activity") for problem in check_codes(activity)]


def test_data_file_is_attributed_and_names_its_sources() -> None:
    document = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    assert document["source"]["attribution"] == ATTRIBUTION == "IATI Standard (http://iatistandard.org/)"
    assert "CC BY 4.0" in document["source"]["licence"]
    commits = {entry["commit"] for entry in document["source"]["codelists"]}
    assert commits == {"75e827bacd29f77356cb43defbc0b655705432f3", "7aeece773c60afa0265eb95e988d5e61e96d8482"}


def test_known_codes() -> None:
    assert name_of("ResultType", "1") == "Output"
    assert name_of("IndicatorMeasure", "5") == "Qualitative"
    assert "8.8" in codelist("UNSDG-Targets")
    assert name_of("Country", "ET") == "Ethiopia"
    assert name_of("BudgetType", "3") is None
    assert sorted(codelist("BudgetType")) == ["1", "2"]
    assert len(codelist("UNSDG-Goals")) == 17
    assert len(codelist("UNSDG-Targets")) == 169
    assert not is_complete("Country") and is_complete("Sector")


def test_withdrawn_codes_are_kept_and_marked() -> None:
    # Counts of withdrawn items in the source JSON: Sector 30 of 325, Currency 9 of 176, Country 1 of 251.
    for name, total, withdrawn in (("Sector", 325, 30), ("Currency", 176, 9), ("Country", 251, 1)):
        entries = codelist(name)
        assert len(entries) == total
        assert sum(entry.withdrawn for entry in entries.values()) == withdrawn
    assert not codelist("Currency")["USD"].withdrawn


def test_unknown_codelist_is_refused_by_name() -> None:
    with pytest.raises(KeyError, match="CRSChannelCode"):
        codelist("CRSChannelCode")


def test_mapping_carries_official_rule_ids_and_vocabulary_conditions() -> None:
    by_key = {(entry.path, entry.codelist): entry for entry in mapping()}
    assert by_key[("//iati-activity/tag/@code", "UNSDG-Goals")].condition == "@vocabulary = '2'"
    assert by_key[("//iati-activity/tag/@code", "UNSDG-Targets")].rule == "9.126.1"
    assert by_key[("//iati-activity/result/@type", "ResultType")].rule == "9.55.1"
    assert by_key[("//iati-activity/participating-org/@role", "OrganisationRole")].rule == "9.41.1"
    assert all(entry.severity == "error" for entry in mapping())


def test_regenerating_gives_the_committed_file(tmp_path: Path) -> None:
    folder = shared_path("data", "iati", "codelists")
    out = tmp_path / "iati_codelists.json"
    assert _tool().main([str(folder)], out=out) == 0
    assert out.read_bytes() == DATA_FILE.read_bytes()


def test_basic_codelist_errors() -> None:
    problems = _problems("invalid", "jsvalidator-iati-act-codelist-basic.xml")
    found = sorted((p.rule, p.severity, p.line) for p in problems)
    assert found == [("9.41.1", "error", 45), ("9.8.1", "error", 233)]
    role = next(p for p in problems if p.rule == "9.41.1")
    assert 'The code "" in participating-org/@role' in role.message
    assert role.identifier == "AA-AAA-123456789-ABC123"


def test_conditional_codelist_errors() -> None:
    problems = _problems("invalid", "jsvalidator-iati-act-codelist-conditional.xml")
    found = sorted((p.rule, p.message.split('"')[1]) for p in problems)
    assert found == [("9.51.1", "ZZA123"), ("9.80.1", "123ZZ"), ("9.81.1", "ABC123")]


def test_official_example_has_one_explained_error() -> None:
    # The 2.03 example's transaction uses region 616, which the current Region list no longer has (the official
    # validator's allowed codes for 9.86.1 lack it too); nothing else is wrong.
    problems = _problems("official", "activity-standard-example-annotated.xml")
    assert [(p.rule, p.message.split('"')[1]) for p in problems] == [("9.86.1", "616")]


def _activity(body: str) -> etree._Element:
    return etree.fromstring(f"<iati-activity><iati-identifier>XM-1</iati-identifier>{body}</iati-activity>")


def test_vocabulary_decides_the_list() -> None:
    activity = _activity(
        '<tag vocabulary="2" code="8"/><tag vocabulary="3" code="8.8"/><tag vocabulary="3" code="8"/>'
        '<tag vocabulary="99" code="anything"/><sector code="11110"/><sector vocabulary="7" code="18"/>'
        '<sector vocabulary="98" code="A1"/>'
    )
    assert sorted((p.rule, p.message.split('"')[1]) for p in check_codes(activity)) == [
        ("9.126.1", "8"),
        ("9.129.1", "18"),
    ]


def test_withdrawn_code_is_a_warning() -> None:
    withdrawn = next(code for code, entry in codelist("Currency").items() if entry.withdrawn)
    problems = check_codes(_activity(f'<budget type="1"><value currency="{withdrawn}">1</value></budget>'))
    assert [(p.rule, p.severity) for p in problems] == [(WITHDRAWN_RULE, "warning")]
    assert "withdrawn" in problems[0].message and "XM-1" in problems[0].message
