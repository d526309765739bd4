"""The results report as one HTML document: on screen, printable, and the source of the PDF.

A downloaded HTML file stands alone: the style sheet is inlined, the charts are inline SVG and the photos are
``data:`` URIs of their thumbnails (never the originals).  The PDF renderer uses the same template with media
URLs that its own URL fetcher serves from Orbit's storage.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any, BinaryIO

from django.contrib.staticfiles import finders
from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from orbit.reporting.content import Photo, ResultsReport

TEMPLATE = "reporting/document/report.html"
BODY_TEMPLATE = "reporting/document/_body.html"
STYLESHEET = "reporting/report.css"
IMAGE_TYPES = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG": "image/png", b"GIF8": "image/gif", b"RIFF": "image/webp"}


@cache
def _stylesheet_path() -> Path:
    found = finders.find(STYLESHEET)
    if not found:
        raise FileNotFoundError(STYLESHEET)
    return Path(found if isinstance(found, str) else found[0])


def stylesheet() -> str:
    """The report's style sheet (screen and print rules)."""
    return _stylesheet_path().read_text(encoding="utf-8")


def image_type(head: bytes) -> str | None:
    for magic, content_type in IMAGE_TYPES.items():
        if head.startswith(magic):
            return content_type
    return None


def thumbnail_data_uri(photo: Photo) -> str:
    """The photo's thumbnail as a data: URI, or "" when its file cannot be read (the caption stays)."""
    try:
        with default_storage.open(photo.thumbnail, "rb") as handle:
            data = handle.read()
    except (OSError, ValueError):
        return ""
    content_type = image_type(data[:4])
    if content_type is None:
        return ""
    return f"data:{content_type};base64,{base64.b64encode(data).decode('ascii')}"


def set_photo_sources(report: ResultsReport, source: Callable[[Photo], str]) -> None:
    for photo in report.photos:
        photo.src = source(photo)


def context(report: ResultsReport, *, mode: str = "file", css: str | None = None) -> dict[str, Any]:
    """The template context of the whole document (for a page that includes ``_body.html``, too)."""
    return {
        "report": report,
        "css": stylesheet() if css is None else css,
        "mode": mode,
        "front": True,  # the cover, the summary and the status overview
        "nodes": report.nodes,
        "back": True,  # the colophon
        # A left-to-right PDF prints the indicators' figures without <bdi> isolation (digits, "—" and "%" read
        # the same either way): thousands fewer inline boxes to lay out.  Screens, files and right-to-left
        # reports keep it.
        "plain_numbers": mode == "print" and report.direction != "rtl",
    }


def screen_context(report: ResultsReport) -> dict[str, Any]:
    """The context for showing the report inside an Orbit page (``{% include "reporting/document/_body.html" %}``
    with the style sheet ``reporting/report.css``): photos link to their thumbnails through the planning
    app's evidence view, which checks the reader's right to each file."""
    from django.urls import reverse

    set_photo_sources(report, lambda photo: reverse("planning:evidence-thumb", args=[photo.evidence_id]))
    return context(report, mode="screen", css="")


def render_html(report: ResultsReport, *, mode: str = "file", **parts: Any) -> str:
    """The document.  ``mode`` is "file" (stands alone) or "print" (the PDF's source; photo sources must have
    been set, :func:`set_photo_sources`).  ``parts`` narrows it: ``front``, ``nodes``, ``back``, ``css``."""
    if mode == "file":
        set_photo_sources(report, thumbnail_data_uri)
    values = context(report, mode=mode, css=parts.pop("css", None))
    values.update(parts)
    return render_to_string(TEMPLATE, values)


def write_html(report: ResultsReport, out: BinaryIO, progress: Callable[[int, str], None]) -> None:
    progress(60, _("Embedding photos"))
    set_photo_sources(report, thumbnail_data_uri)
    progress(80, _("Writing the document"))
    out.write(render_to_string(TEMPLATE, context(report, mode="file")).encode("utf-8"))
