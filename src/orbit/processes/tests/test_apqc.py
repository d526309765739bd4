"""Reading APQC's PCF workbook: the official cross-industry v7.4 file, and small broken workbooks built here.

The expected figures for the official file are APQC's own (stated in ``data/bpm/README.md``), not ones computed
by this reader.
"""

from __future__ import annotations

import io
import random
import zipfile
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from conftest import shared_path
from openpyxl import Workbook, load_workbook

from orbit.processes.apqc import PcfError, PcfProblem, PcfWorkbook, read_pcf

# -------------------------------------------------------------------------------------------- official workbook


@pytest.fixture(scope="module")
def official() -> PcfWorkbook:
    return read_pcf(shared_path("data", "bpm", "apqc", "apqc-pcf-cross-industry-v7.4.xlsx"))


def test_official_elements_by_level(official: PcfWorkbook) -> None:
    assert len(official.elements) == 1921
    assert official.levels == {1: 13, 2: 72, 3: 350, 4: 1297, 5: 189}
    assert len({e.pcf_id for e in official.elements}) == 1921
    assert len({e.hierarchy_id for e in official.elements}) == 1921


def test_official_metric_definitions(official: PcfWorkbook) -> None:
    assert len(official.metrics) == 3910
    assert Counter(m.category for m in official.metrics) == {
        "Supplemental Information": 1528,
        "Cost Effectiveness": 1166,
        "Process Efficiency": 712,
        "Staff Productivity": 262,
        "Cycle Time": 242,
    }
    by_id = {e.pcf_id: e for e in official.elements}
    for metric in official.metrics:
        element = by_id[metric.element_pcf_id]
        assert (metric.hierarchy_id, metric.element_name) == (element.hierarchy_id, element.name)


def test_official_recruiting_has_a_cycle_time_metric(official: PcfWorkbook) -> None:
    (recruit,) = [e for e in official.elements if e.hierarchy_id == "7.2"]
    assert recruit.name == "Recruit, source, and select employees"
    assert (recruit.level, recruit.parent_hierarchy_id) == (2, "7.0")
    cycle_times = [
        m.name for m in official.metrics if m.element_pcf_id == recruit.pcf_id and m.category == "Cycle Time"
    ]
    assert any("from job requisition approval to acceptance of job offer" in name for name in cycle_times)


def test_official_every_element_but_the_categories_has_its_parent(official: PcfWorkbook) -> None:
    numbers = {e.hierarchy_id for e in official.elements}
    for element in official.elements:
        if element.level == 1:
            assert element.parent_hierarchy_id is None
            assert element.hierarchy_id.endswith(".0")
        else:
            assert element.parent_hierarchy_id in numbers, element
            assert element.level == len(element.hierarchy_id.split("."))
    categories = [e.name for e in official.elements if e.level == 1]
    assert categories[0] == "Develop Vision and Strategy"
    assert categories[6] == "Develop and Manage Human Capital"


def test_official_title_version_and_notice_come_from_the_text_boxes(official: PcfWorkbook) -> None:
    # The Introduction also reads "COMPARED TO … VERSION 7.3.1": that is the previous release, not this one.
    assert official.version == "7.4"
    assert official.title == "CROSS INDUSTRY PROCESS CLASSIFICATION FRAMEWORK"
    # The notice on the workbook's "Copyright and attribution" sheet.  It is not the wording the README quotes
    # from the PDF edition ("APQC's Process Classification Framework® (PCF) is an open standard …
    # www.apqc.org/pcf"): that text is nowhere in the .xlsx package, so it cannot be read from it.
    assert official.attribution.startswith("©2024 APQC. ALL RIGHTS RESERVED.")
    assert "Process Classification Framework®" in official.attribution
    assert "royalty-free license to use, copy, publish, modify, and create derivative works" in official.attribution
    assert official.attribution.endswith("contain a copy of this notice.")
    assert "COPYRIGHT AND ATTRIBUTION" not in official.attribution  # the heading of the text box is not the notice


def test_official_from_an_open_file_reads_the_same(official: PcfWorkbook) -> None:
    path = shared_path("data", "bpm", "apqc", "apqc-pcf-cross-industry-v7.4.xlsx")
    with path.open("rb") as handle:
        again = read_pcf(handle)
    assert (again.version, again.levels, len(again.metrics)) == (official.version, official.levels, 3910)


# -------------------------------------------------------------------------------------- small workbooks (test data)

COMBINED_HEADER = (
    "PCF ID",
    "Hierarchy ID",
    "Name",
    "Difference Index",
    "Change details",
    "Metrics available?",
    "Element Description",
)
METRICS_HEADER = (
    "Process Element ID",
    "Hierarchy ID",
    "Process element",
    "Metric Category",
    "Metric ID",
    "Metric name",
    "Formula",
    "Units",
)
ELEMENTS: list[tuple[Any, ...]] = [
    (10002, "1.0", "Plan the work", 2, "c10016", "Y", "Setting a direction."),
    (17040, "1.1", "Define the concept", 0, None, "N", None),
    (10017, "1.1.1", "Scan the environment", 0, None, "Y", None),
    (10003, "2.0", "Deliver the work", 0, None, "N", None),
]
METRICS: list[tuple[Any, ...]] = [
    (10002, "1.0", "Plan the work", "Process Efficiency", 900001, "Plans per year", "Plans / years", "plans"),
    (10017, "1.1.1", "Scan the environment", "Cycle Time", 900002, "Days to scan", "Days from start to end", "days"),
]
NOTICE = "COPYRIGHT AND ATTRIBUTION\n©2024 Test owner. Copies must carry this notice."


def build(
    *,
    elements: list[tuple[Any, ...]] | None = None,
    metrics: list[tuple[Any, ...]] | None = None,
    combined_header: tuple[str, ...] = COMBINED_HEADER,
    metrics_header: tuple[str, ...] = METRICS_HEADER,
    leading_rows: int = 0,
    trailing_blank_rows: int = 0,
    without: tuple[str, ...] = (),
    version: str = "VERSION NUMBER 7.4",
) -> io.BytesIO:
    """A workbook shaped like APQC's, in memory; title, version and notice in cells (openpyxl draws no text boxes)."""
    book = Workbook()
    intro = book.active
    assert intro is not None
    intro.title = "Introduction"
    intro["B2"] = "CROSS INDUSTRY PROCESS CLASSIFICATION FRAMEWORK"
    intro["B3"] = version
    intro["B4"] = "COMPARED TO CROSS INDUSTRY PROCESS CLASSIFICATION FRAMEWORK VERSION 7.3.1"
    sheets = {
        "Combined": (combined_header, ELEMENTS if elements is None else elements),
        "Metrics": (metrics_header, METRICS if metrics is None else metrics),
    }
    for title, (header, rows) in sheets.items():
        if title in without:
            continue
        sheet = book.create_sheet(title)
        for _ in range(leading_rows):
            sheet.append([f"{title} of the test PCF"])
        sheet.append(list(header))
        for row in rows:
            sheet.append(list(row))
        for _ in range(trailing_blank_rows):
            sheet.append([None, "  ", None])
    if "Copyright and attribution" not in without:
        book.create_sheet("Copyright and attribution")["B2"] = NOTICE
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return buffer


def refused(source: Any, **kwargs: Any) -> PcfError:
    with pytest.raises(PcfError) as caught:
        read_pcf(source, **kwargs)
    return caught.value


def located(error: PcfError) -> list[tuple[str, int | None, str | None]]:
    return [(p.sheet, p.row, p.column) for p in error.problems]


def test_a_well_formed_small_workbook_is_read() -> None:
    pcf = read_pcf(build())
    assert (pcf.title, pcf.version) == ("CROSS INDUSTRY PROCESS CLASSIFICATION FRAMEWORK", "7.4")
    assert pcf.attribution == "©2024 Test owner. Copies must carry this notice."
    assert [(e.hierarchy_id, e.level, e.parent_hierarchy_id) for e in pcf.elements] == [
        ("1.0", 1, None),
        ("1.1", 2, "1.0"),
        ("1.1.1", 3, "1.1"),
        ("2.0", 1, None),
    ]
    first = pcf.elements[0]
    assert (first.pcf_id, first.difference_index, first.change_details, first.metrics_available) == (
        10002,
        "2",
        "c10016",
        True,
    )
    assert pcf.elements[1].description == ""
    assert [(m.element_pcf_id, m.metric_id, m.category, m.units) for m in pcf.metrics] == [
        (10002, "900001", "Process Efficiency", "plans"),
        (10017, "900002", "Cycle Time", "days"),
    ]
    assert pcf.levels == {1: 2, 2: 1, 3: 1}


def test_header_below_row_one_numbers_as_text_or_floats_spaces_and_trailing_blank_rows() -> None:
    elements = [
        (10002.0, " 1.0 ", "  Plan the work  ", 2.0, None, " y ", None),
        ("17040", "1.1", "Define the concept", None, None, None, None),
        (" 10017.0 ", "1.1.1", "Scan the environment", 0, None, "N", None),
    ]
    metrics = [("10017", None, None, " Cycle Time ", 900002.0, " Days to scan ", None, None)]
    pcf = read_pcf(build(elements=elements, metrics=metrics, leading_rows=3, trailing_blank_rows=40))
    assert [(e.pcf_id, e.hierarchy_id, e.name) for e in pcf.elements] == [
        (10002, "1.0", "Plan the work"),
        (17040, "1.1", "Define the concept"),
        (10017, "1.1.1", "Scan the environment"),
    ]
    assert pcf.elements[0].difference_index == "2"
    assert [e.metrics_available for e in pcf.elements] == [True, False, False]
    (metric,) = pcf.metrics
    # Hierarchy ID and element name left blank on the Metrics sheet are taken from the element.
    assert (metric.element_pcf_id, metric.hierarchy_id, metric.element_name) == (10017, "1.1.1", "Scan the environment")
    assert (metric.metric_id, metric.category, metric.name, metric.formula, metric.units) == (
        "900002",
        "Cycle Time",
        "Days to scan",
        "",
        "",
    )


def test_missing_metrics_sheet() -> None:
    error = refused(build(without=("Metrics",)))
    assert located(error) == [("Metrics", None, None)]
    assert "the sheet is missing" in error.problems[0].message
    assert str(error.problems[0]).startswith("Metrics: the sheet is missing; the workbook has the sheets Introduction")


def test_missing_name_column() -> None:
    header = tuple(column for column in COMBINED_HEADER if column != "Name")
    elements = [row[:2] + row[3:] for row in ELEMENTS]
    error = refused(build(combined_header=header, elements=elements, leading_rows=1))
    assert located(error) == [("Combined", 2, "Name")]
    assert str(error.problems[0]).startswith('Combined row 2 (Name): the header row has no column "Name"')


def test_duplicate_pcf_id_names_both_rows() -> None:
    elements = [*ELEMENTS, (17040, "2.1", "Deliver again", 0, None, "N", None)]
    error = refused(build(elements=elements))
    assert located(error) == [("Combined", 6, "PCF ID")]
    assert str(error.problems[0]) == (
        "Combined!A6 (PCF ID): PCF ID 17040 appears twice, on row 3 and on row 6; each element needs its own."
    )


def test_duplicate_hierarchy_id_names_both_rows() -> None:
    elements = [*ELEMENTS, (20001, "1.1", "Define it twice", 0, None, "N", None)]
    error = refused(build(elements=elements))
    assert located(error) == [("Combined", 6, "Hierarchy ID")]
    assert "hierarchy ID 1.1 appears twice, on row 3 and on row 6" in str(error)


def test_orphan_element() -> None:
    elements = [*ELEMENTS, (20002, "2.3.1", "Lost activity", 0, None, "N", None)]
    error = refused(build(elements=elements))
    assert located(error) == [("Combined", 6, "Hierarchy ID")]
    assert str(error.problems[0]) == (
        "Combined!B6 (Hierarchy ID): element 2.3.1 (PCF ID 20002) has no parent: "
        "no row of this sheet has the hierarchy ID 2.3."
    )


def test_metric_for_an_unknown_element() -> None:
    metrics = [*METRICS, (99999, "9.9", "Nobody", "Cycle Time", 900003, "Days", "", "days")]
    error = refused(build(metrics=metrics))
    assert located(error) == [("Metrics", 4, "Process Element ID")]
    assert str(error.problems[0]) == (
        "Metrics!A4 (Process Element ID): metric 900003 belongs to PCF ID 99999, "
        "which is not an element of the Combined sheet."
    )


def test_metric_that_contradicts_its_element() -> None:
    metrics = [(10017, "1.2.1", "Scan the environment", "Cycle Time", 900002, "Days to scan", "", "days")]
    error = refused(build(metrics=metrics))
    assert located(error) == [("Metrics", 2, "Hierarchy ID")]
    assert "does not match element PCF ID 10017, which is 1.1.1" in error.problems[0].message


def test_empty_name_reads_like_a_cell_reference() -> None:
    elements = [ELEMENTS[0], (17040, "1.1", "   ", 0, None, "N", None), *ELEMENTS[2:]]
    error = refused(build(elements=elements))
    assert [str(p) for p in error.problems] == ["Combined!C3 (Name): the name is empty."]


@pytest.mark.parametrize(
    ("hierarchy_id", "expected"),
    [
        ("1", "is malformed"),
        ("1.0.1", "is malformed"),
        ("0.1", "is malformed"),
        ("1..1", "is malformed"),
        ("1.a", "is malformed"),
        ("1.1.1.1.1.1", "has 6 levels; the PCF has at most 5"),
        (datetime(2024, 1, 1), "Excel turned the hierarchy ID into a date"),
    ],
)
def test_malformed_hierarchy_ids(hierarchy_id: object, expected: str) -> None:
    elements = [*ELEMENTS, (20003, hierarchy_id, "Odd", 0, None, "N", None)]
    error = refused(build(elements=elements))
    assert located(error) == [("Combined", 6, "Hierarchy ID")]
    assert expected in error.problems[0].message


@pytest.mark.parametrize("pcf_id", ["abc", 0, -5, 10002.5, "12.5"])
def test_pcf_id_must_be_a_positive_whole_number(pcf_id: object) -> None:
    elements = [*ELEMENTS, (pcf_id, "2.1", "Odd", 0, None, "N", None)]
    error = refused(build(elements=elements))
    assert located(error) == [("Combined", 6, "PCF ID")]
    assert "must be a positive whole number" in error.problems[0].message


def test_several_problems_are_reported_together() -> None:
    elements = [
        ELEMENTS[0],
        ("x1", "1.1", "Define the concept", 0, None, "N", None),  # bad PCF ID
        (10017, "1.1.1", "", 0, None, "maybe", None),  # empty name, bad Y/N
        (10003, "2.0", "Deliver the work", 0, None, "N", None),
        (10050, "3.1", "Lost", 0, None, "N", None),  # no parent 3.0 (found after the rows are read)
        (10003, "2.1", "Deliver twice", 0, None, "N", None),  # duplicate PCF ID
    ]
    metrics = [
        (10002, "1.0", "Plan the work", "", 900001, "Plans per year", "", "plans"),  # empty category
        (77777, "7.0", "Unknown", "Cycle Time", 900001, "Again", "", ""),  # unknown element, duplicate metric ID
    ]
    error = refused(build(elements=elements, metrics=metrics, without=("Copyright and attribution",), version="v?"))
    assert located(error) == [
        ("Combined", 3, "PCF ID"),
        ("Combined", 4, "Name"),
        ("Combined", 4, "Metrics available?"),
        ("Combined", 6, "Hierarchy ID"),
        ("Combined", 7, "PCF ID"),
        ("Metrics", 2, "Metric Category"),
        ("Metrics", 3, "Metric ID"),
        ("Metrics", 3, "Process Element ID"),
        ("Copyright and attribution", None, None),
        ("Introduction", None, None),
    ]
    text = str(error)
    assert text.startswith("The workbook was refused, and nothing was read from it, because of 10 problems:")
    assert "- Combined!A7 (PCF ID): PCF ID 10003 appears twice, on row 5 and on row 7" in text
    assert "- Metrics!E3 (Metric ID): metric ID 900001 appears twice, on row 2 and on row 3." in text
    assert "- Copyright and attribution: the sheet is missing; the workbook has the sheets Introduction," in text
    assert "- Introduction: the workbook does not state its PCF version" in text


def test_a_workbook_without_its_copyright_notice_is_refused() -> None:
    book = load_workbook(build())
    book["Copyright and attribution"]["B2"] = "About the owner: a test organisation."
    buffer = io.BytesIO()
    book.save(buffer)
    error = refused(io.BytesIO(buffer.getvalue()))
    assert [str(p) for p in error.problems] == [
        "Copyright and attribution: the copyright notice is missing; APQC's licence requires it to accompany "
        "every copy of the PCF, so the workbook cannot be imported without it."
    ]


def test_error_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "pcf-upload.xlsx"
    path.write_bytes(build(without=("Metrics",)).getvalue())
    assert str(refused(path)).startswith("pcf-upload.xlsx was refused")
    assert str(refused(build(without=("Metrics",)), name="my PCF")).startswith("my PCF was refused")


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for member, content in members.items():
            archive.writestr(member, content)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (random.Random(7).randbytes(4096), "this is not an Excel .xlsx workbook"),
        (b"PCF ID,Hierarchy ID,Name\n10002,1.0,Plan\n", "this is a text file (a CSV file renamed?)"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "Excel 97-2003 (.xls)"),
        (b"", "the file is empty."),
        (_zip({"content.xml": b"<office/>"}), "this ZIP archive is not an Excel workbook"),
        (_zip({"xl/workbook.xml": b"not xml at all"}), "the workbook could not be read"),
        (build().getvalue()[:3000], "the .xlsx file is damaged"),
    ],
    ids=["random-bytes", "csv", "xls", "empty", "other-zip", "broken-workbook-xml", "truncated"],
)
def test_not_an_xlsx(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "renamed.xlsx"
    path.write_bytes(content)
    for source in (path, io.BytesIO(content)):
        error = refused(source)
        assert len(error.problems) == 1
        problem = error.problems[0]
        assert problem == PcfProblem("", None, None, problem.message)
        assert expected in problem.message, problem.message


def test_a_missing_file_is_refused_clearly(tmp_path: Path) -> None:
    error = refused(tmp_path / "absent.xlsx")
    assert "the file could not be opened" in error.problems[0].message
