"""The results report as PDF: WeasyPrint over the report's HTML document with its print rules (A4, page
numbers, a running header).

A large report is laid out in parts — the front matter, then results a few hundred indicators at a time —
each part a PDF of its own, and the parts are joined (pypdf): memory holds one part's layout, not the whole
report's.  With more than one part and more than one CPU, parts are laid out side by side in forked worker
processes (at most :data:`MAX_WORKERS`), each holding one part at a time.  The page numbers are stamped on the
joined pages, so they run on from part to part whatever order the parts were laid out in.

Each indicator's chart is drawn for print (:func:`print_chart`): the same lines and marks in a few SVG paths
without text, which WeasyPrint lays out in a fraction of the time of the interactive chart's dozens of
elements and labels; the figures stay in the indicator table and a key is printed once.

Fonts are the system's Noto and DejaVu families (``make fonts``), named in the style sheet, so Chinese and
Arabic print with real glyphs; an Arabic report is laid out right to left (``dir`` on the document).  Nothing
is fetched from the network: the only URL fetcher serves Orbit's own media (the photos' thumbnails, never the
originals) and static files, and refuses every other address.
"""

from __future__ import annotations

import gc
import io
import logging
import multiprocessing
import os
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import Any, BinaryIO
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _

from orbit.reporting.content import IndicatorRow, NodeSection, Photo, ResultsReport
from orbit.reporting.render.html import image_type, render_html, set_photo_sources, stylesheet
from orbit.results import charts

#: The document's own address: its media and static URLs resolve under it and nowhere else.
BASE_URL = "https://orbit.invalid/"


def _media_url(photo: Photo) -> str:
    return f"{settings.MEDIA_URL.rstrip('/')}/{photo.thumbnail}" if photo.thumbnail else ""


def _fetcher_class() -> type[Any]:
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class OrbitFetcher(URLFetcher):  # type: ignore[misc]
        """Serves ``/media/…`` from Orbit's storage and ``/static/…`` from its static files; nothing else."""

        def fetch(self, url: str, headers: Any = None) -> Any:
            parts = urlsplit(url)
            if f"{parts.scheme}://{parts.netloc}/" != BASE_URL:
                raise ValueError(f"Reports fetch nothing outside Orbit: {url}")
            path = unquote(parts.path)
            if ".." in path.split("/"):
                raise ValueError(f"Refused path: {url}")
            media, static = settings.MEDIA_URL, settings.STATIC_URL
            if path.startswith(media):
                with default_storage.open(path[len(media) :], "rb") as handle:
                    data = handle.read()
            elif path.startswith(static):
                found = finders.find(path[len(static) :])
                if not found:
                    raise ValueError(f"No such static file: {url}")
                with open(found if isinstance(found, str) else found[0], "rb") as handle:
                    data = handle.read()
            else:
                raise ValueError(f"Reports fetch only media and static files: {url}")
            content_type = image_type(data[:4]) or ("text/css" if path.endswith(".css") else "application/octet-stream")
            return URLFetcherResponse(url, body=data, headers={"Content-Type": content_type})

    return OrbitFetcher


#: Roughly how much of the report one part holds: a result counts 1, an indicator (table row and chart) 3,
#: a narrative 1, a photo 2.
PART_WEIGHT = 600
#: At most this many processes lay out parts at the same time (each holds one part's layout in memory).
MAX_WORKERS = 4

#: The print chart's drawing area (SVG user units): a small figure beside the indicator table.
_CHART_W, _CHART_H, _PAD = 320.0, 110.0, 8.0


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def print_chart(indicator: IndicatorRow) -> str:
    """The indicator's chart for print: the same baseline (dotted), targets (dashed, squares) and actuals
    (solid, dots) over its periods as the results engine's chart, in a handful of SVG paths and no text —
    the figures are in the table above it and the key once at the start of the results."""
    periods = indicator.periods
    values = [float(v) for p in periods for v in (p.target, p.actual) if v is not None]
    if indicator.baseline is not None:
        values.append(float(indicator.baseline))
    left, right, top, bottom = _PAD, _CHART_W - _PAD, _PAD, _CHART_H - _PAD
    low, high = min([0.0, *values]), max([0.0, *values])
    if high == low:
        high = low + 1.0

    def x(index: int) -> float:
        return left + (right - left) * (index + 0.5) / max(len(periods), 1)

    def y(value: float) -> float:
        return bottom - (bottom - top) * (value - low) / (high - low)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_num(_CHART_W)} {_num(_CHART_H)}" role="img" '
        f'class="chart print-chart"><path d="M{_num(left)} {_num(top)}V{_num(bottom)}H{_num(right)}" fill="none" '
        'stroke="#8a939e" stroke-width="1"/>'
    ]
    if indicator.baseline is not None:
        level = _num(y(float(indicator.baseline)))
        out.append(
            f'<path d="M{_num(left)} {level}H{_num(right)}" stroke="{charts.BASELINE_COLOUR}" stroke-width="1.5" '
            'stroke-dasharray="2 3"/>'
        )
    for attr, colour, dash, square in (
        ("target", charts.TARGET_COLOUR, ' stroke-dasharray="6 4"', True),
        ("actual", charts.ACTUAL_COLOUR, "", False),
    ):
        points = [(x(i), y(float(v))) for i, p in enumerate(periods) if (v := getattr(p, attr)) is not None]
        if len(points) > 1:
            line = " ".join(f"{_num(px)},{_num(py)}" for px, py in points)
            out.append(f'<polyline points="{line}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>')
        if points:  # the markers of a series in one path: squares for targets, diamonds for actuals
            r = 3.0
            marks = "".join(
                f"M{_num(px - r)} {_num(py - r)}h{_num(2 * r)}v{_num(2 * r)}h{_num(-2 * r)}z"
                if square
                else f"M{_num(px)} {_num(py - r - 0.5)}l{_num(r + 0.5)} {_num(r + 0.5)}l{_num(-r - 0.5)} "
                f"{_num(r + 0.5)}l{_num(-r - 0.5)} {_num(-r - 0.5)}z"
                for px, py in points
            )
            out.append(f'<path d="{marks}" fill="{colour}"/>')
    out.append("</svg>")
    return "".join(out)


def print_nodes(nodes: list[NodeSection]) -> list[NodeSection]:
    """The results with their indicators drawing :func:`print_chart` (copies; the report is left as it is)."""
    return [
        replace(node, indicators=[replace(ind, chart_source=partial(print_chart, ind)) for ind in node.indicators])
        if node.indicators
        else node
        for node in nodes
    ]


def _weight(node: NodeSection) -> int:
    return 1 + 3 * len(node.indicators) + len(node.narratives) + 2 * len(node.photos)


def parts(nodes: list[NodeSection], limit: int = PART_WEIGHT) -> list[list[NodeSection]]:
    """The results cut into runs of about ``limit`` weight, each starting at a result (never inside one)."""
    out: list[list[NodeSection]] = []
    current: list[NodeSection] = []
    weight = 0
    for node in nodes:
        w = _weight(node)
        if current and weight + w > limit:
            out.append(current)
            current, weight = [], 0
        current.append(node)
        weight += w
    if current:
        out.append(current)
    return out


#: Added to the style sheet of every part: no page number from the layout (they are stamped on the joined
#: pages, :func:`number_pages`).
_PDF_CSS = "\n@page { @bottom-center { content: none; } }\n"
#: A part after the first carries the running header from its first page.
_CONTINUATION_CSS = "\n@page :first { @top-center { content: element(running); font-size: 8pt; color: #55606e; } }\n"

#: What the worker processes lay out: set before they are forked, read by :func:`_part_pdf`.
_JOB: dict[str, Any] = {}


def _part_pdf(index: int) -> tuple[bytes, int]:
    """Part ``index`` of the report in ``_JOB`` as PDF bytes, and its number of pages."""
    from weasyprint import HTML

    job = _JOB
    css = job["css"] + (_CONTINUATION_CSS if index else "")
    html = render_html(job["report"], mode="print", css=css, **job["plan"][index])
    document = HTML(string=html, base_url=BASE_URL, url_fetcher=job["fetcher"]).render(
        font_config=job["fonts"], cache=job["images"]
    )
    data = document.write_pdf()
    pages = len(document.pages)
    del document, html
    gc.collect()
    return data, pages


def _workers(parts: int) -> int:
    """How many processes lay out ``parts`` parts: one (this process) unless there are several parts and
    CPUs, forking is possible and this process may have children."""
    if parts < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    if multiprocessing.current_process().daemon:
        return 1
    return max(1, min(MAX_WORKERS, os.cpu_count() or 1, parts))


#: The page number: Helvetica 8 pt (a standard PDF font, digits only), grey, centred in the bottom margin.
_NUMBER_SIZE = 8.0
_NUMBER_BASELINE = 23.0  # points above the page's bottom edge (the bottom margin is 18 mm = 51 pt)
_NUMBER_FONT = "/OrbitPageNumber"


def number_pages(writer: Any) -> None:
    """Stamp every page of ``writer`` (a pypdf writer) with its number, 1 to the last page."""
    from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, NameObject

    def stream(data: bytes) -> Any:
        obj = DecodedStreamObject()
        obj.set_data(data)
        return writer._add_object(obj)

    font = writer._add_object(
        DictionaryObject({
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
            NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
        })
    )  # fmt: skip
    save = stream(b"q\n")
    for number, page in enumerate(writer.pages, 1):
        box = page.mediabox
        label = str(number)
        x = float(box.left) + float(box.width) / 2 - 0.556 * _NUMBER_SIZE * len(label) / 2  # Helvetica digits
        y = float(box.bottom) + _NUMBER_BASELINE
        stamp = f"Q q 0.333 0.376 0.431 rg BT {_NUMBER_FONT} {_NUMBER_SIZE:g} Tf {x:.2f} {y:.2f} Td ({label}) Tj ET Q\n"
        contents = page.get("/Contents")
        old = list(contents.get_object()) if isinstance(contents.get_object(), ArrayObject) else [contents]
        page[NameObject("/Contents")] = ArrayObject([save, *[c for c in old if c is not None], stream(stamp.encode())])
        if "/Resources" not in page:
            page[NameObject("/Resources")] = DictionaryObject()
        resources = page["/Resources"].get_object()
        if "/Font" not in resources:
            resources[NameObject("/Font")] = DictionaryObject()
        resources["/Font"].get_object()[NameObject(_NUMBER_FONT)] = font


def write_pdf_parts(
    report: ResultsReport,
    out: BinaryIO,
    progress: Callable[[int, str], None] | None = None,
    *,
    limit: int = PART_WEIGHT,
) -> int:
    """Write the report as PDF to ``out``; returns the number of pages."""
    from pypdf import PdfReader, PdfWriter
    from weasyprint.text.fonts import FontConfiguration

    # WeasyPrint reports every missing glyph and unsupported property on its logger; keep only real errors.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    set_photo_sources(report, _media_url)
    runs = parts(print_nodes(report.nodes), limit)
    plan: list[dict[str, Any]] = [{"front": True, "nodes": runs[0] if runs else [], "back": len(runs) <= 1}]
    plan += [{"front": False, "nodes": run, "back": index == len(runs) - 1} for index, run in enumerate(runs[1:], 1)]
    # One font configuration and one image cache for every part a process lays out: fonts are found and
    # loaded once per process.
    _JOB.update(
        report=report, plan=plan, css=stylesheet() + _PDF_CSS, fetcher=_fetcher_class()(timeout=5),
        fonts=FontConfiguration(), images={},
    )  # fmt: skip
    writer = PdfWriter()
    pages = 0

    def note(done: int) -> None:
        if progress:
            progress(55 + int(40 * done / len(plan)), _("Laying out pages (part %(n)d of %(total)d)")
                     % {"n": min(done + 1, len(plan)), "total": len(plan)})  # fmt: skip

    # What exists now (Django, the report, the fonts) lives through every part: the collector stops walking it,
    # in this process and in the forked workers (whose pages it then leaves shared, too).
    gc.collect()
    gc.freeze()
    try:
        workers = _workers(len(plan))
        note(0)
        if workers > 1:
            pool = multiprocessing.get_context("fork").Pool(workers)
            try:
                for done, (data, count) in enumerate(pool.imap(_part_pdf, range(len(plan))), 1):
                    writer.append(PdfReader(io.BytesIO(data)))
                    pages += count
                    note(done)
            except BaseException:
                pool.terminate()
                raise
            else:
                pool.close()  # the workers end on their own (and count in this process's resource usage)
            finally:
                pool.join()
        else:
            for index in range(len(plan)):
                data, count = _part_pdf(index)
                writer.append(PdfReader(io.BytesIO(data)))
                pages += count
                note(index + 1)
    finally:
        gc.unfreeze()
        _JOB.clear()
    if progress:
        progress(96, _("Writing the PDF"))
    from pypdf.generic import NameObject, TextStringObject

    number_pages(writer)
    writer.add_metadata({"/Title": report.title, "/Creator": "Orbit"})
    writer._root_object[NameObject("/Lang")] = TextStringObject(report.language)  # screen readers' language
    writer.write(out)
    return pages


def write_pdf(report: ResultsReport, out: BinaryIO, progress: Callable[[int, str], None]) -> None:
    progress(55, _("Placing photos"))
    write_pdf_parts(report, out, progress)
