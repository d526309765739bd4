"""The results report as PDF: WeasyPrint over the report's HTML document with its print rules (A4, page
numbers, a running header).

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

from orbit.reporting.content import Photo, ResultsReport
from orbit.reporting.render.html import image_type, render_html, set_photo_sources

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


def pdf_bytes_to(report: ResultsReport, out: BinaryIO, progress: Callable[[int, str], None] | None = None) -> None:
    from weasyprint import HTML

    set_photo_sources(report, _media_url)
    html = render_html(report, mode="print")
    if progress:
        progress(60, _("Laying out pages"))
    # WeasyPrint reports every missing glyph and unsupported property on its logger; keep only real errors.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    document = HTML(string=html, base_url=BASE_URL, url_fetcher=_fetcher_class()(timeout=5)).render()
    if progress:
        progress(85, _("Writing the PDF"))
    document.write_pdf(target=out)


def write_pdf(report: ResultsReport, out: BinaryIO, progress: Callable[[int, str], None]) -> None:
    progress(55, _("Placing photos"))
    pdf_bytes_to(report, out, progress)
