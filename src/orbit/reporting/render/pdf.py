"""The results report as PDF: WeasyPrint over the report's HTML document with its print rules (A4, page
numbers, a running header).

A large report is laid out in parts — the front matter, then results a few hundred indicators at a time —
each part a PDF of its own, and the parts are joined (pypdf): memory holds one part's layout, not the whole
report's, and the page numbers run on from part to part.

Fonts are the system's Noto and DejaVu families (``make fonts``), named in the style sheet, so Chinese and
Arabic print with real glyphs; an Arabic report is laid out right to left (``dir`` on the document).  Nothing
is fetched from the network: the only URL fetcher serves Orbit's own media (the photos' thumbnails, never the
originals) and static files, and refuses every other address.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, BinaryIO
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _

from orbit.reporting.content import NodeSection, Photo, ResultsReport
from orbit.reporting.render.html import image_type, render_html, set_photo_sources, stylesheet

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


def _continuation_css(first_page: int) -> str:
    """A part after the first: its pages are numbered on from the previous part's and carry the running
    header from their first page."""
    return (
        f"\n@page :first {{ counter-reset: page {first_page}; "
        "@top-center { content: element(running); font-size: 8pt; color: #55606e; } }\n"
    )


def write_pdf_parts(
    report: ResultsReport,
    out: BinaryIO,
    progress: Callable[[int, str], None] | None = None,
    *,
    limit: int = PART_WEIGHT,
) -> int:
    """Write the report as PDF to ``out``; returns the number of pages."""
    import gc
    import io

    from pypdf import PdfReader, PdfWriter
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    # WeasyPrint reports every missing glyph and unsupported property on its logger; keep only real errors.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    set_photo_sources(report, _media_url)
    css = stylesheet()
    runs = parts(report.nodes, limit)
    plan: list[dict[str, Any]] = [{"front": True, "nodes": runs[0] if runs else [], "back": len(runs) <= 1}]
    plan += [{"front": False, "nodes": run, "back": index == len(runs) - 1} for index, run in enumerate(runs[1:], 1)]
    fetcher = _fetcher_class()(timeout=5)
    # One font configuration and one image cache for every part: fonts are found and loaded once.
    font_config = FontConfiguration()
    images: dict[str, Any] = {}
    writer = PdfWriter()
    pages = 0
    for index, part in enumerate(plan):
        if progress:
            progress(55 + int(40 * index / len(plan)), _("Laying out pages (part %(n)d of %(total)d)")
                     % {"n": index + 1, "total": len(plan)})  # fmt: skip
        style = css if index == 0 else css + _continuation_css(pages + 1)
        html = render_html(report, mode="print", css=style, **part)
        buffer = io.BytesIO()
        source = HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher)
        document = source.render(font_config=font_config, cache=images)
        document.write_pdf(target=buffer)
        pages += len(document.pages)
        del document, source, html
        gc.collect()
        writer.append(PdfReader(buffer))
    if progress:
        progress(96, _("Writing the PDF"))
    from pypdf.generic import NameObject, TextStringObject

    writer.add_metadata({"/Title": report.title, "/Creator": "Orbit"})
    writer._root_object[NameObject("/Lang")] = TextStringObject(report.language)  # screen readers' language
    writer.write(out)
    return pages


def write_pdf(report: ResultsReport, out: BinaryIO, progress: Callable[[int, str], None]) -> None:
    progress(55, _("Placing photos"))
    write_pdf_parts(report, out, progress)
