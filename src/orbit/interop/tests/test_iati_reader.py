"""The IATI reader on real, official, synthetic and deliberately broken files (no database)."""

from __future__ import annotations

import io
import time
import tracemalloc
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import shared_path
from lxml import etree

from orbit.interop.iati import (
    ActivityResult,
    FileInfo,
    IatiError,
    iter_activities,
    load_schema,
    parse_decimal,
    parse_iso_date,
    read_file,
)

# Counts per file: (activities, results, indicators, periods). Counted independently of the reader with the standard
# library: xml.etree.ElementTree.parse(f).getroot() then len(root.findall("iati-activity")),
# len(root.findall("iati-activity/result")), ".../result/indicator" and ".../result/indicator/period".
EXPECTED_COUNTS = {
    ("real", "3fi-DK-CVR-31378028_sdg-sector.xml"): (1, 0, 0, 0),
    ("real", "ec-intpa-XI-IATI-EC_INTPA_sdg-tags__DATASTORE-WRAPPED-no-version.xml"): (1, 0, 0, 0),
    ("real", "fcdo-GB-GOV-1_activity.xml"): (1, 0, 0, 0),
    ("real", "gdihub-GB-COH-11126312_aidstream_results-periods-sdg-sectors.xml"): (4, 4, 12, 34),
    ("real", "ifad-XM-DAC-41108_un-agency__DATASTORE-WRAPPED-no-version.xml"): (1, 0, 0, 0),
    ("real", "unops-41AAA_3-activities__SCHEMA-INVALID-doclinks.xml"): (3, 0, 0, 0),
    ("real", "usaid-US-GOV-1_many-transactions-countries-regions.xml"): (1, 0, 0, 0),
    ("official", "activity-standard-example-annotated.xml"): (1, 1, 1, 1),
    ("synthetic", "iatipublisher-complete_dimensions-tags-all-vocabs.xml"): (2, 2, 2, 2),
}

# Layer (a) of invalid/README.md, plus files this reader refuses as a whole for a stated reason.
REFUSED = {
    "jsvalidator-not-xml.xml": "this is not XML",
    # refused at the root, before the parser reaches the mismatched </level2>
    "jsvalidator-broken-xml.xml": "not an IATI activity file: the root is <tag>",
    "jsvalidator-iati-act-xml-errors.xml": "not well formed at line 7, column 25",
    "jsvalidator-iati-act-me-feedback-no-ns.xml": "Namespace prefix me on feedback is not defined",
    "jsvalidator-xml-but-not-iati.xml": "not an IATI activity file: the root is <tag>",
    "real-wateraid-org-v1.04-utf16.xml": "version 1.04 of the IATI Standard is no longer supported",
    # layer (b) files that have no activity to report on: refused as a whole
    "jsvalidator-iati-act-root-only.xml": "holds no <iati-activity>",
    "schema-shouldfail-18-missing-iati-activities-version.xml": "has no version attribute",
}

# Layer (b): schema errors. Each yields its activities; with the schema, every activity is refused with 0.3.1 and
# the XSD's own wording (a fragment of it below, read from the file's defect in invalid/README.md).
SCHEMA_INVALID = {
    "jsvalidator-iati-act-schema-errors.xml": "activity-date",
    "jsvalidator-iati-act-title-no-narrative.xml": "Element 'title'",
    "schema-shouldfail-20-two-reporting-orgs.xml": "reporting-org",
    "schema-shouldfail-22-missing-title-narrative.xml": "title",
    "schema-shouldfail-budget_01-missing-period-end.xml": "Expected is ( period-end )",
    "schema-shouldfail-result_05-missing-attribute-indicator-measure.xml": "attribute 'measure' is required",
    "schema-shouldfail-result_06-missing-indicator.xml": "indicator",
    "schema-shouldfail-result_07-missing-attribute-result-type.xml": "attribute 'type' is required",
    "schema-shouldfail-result_08-non-boolean-attribute-aggregation-status.xml": "aggregation-status",
    "schema-shouldfail-result_16-missing-indicator-period-period-start.xml": "period-start",
    "schema-shouldfail-result_18-non-iso-date-period-period-start.xml": "iso-date",
    "schema-shouldfail-result_39-indicator-reference-vocabulary-missing.xml": "vocabulary",
    "schema-shouldfail-result_indicator_baseline_dimension_incorrect-datatype.xml": "Element 'baseline'",
    "schema-shouldfail-result_indicator_period_target_document-link_missing-url.xml": "url",
    "real-unops-documentlink-missing-url-format-title.xml": "document-link",
}


def _iati(*parts: str) -> Path:
    return shared_path("data", "iati", *parts)


def _schema() -> etree.XMLSchema:
    return load_schema(_iati("schema"))


def _counts(results: list[ActivityResult]) -> tuple[int, int, int, int]:
    activities = [r.activity for r in results if r.activity is not None]
    res = [result for a in activities for result in a.results]
    indicators = [i for r in res for i in r.indicators]
    return len(results), len(res), len(indicators), sum(len(i.periods) for i in indicators)


@pytest.mark.parametrize(("folder", "name"), sorted(EXPECTED_COUNTS))
def test_real_and_official_files_are_read_with_counts(folder: str, name: str) -> None:
    results = read_file(_iati(folder, name))
    assert _counts(results) == EXPECTED_COUNTS[(folder, name)]
    assert all(r.activity is not None for r in results)
    assert all(r.identifier for r in results)


def test_invalid_folder_is_fully_covered() -> None:
    """Every file in invalid/ is in exactly one of the tables of this module or of the rules tests."""
    layer_d = {p.name for p in _iati("invalid").glob("*.xml")} - set(REFUSED) - set(SCHEMA_INVALID)
    for name in layer_d:  # layers (c) and (d): schema-valid, read without problems from the reader itself
        results = read_file(_iati("invalid", name), schema=_schema())
        assert results, name
        assert all(r.activity is not None and not r.problems for r in results), name
    assert len(layer_d) == 35 - len(REFUSED) - len(SCHEMA_INVALID)


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_refused_files_give_a_clear_message(name: str) -> None:
    with pytest.raises(IatiError) as caught:
        list(iter_activities(_iati("invalid", name), name=name, schema=_schema()))
    assert REFUSED[name] in caught.value.message
    assert caught.value.message.startswith(name + ": ")


def test_xml_syntax_error_has_line_and_column() -> None:
    with pytest.raises(IatiError) as caught:
        read_file(_iati("invalid", "jsvalidator-iati-act-xml-errors.xml"))
    assert (caught.value.line, caught.value.column) == (7, 25)


def test_wateraid_utf16_is_refused_as_version_104() -> None:
    path = _iati("invalid", "real-wateraid-org-v1.04-utf16.xml")
    assert path.read_bytes()[:2] == b"\xff\xfe"  # the file really is UTF-16 with a BOM
    with pytest.raises(IatiError) as caught:
        read_file(path)
    assert "version 1.04 of the IATI Standard is no longer supported" in caught.value.message
    assert "IATI 1.0x is no longer supported" in caught.value.message


@pytest.mark.parametrize("name", sorted(SCHEMA_INVALID))
def test_schema_errors_are_reported_per_activity(name: str) -> None:
    results = read_file(_iati("invalid", name), schema=_schema())
    assert results
    for result in results:
        assert result.activity is None
        assert {p.rule for p in result.problems} <= {"0.3.1", "orbit.version"}
        schema_problems = [p for p in result.problems if p.rule == "0.3.1"]
        assert schema_problems and all(p.severity == "critical" and p.line for p in schema_problems)
        assert any(SCHEMA_INVALID[name] in p.message for p in schema_problems), result.problems


def test_schema_invalid_files_read_without_the_schema() -> None:
    """Without the schema the same files are read leniently: nothing crashes on missing parts."""
    for name in SCHEMA_INVALID:
        for result in read_file(_iati("invalid", name)):
            assert result.activity is not None or result.problems


def test_unops_bad_activities_reported_by_identifier_and_good_ones_kept(tmp_path: Path) -> None:
    path = _iati("real", "unops-41AAA_3-activities__SCHEMA-INVALID-doclinks.xml")
    results = read_file(path, schema=_schema())
    # all three UNOPS activities carry an empty <document-link></document-link> (lines 73, 145 and 217)
    assert [(r.identifier, r.activity is None) for r in results] == [
        ("41AAA-22482-001", True),
        ("41AAA-23652-001", True),
        ("41AAA-20543-003", True),
    ]
    assert [r.problems[0].line for r in results] == [73, 145, 217]
    assert "The attribute 'url' is required but missing" in results[0].problems[0].message
    assert "41AAA-22482-001" in results[0].problems[0].message
    # repair the second activity only: it is then imported while the two others stay refused
    tree = etree.parse(str(path))
    second = tree.getroot().findall("iati-activity")[1]
    second.remove(second.find("document-link"))
    fixed = tmp_path / "unops-one-fixed.xml"
    tree.write(str(fixed), xml_declaration=True, encoding="UTF-8")
    results = read_file(fixed, schema=_schema())
    assert [r.activity is not None for r in results] == [False, True, False]
    assert results[1].activity is not None and results[1].activity.identifier == "41AAA-23652-001"


def test_real_valid_files_pass_the_schema_per_activity() -> None:
    for folder, name in EXPECTED_COUNTS:
        if "SCHEMA-INVALID" in name:
            continue
        results = read_file(_iati(folder, name), schema=_schema())
        assert all(r.activity is not None and not r.problems for r in results), (name, results[0].problems)


def test_datastore_wrapped_files_take_the_activity_version() -> None:
    for name in (
        "ec-intpa-XI-IATI-EC_INTPA_sdg-tags__DATASTORE-WRAPPED-no-version.xml",
        "ifad-XM-DAC-41108_un-agency__DATASTORE-WRAPPED-no-version.xml",
    ):
        seen: list[FileInfo] = []
        results = list(iter_activities(_iati("real", name), name=name, schema=_schema(), on_root=seen.append))
        assert seen[0].version is None
        assert [r.activity.version for r in results if r.activity] == ["2.03"]


def test_missing_version_everywhere_is_refused() -> None:
    data = b"<iati-activities><iati-activity><iati-identifier>X-1</iati-identifier></iati-activity></iati-activities>"
    with pytest.raises(IatiError, match=r"no version attribute and activity X-1 \(line 1\) has no iati-extra:version"):
        list(iter_activities(io.BytesIO(data), name="bare.xml"))


def test_minified_fcdo_file() -> None:
    path = _iati("real", "fcdo-GB-GOV-1_activity.xml")
    assert path.read_bytes().count(b"\n") <= 1  # really a single line
    (result,) = read_file(path)
    activity = result.activity
    assert activity is not None
    assert activity.identifier == "GB-1-103662-101"
    assert activity.reporting_org_ref == "GB-GOV-1"
    assert any(b.value is not None and b.value < 0 for b in activity.budgets)  # the README's negative revised budget
    assert {b.type for b in activity.budgets} >= {"2"}


def test_gdihub_details() -> None:
    results = read_file(_iati("real", "gdihub-GB-COH-11126312_aidstream_results-periods-sdg-sectors.xml"))
    activities = [r.activity for r in results if r.activity]
    assert {s.vocabulary for a in activities for s in a.sectors} >= {"8"}  # SDG targets given as sector vocabulary 8
    indicators = [i for a in activities for r in a.results for i in r.indicators]
    assert {i.measure for i in indicators} == {"1", "3"}
    values = [v for i in indicators for p in i.periods for v in p.targets + p.actuals]
    assert any(v.value is None and v.raw for v in values)  # non-numeric values kept as raw text (rules 8.9.2/8.10.2)
    assert any(v.value is not None for v in values)


def test_official_example_details() -> None:
    (result,) = read_file(_iati("official", "activity-standard-example-annotated.xml"))
    activity = result.activity
    assert activity is not None
    assert activity.default_lang == "en" and activity.default_currency == "USD"
    assert [n.lang for n in activity.titles] == ["en", "fr", "es"]
    indicator = activity.results[0].indicators[0]
    assert indicator.measure == "1" and indicator.ascending is True
    assert indicator.baseline is not None and indicator.baseline.value == Decimal(10)
    assert indicator.baseline.dimensions  # the official example has baseline dimensions
    period = indicator.periods[0]
    assert period.targets[0].value == Decimal(10) and period.actuals[0].value == Decimal(11)
    assert period.targets[0].dimensions and period.targets[0].locations
    assert activity.dates and all(isinstance(k, str) for k in activity.dates)


def test_uppercase_language_and_bad_values_do_not_crash() -> None:
    data = b"""<?xml version="1.0" encoding="ISO-8859-1"?>
<iati-activities version="2.03"><iati-activity xml:lang="EN">
<iati-identifier>XM-1-A</iati-identifier><title><narrative xml:lang="FR">Caf\xe9</narrative><narrative>Cafe</narrative>
</title><activity-date type="1" iso-date="2020-13-45"/><activity-date type="2" iso-date="2020-02-29"/>
<result type="1"><indicator measure="1"><period><period-start iso-date="31/12/2020"/><period-end iso-date="2021-01-01"/>
<target value="1,000"/><actual value="12.5"/></period></indicator></result>
</iati-activity></iati-activities>"""
    (result,) = iter_activities(io.BytesIO(data), name="odd.xml")
    activity = result.activity
    assert activity is not None
    assert [(n.text, n.lang) for n in activity.titles] == [("Caf\u00e9", "fr"), ("Cafe", "en")]
    assert list(activity.dates) == ["2"]
    period = activity.results[0].indicators[0].periods[0]
    assert period.start is None and period.end is not None
    assert (period.targets[0].value, period.targets[0].raw) == (None, "1,000")
    assert period.actuals[0].value == Decimal("12.5")
    assert sorted((p.rule, p.line) for p in result.problems) == [("orbit.date", 4), ("orbit.date", 5)]
    assert "2020-13-45" in result.problems[0].message and "XM-1-A" in result.problems[0].message


def test_utf16_activity_file_is_read() -> None:
    text = '<?xml version="1.0" encoding="UTF-16"?><iati-activities version="2.03"><iati-activity>'
    text += "<iati-identifier>XM-\u00e9t\u00e9</iati-identifier></iati-activity></iati-activities>"
    (result,) = iter_activities(io.BytesIO(text.encode("utf-16")), name="utf16.xml")
    assert result.identifier == "XM-\u00e9t\u00e9"


def test_doctype_is_refused_before_parsing() -> None:
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><iati-activities version="2.03"/>'
    with pytest.raises(IatiError, match="DOCTYPE"):
        list(iter_activities(io.BytesIO(bomb), name="bomb.xml"))
    external = b'<!-- c --><!DOCTYPE iati-activities SYSTEM "file:///etc/passwd"><iati-activities version="2.03"/>'
    with pytest.raises(IatiError, match="DOCTYPE"):
        list(iter_activities(io.BytesIO(external), name="ext.xml"))
    # a DOCTYPE behind a prolog longer than the sniffed head is still caught, from the parser's document info
    late = b"<!--" + b"x" * (70 * 1024) + b'--><!DOCTYPE iati-activities><iati-activities version="2.03"/>'
    with pytest.raises(IatiError, match="DOCTYPE"):
        list(iter_activities(io.BytesIO(late), name="late.xml"))


def test_unknown_version_is_read_with_a_problem() -> None:
    data = b'<iati-activities version="xx"><iati-activity><iati-identifier>X-1</iati-identifier></iati-activity>'
    data += b"</iati-activities>"
    (result,) = iter_activities(io.BytesIO(data), name="xx.xml")
    assert result.activity is not None and result.activity.version == "2.03"
    assert [p.rule for p in result.problems] == ["orbit.version"]


def test_value_parsers() -> None:
    assert parse_decimal(" 12.50 ") == Decimal("12.50")
    assert [parse_decimal(x) for x in ("1e3", "NaN", "1,000", "", None, "abc")] == [None] * 6
    assert parse_iso_date("2020-02-29") is not None and parse_iso_date("2021-02-29") is None
    assert parse_iso_date("2020-01-01Z") is not None and parse_iso_date("2020-01-01T00:00:00") is None


# --------------------------------------------------------------------------------------------------------------
# Streaming: memory and speed


_ONE = (
    '<iati-activity default-currency="USD" xml:lang="en"><iati-identifier>XM-DAC-1-{n}</iati-identifier>'
    '<reporting-org ref="XM-DAC-1" type="40"><narrative>Org</narrative></reporting-org>'
    "<title><narrative>Activity {n}</narrative></title>"
    '<activity-status code="2"/><activity-date type="1" iso-date="2020-01-01"/>'
    '<sector code="11110" percentage="100"/>'
    '<result type="1"><title><narrative>R</narrative></title><indicator measure="1"><title><narrative>I</narrative>'
    '</title><period><period-start iso-date="2020-01-01"/><period-end iso-date="2020-12-31"/><target value="{n}"/>'
    "</period></indicator></result></iati-activity>\n"
)


_SMALL = (
    '<iati-activity xml:lang="en"><iati-identifier>XM-DAC-1-{n}</iati-identifier>'
    '<reporting-org ref="XM-DAC-1" type="40"/><title><narrative>Activity {n}</narrative></title></iati-activity>\n'
)


def _synthetic(path: Path, count: int, template: str = _ONE) -> Path:
    """``count`` copies of one activity, each with its own identifier."""
    with open(path, "w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n<iati-activities version="2.03">\n')
        for n in range(count):
            out.write(template.format(n=n))
        out.write("</iati-activities>\n")
    return path


def _peak_while_streaming(path: Path) -> tuple[int, int, int, int]:
    """(tracemalloc peak, activities, most elements kept before the current activity, most under the root)."""
    behind = widest = 0

    def watch(element: etree._Element) -> list:  # type: ignore[type-arg]
        nonlocal behind, widest
        behind = max(behind, sum(1 for _ in element.itersiblings(preceding=True)))
        parent = element.getparent()
        widest = max(widest, len(parent) if parent is not None else 0)
        return []

    tracemalloc.start()
    try:
        count = 0
        for result in iter_activities(path, name=path.name, check=watch):
            assert result.activity is not None
            count += 1
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, count, behind, widest


def test_streaming_memory_does_not_grow_with_the_file(tmp_path: Path) -> None:
    small = _synthetic(tmp_path / "small.xml", 2_000, _SMALL)
    large = _synthetic(tmp_path / "large.xml", 20_000, _SMALL)
    peak_small, count_small, behind_small, widest_small = _peak_while_streaming(small)
    peak_large, count_large, behind_large, widest_large = _peak_while_streaming(large)
    assert (count_small, count_large) == (2_000, 20_000)
    # tracemalloc sees Python objects only; the tree itself lives in libxml2, so also check that the tree is pruned:
    # nothing is kept before the activity being read, and what the parser has read ahead of it (one input chunk)
    # is the same for 2,000 and 20,000 activities
    assert behind_small <= 1 and behind_large <= 1  # only the previous, already cleared, activity
    assert widest_large <= 200 and widest_small <= 200, (widest_small, widest_large)
    assert peak_large < 2 * peak_small, (peak_small, peak_large)
    assert peak_large < 5 * 1024 * 1024


def test_read_speed(tmp_path: Path) -> None:
    """Figures for the report; the bound is loose (a slow CI machine must still pass)."""
    large = _synthetic(tmp_path / "speed.xml", 20_000)
    started = time.perf_counter()
    count = sum(1 for _ in iter_activities(large, name="speed.xml"))
    synthetic_rate = count / (time.perf_counter() - started)
    usaid = _iati("real", "usaid-US-GOV-1_many-transactions-countries-regions.xml")
    started = time.perf_counter()
    for _ in range(20):
        read_file(usaid)
    usaid_seconds = (time.perf_counter() - started) / 20
    print(f"synthetic: {synthetic_rate:,.0f} activities/s; USAID (152 transactions): {1 / usaid_seconds:,.0f} /s")
    assert synthetic_rate > 1_000
