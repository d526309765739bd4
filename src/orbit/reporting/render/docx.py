"""The results report as a Word document (python-docx), for the organisation to edit.

A heading per result, in the framework's order and numbering; a table of its indicators (baseline, target,
actual, achievement, status); each indicator's chart, rasterised from the results engine's SVG to PNG
(cairosvg over the system's cairo, offline); the approved narratives; the photos shown, from their thumbnails,
with caption and credit.  An Arabic document is written right to left; the Normal style names fonts for
Chinese and Arabic text.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any, BinaryIO

from django.core.files.storage import default_storage
from django.utils.translation import gettext as _

from orbit.reporting.content import ResultsReport, number_text
from orbit.reporting.render.html import image_type

#: Pixel width charts are rasterised at (twice their drawn size: sharp when printed at 16 cm).
CHART_PIXELS = 1280


def svg_to_png(svg: str, width: int = CHART_PIXELS) -> bytes:
    """An SVG chart as PNG.  The chart's markup is Orbit's own (escaped text, no external references);
    cairosvg is told not to fetch anything all the same."""
    import cairosvg

    png: bytes = cairosvg.svg2png(bytestring=svg.encode("utf-8"), output_width=width, unsafe=False, url=None)
    return png


def _set_fonts(document: Any, rtl: bool) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    style = document.styles["Normal"]
    style.font.name = "Noto Sans"
    style.font.size = Pt(10)
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:ascii"), "Noto Sans")
    fonts.set(qn("w:hAnsi"), "Noto Sans")
    fonts.set(qn("w:eastAsia"), "Noto Sans CJK SC")
    fonts.set(qn("w:cs"), "Noto Naskh Arabic")
    if rtl:
        for name in ("Normal", "Heading 1", "Heading 2", "Heading 3", "Heading 4", "Title", "Caption"):
            try:
                _bidi(document.styles[name].element.get_or_add_pPr())
            except KeyError:
                continue


def _bidi(ppr: Any) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    if ppr.find(qn("w:bidi")) is None:
        ppr.append(OxmlElement("w:bidi"))


class _Writer:
    def __init__(self, report: ResultsReport) -> None:
        from docx import Document

        self.report = report
        self.rtl = report.direction == "rtl"
        self.doc = Document()
        _set_fonts(self.doc, self.rtl)
        section = self.doc.sections[0]
        from docx.shared import Mm

        section.page_width, section.page_height = Mm(210), Mm(297)
        section.left_margin = section.right_margin = Mm(18)
        section.top_margin = section.bottom_margin = Mm(18)
        self.text_width = section.page_width - section.left_margin - section.right_margin

    # -- building blocks

    def paragraph(self, text: str = "", style: str | None = None, bold: bool = False) -> Any:
        p = self.doc.add_paragraph(style=style)
        if text:
            run = p.add_run(text)
            run.bold = bold
            if self.rtl:
                run.font.rtl = True
        if self.rtl:
            _bidi(p._p.get_or_add_pPr())
        return p

    def heading(self, text: str, level: int) -> Any:
        h = self.doc.add_heading(text, level=level)
        if self.rtl:
            _bidi(h._p.get_or_add_pPr())
        return h

    def table(self, header: list[str], rows: list[list[str]], numeric: set[int] = frozenset()) -> Any:  # type: ignore[assignment]
        from docx.enum.table import WD_TABLE_DIRECTION
        from docx.enum.text import WD_ALIGN_PARAGRAPH

        table = self.doc.add_table(rows=1, cols=len(header))
        table.style = "Table Grid"
        if self.rtl:
            table.table_direction = WD_TABLE_DIRECTION.RTL
        for cell, text in zip(table.rows[0].cells, header, strict=True):
            cell.text = ""
            cell.paragraphs[0].add_run(text).bold = True
        for values in rows:
            cells = table.add_row().cells
            for index, (cell, text) in enumerate(zip(cells, values, strict=True)):
                cell.text = text
                if index in numeric:
                    cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
        return table

    def picture(self, data: bytes, width: Any, caption: str = "") -> None:
        from docx.enum.text import WD_ALIGN_PARAGRAPH

        self.doc.add_picture(io.BytesIO(data), width=width)
        self.doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
        if caption:
            self.paragraph(caption, style="Caption")

    # -- the report

    def cover(self) -> None:
        r = self.report
        self.paragraph(_("Results report"), bold=True)
        title = self.doc.add_heading(r.title, level=0)
        if self.rtl:
            _bidi(title._p.get_or_add_pPr())
        self.paragraph(r.subtitle)
        if r.is_sample:
            self.paragraph(
                _("Sample data") + ": " + _("this framework or some of its results are illustrative sample data, "
                                            "not real results."),
                bold=True,
            )  # fmt: skip
        facts = [[_("Framework"), f"{r.framework_code} — {r.framework_name}"], *[[k, v] for k, v in r.filters]]
        facts += [
            [_("Language"), r.language_name],
            [_("Data cut-off"), r.cutoff.strftime("%Y-%m-%d %H:%M") + " UTC"],
            [_("Targets as of"), r.as_of.isoformat()],
        ]
        self.table([_("Report"), ""], facts)
        for note in r.notes:
            self.paragraph(note)

    def summary(self) -> None:
        r = self.report
        self.heading(_("Summary"), 1)
        self.table([_("Summary"), _("Count")], [[label, number_text(count)] for label, count in r.summary], numeric={1})
        self.paragraph()
        keys = list(r.status_labels)
        self.table([_("Indicators by status"), *[r.status_labels[k] for k in keys]],
                   [[_("All indicators"), *[number_text(r.totals.get(k, 0)) for k in keys]]],
                   numeric=set(range(1, len(keys) + 1)))  # fmt: skip

    def overview(self, progress: Callable[[int, str], None]) -> None:
        from docx.shared import Emu

        r = self.report
        self.heading(_("Status overview"), 1)
        for chart in r.charts:
            self.picture(svg_to_png(chart.svg), Emu(int(self.text_width)), chart.title)
        if r.budget:
            self.table(
                [_("Funding source"), _("Currency"), _("Planned"), _("Committed"), _("Spent"), _("Execution")],
                [[b.label, b.currency, b.planned_text, b.committed_text, b.spent_text, b.execution_text]
                 for b in r.budget],
                numeric={2, 3, 4, 5},
            )  # fmt: skip

    def results(self, progress: Callable[[int, str], None]) -> None:
        from docx.shared import Emu, Mm

        r = self.report
        self.heading(_("Results"), 1)
        total = max(len(r.nodes), 1)
        chart_width = Emu(int(self.text_width * 0.8))
        for index, node in enumerate(r.nodes):
            if index % 25 == 0:
                progress(60 + int(30 * index / total), _("Writing results and charts"))
            self.heading(f"{node.number} {node.title}", min(2 + node.depth, 4))
            meta = f"{node.tier_name} · {node.status_label}"
            if node.achievement is not None:
                meta += f" · {_('achievement')} {node.achievement_text}"
            if node.is_sample:
                meta += f" · {_('sample data')}"
            self.paragraph(meta)
            if node.description:
                self.paragraph(node.description)
            if node.indicators:
                self.table(
                    [_("Indicator"), _("Period"), _("Baseline"), _("Target"), _("Actual"), _("Achievement"),
                     _("Status")],
                    [[f"{i.code} {i.title}" + (f" ({i.unit_label})" if i.unit_label else ""), i.period_label or "—",
                      i.baseline_text, i.target_text, i.actual_text, i.achievement_text, i.status_label]
                     for i in node.indicators],
                    numeric={2, 3, 4, 5},
                )  # fmt: skip
                for ind in node.indicators:
                    self.picture(svg_to_png(ind.chart_svg), chart_width, f"{ind.code} {ind.title}")
            if node.narratives:
                self.paragraph(_("Progress reported"), bold=True)
                for item in node.narratives:
                    self.paragraph(item.text, style="Quote")
                    self.paragraph(f"{item.date.isoformat()} · {item.unit} · {item.subject}")
            for photo in node.photos:
                try:
                    with default_storage.open(photo.thumbnail, "rb") as handle:
                        data = handle.read()
                except (OSError, ValueError):
                    data = b""
                caption = photo.caption or photo.subject
                if photo.credit:
                    caption += " — " + _("Photo: %(credit)s") % {"credit": photo.credit}
                if data and image_type(data[:4]) in ("image/jpeg", "image/png", "image/gif"):
                    self.picture(data, Mm(90), caption)
                else:
                    self.paragraph(caption, style="Caption")

    def save(self, out: BinaryIO) -> None:
        self.doc.core_properties.title = self.report.title[:250]
        self.doc.core_properties.author = "Orbit"
        self.doc.core_properties.language = self.report.language
        self.doc.save(out)


def write_docx(report: ResultsReport, out: BinaryIO, progress: Callable[[int, str], None]) -> None:
    writer = _Writer(report)
    progress(55, _("Writing the cover and summary"))
    writer.cover()
    writer.summary()
    progress(58, _("Drawing charts"))
    writer.overview(progress)
    writer.results(progress)
    progress(95, _("Writing the document"))
    writer.save(out)
