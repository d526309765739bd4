"""The report as an Excel workbook, read back with openpyxl: one sheet per level, numbers as numbers."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest

from orbit.reporting.content import ReportParams
from orbit.reporting.render import render_report
from orbit.reporting.tests.report_data import hand_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(tree, system_actor, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return hand_world(tree, system_actor)


def workbook_of(world, **params):
    out = io.BytesIO()
    rep = render_report(
        user=world.bdt, params=ReportParams(framework_id=world.framework.pk, **params), fmt="xlsx", out=out
    )
    return rep, openpyxl.load_workbook(io.BytesIO(out.getvalue()))


def rows(sheet):
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_one_sheet_per_level_with_numbers_as_numbers(world):
    _rep, wb = workbook_of(world, period="2024")
    assert wb.sheetnames == ["Report", "1 Objective", "2 Output", "Periods", "Narratives", "Photos"]
    outputs = rows(wb["2 Output"])
    header = outputs[0]
    i1 = next(row for row in outputs if row[header.index("Indicator code")] == "I1")
    target, actual = i1[header.index("Target")], i1[header.index("Actual")]
    achievement = i1[header.index("Achievement")]
    assert (target, actual, i1[header.index("Baseline")]) == (100, 88, 10)
    assert all(isinstance(v, int | float) and not isinstance(v, bool) for v in (target, actual, achievement))
    assert achievement == pytest.approx(0.88)
    column = header.index("Achievement") + 1
    cells = next(wb["2 Output"].iter_cols(min_col=column, max_col=column))
    cell = next(c for c in cells if c.value == achievement)
    assert cell.number_format == "0%"
    objectives = rows(wb["1 Objective"])
    assert [row[0] for row in objectives[1:]] == ["1", "2"]  # results without indicators keep a row
    periods = rows(wb["Periods"])
    row_2025 = next(row for row in periods if row[1] == "I1" and row[3] == "2025")
    assert row_2025[4] == dt.datetime(2025, 1, 1) and row_2025[6] == 200 and row_2025[7] is None


def test_cover_states_filters_cut_off_and_counts(world):
    rep, wb = workbook_of(world, unit_code="DEPT-A")
    cover = {row[0]: row[1] for row in rows(wb["Report"]) if row and row[0]}
    assert cover["Unit"].startswith("DEPT-A") and isinstance(cover["Data cut-off (UTC)"], dt.datetime)
    assert cover["Indicators"] == len(rep.indicators) == 1
    captions = [row[1] for row in rows(wb["Photos"])[1:]]
    assert sorted(captions) == ["Consented photo", "Open photo"]
    narratives = [row[4] for row in rows(wb["Narratives"])[1:]]
    assert "Draft narrative" not in narratives and "Approved narrative A1" in narratives


def test_arabic_workbook_reads_right_to_left(world):
    _rep, wb = workbook_of(world, language="ar")
    assert all(sheet.sheet_view.rightToLeft for sheet in wb.worksheets)
