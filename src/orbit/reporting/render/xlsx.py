"""The results report as an Excel workbook (openpyxl, write-only: rows are streamed, not held as cells).

Sheets: the report's cover and summary (framework, filters, data cut-off, counts, KPI status by objective and
region, budget execution), then one sheet per tier of the framework (its results and their indicators, one row
per indicator), every target period, the approved narratives and the photos shown.  Numbers are numbers
(achievements are ratios formatted as percentages), dates are dates; an Arabic workbook reads right to left.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any, BinaryIO

from django.utils.translation import gettext as _

from orbit.reporting.content import IndicatorRow, NodeSection, ResultsReport

INVALID_TITLE = re.compile(r"[\[\]:*?/\\]")
PERCENT = "0%"


def number(value: Decimal | int | float | None) -> float | int | None:
    """A stored decimal as an Excel number (whole numbers stay integers)."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() and abs(value) < 2**53 else float(value)
    return value


def sheet_title(name: str, taken: set[str]) -> str:
    """A valid, unique sheet title (31 characters, none of ``[]:*?/\\``)."""
    base = INVALID_TITLE.sub(" ", name).strip().strip("'") or _("Sheet")
    title = base[:31]
    counter = 2
    while title.lower() in taken:
        suffix = f" ({counter})"
        title = base[: 31 - len(suffix)] + suffix
        counter += 1
    taken.add(title.lower())
    return title


class _Sheet:
    """A write-only sheet with typed cells: numbers and dates get their number formats."""

    def __init__(self, workbook: Any, title: str, rtl: bool, widths: Iterable[float] = ()) -> None:
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font

        self.ws = workbook.create_sheet(title=title)
        self.cell_class = WriteOnlyCell
        self.bold = Font(bold=True)
        self.title_font = Font(bold=True, size=14)
        if rtl:
            self.ws.sheet_view.rightToLeft = True
        for index, width in enumerate(widths, start=1):
            from openpyxl.utils import get_column_letter

            self.ws.column_dimensions[get_column_letter(index)].width = width

    def cell(self, value: Any, *, fmt: str = "", bold: bool = False, title: bool = False) -> Any:
        """A styled cell (a title, a header, a percentage); plain values go in as they are, faster."""
        if isinstance(value, Decimal):
            value = number(value)
        cell = self.cell_class(self.ws, value=value)
        if fmt:
            cell.number_format = fmt
        if title:
            cell.font = self.title_font
        elif bold:
            cell.font = self.bold
        return cell

    def row(self, *values: Any, formats: dict[int, str] | None = None, bold: bool = False) -> None:
        """One row: numbers as numbers (decimals converted), dates as dates, the datetime of the cut-off
        without its zone (stated as UTC beside it); ``formats`` by column index (percentages)."""
        cells: list[Any] = []
        for index, value in enumerate(values):
            if isinstance(value, Decimal):
                value = number(value)
            elif isinstance(value, dt.datetime):
                value = value.replace(tzinfo=None)
            fmt = formats.get(index, "") if formats else ""
            if bold or (fmt and value is not None):
                cells.append(self.cell(value, fmt=fmt, bold=bold))
            else:
                cells.append(value)
        self.ws.append(cells)

    def header(self, *names: str) -> None:
        self.row(*names, bold=True)

    def blank(self) -> None:
        self.ws.append([])


def _cover(wb: Any, report: ResultsReport, rtl: bool, taken: set[str]) -> None:
    sheet = _Sheet(wb, sheet_title(_("Report"), taken), rtl, widths=(34, 22, 16, 16, 16, 16))
    sheet.ws.append([sheet.cell(report.title, title=True)])
    sheet.row(report.subtitle)
    if report.is_sample:
        sheet.row(
            _("Sample data")
            + ": "
            + _("this framework or some of its results are illustrative sample data, not real results.")
        )
    sheet.blank()
    sheet.row(_("Framework"), f"{report.framework_code} — {report.framework_name}")
    for label, value in report.filters:
        sheet.row(label, value)
    sheet.row(_("Period start"), report.period_start)
    sheet.row(_("Period end"), report.period_end)
    sheet.row(_("Language"), report.language_name)
    sheet.row(_("Data cut-off (UTC)"), report.cutoff)
    sheet.row(_("Targets as of"), report.as_of)
    for note in report.notes:
        sheet.row(note)
    sheet.blank()
    sheet.header(_("Summary"), _("Count"))
    for label, count in report.summary:
        sheet.row(label, count)
    sheet.blank()
    keys = list(report.status_labels)
    sheet.header(_("Indicators by status"), *[report.status_labels[k] for k in keys])
    sheet.row(_("All indicators"), *[report.totals.get(k, 0) for k in keys])
    overview = ((_("KPI status by objective"), report.by_objective), (_("KPI status by ITU region"), report.by_region))
    for title, bars in overview:
        sheet.blank()
        sheet.header(title, *[report.status_labels[k] for k in keys])
        for bar in bars:
            sheet.row(bar.label, *[bar.counts.get(k, 0) for k in keys])
    if report.budget:
        sheet.blank()
        sheet.header(_("Funding source"), _("Currency"), _("Planned"), _("Committed"), _("Spent"), _("Execution"))
        for row in report.budget:
            sheet.row(row.label, row.currency, row.planned, row.committed, row.spent, number(row.execution),
                      formats={5: PERCENT})  # fmt: skip


INDICATOR_COLUMNS = 18


def _indicator_cells(node: NodeSection, ind: IndicatorRow | None) -> list[Any]:
    head = [node.number, node.title, node.status_label, number(node.achievement)]
    if ind is None:
        return head + [None] * (INDICATOR_COLUMNS - len(head) - 1) + [_("yes") if node.is_sample else ""]
    return [
        *head,
        ind.code, ind.title, ind.unit_label, ind.responsible_unit, ind.target_unit, number(ind.baseline),
        ind.baseline_date, ind.period_label, number(ind.target), number(ind.actual), number(ind.achievement),
        ind.status_label, ind.units_reporting, _("yes") if (ind.is_sample or node.is_sample) else "",
    ]  # fmt: skip


def _tier_sheets(wb: Any, report: ResultsReport, rtl: bool, taken: set[str]) -> None:
    by_tier: dict[int, list[NodeSection]] = {}
    for node in report.nodes:
        by_tier.setdefault(node.tier, []).append(node)
    headers = (
        _("Number"), _("Result"), _("Result status"), _("Result achievement"), _("Indicator code"), _("Indicator"),
        _("Unit of measure"), _("Responsible unit"), _("Figures of unit"), _("Baseline"), _("Baseline date"),
        _("Period"), _("Target"), _("Actual"), _("Achievement"), _("Status"), _("Units reporting"), _("Sample data"),
    )  # fmt: skip
    formats = {3: PERCENT, 14: PERCENT}
    for tier in sorted(by_tier):
        name = report.tiers[tier] if 0 <= tier < len(report.tiers) else _("Level %(n)d") % {"n": tier + 1}
        sheet = _Sheet(wb, sheet_title(f"{tier + 1} {name}", taken), rtl,
                       widths=(10, 50, 12, 12, 12, 50, 12, 14, 12, 12, 12, 10, 12, 12, 12, 12, 10, 10))  # fmt: skip
        sheet.ws.freeze_panes = "C2"
        sheet.header(*headers)
        for node in by_tier[tier]:
            if not node.indicators:
                sheet.row(*_indicator_cells(node, None), formats=formats)
            for ind in node.indicators:
                sheet.row(*_indicator_cells(node, ind), formats=formats)


def _detail_sheets(wb: Any, report: ResultsReport, rtl: bool, taken: set[str]) -> None:
    periods = _Sheet(wb, sheet_title(_("Periods"), taken), rtl, widths=(10, 12, 50, 10, 12, 12, 12, 12, 12, 12))
    periods.ws.freeze_panes = "D2"
    periods.header(_("Number"), _("Indicator code"), _("Indicator"), _("Period"), _("Period start"), _("Period end"),
                   _("Target"), _("Actual"), _("Achievement"), _("Status"))  # fmt: skip
    for node in report.nodes:
        for ind in node.indicators:
            for p in ind.periods:
                periods.row(node.number, ind.code, ind.title, p.label, p.start, p.end, number(p.target),
                            number(p.actual), number(p.achievement), p.status_label, formats={8: PERCENT})  # fmt: skip
    narratives = _Sheet(wb, sheet_title(_("Narratives"), taken), rtl, widths=(10, 12, 12, 40, 90))
    narratives.header(_("Number"), _("Date"), _("Unit"), _("About"), _("Narrative"))
    for node in report.nodes:
        for item in node.narratives:
            narratives.row(node.number, item.date, item.unit, item.subject, item.text)
    photos = _Sheet(wb, sheet_title(_("Photos"), taken), rtl, widths=(10, 60, 24, 12, 24, 40))
    photos.header(_("Number"), _("Caption"), _("Credit"), _("Date taken"), _("Location"), _("About"))
    for node in report.nodes:
        for photo in node.photos:
            photos.row(node.number, photo.caption, photo.credit, photo.taken_on, photo.location, photo.subject)


def write_xlsx(report: ResultsReport, out: BinaryIO, progress: Callable[[int, str], None]) -> None:
    from openpyxl import Workbook

    progress(60, _("Writing the workbook"))
    wb = Workbook(write_only=True)
    rtl = report.direction == "rtl"
    taken: set[str] = set()
    _cover(wb, report, rtl, taken)
    _tier_sheets(wb, report, rtl, taken)
    progress(80, _("Writing periods, narratives and photos"))
    _detail_sheets(wb, report, rtl, taken)
    wb.properties.title = report.title[:250]
    wb.properties.creator = "Orbit"
    wb.save(out)
