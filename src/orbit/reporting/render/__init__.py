"""The results report rendered in four formats from one :class:`orbit.reporting.content.ResultsReport`.

:func:`render_report` builds the report once and writes it to a binary stream in the chosen format, in the
report's language from start to end, calling ``progress(percent, label)`` at each step.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, BinaryIO

from django.utils import translation
from django.utils.translation import gettext as _

from orbit.reporting.content import ReportError, ReportParams, ResultsReport, build_report

FORMATS: tuple[str, ...] = ("html", "pdf", "docx", "xlsx")
CONTENT_TYPES: dict[str, str] = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
EXTENSIONS: dict[str, str] = {"html": ".html", "pdf": ".pdf", "docx": ".docx", "xlsx": ".xlsx"}

Progress = Callable[[int, str], None]


Writer = Callable[[ResultsReport, BinaryIO, Progress], None]


def _writer(fmt: str) -> Writer:
    """The writer of ``fmt``, imported when needed (WeasyPrint, python-docx and openpyxl load slowly)."""
    from importlib import import_module

    writer: Writer = getattr(import_module(f"orbit.reporting.render.{fmt}"), f"write_{fmt}")
    return writer


def render_report(
    *, user: Any, params: ReportParams, fmt: str, out: BinaryIO, progress: Progress | None = None
) -> ResultsReport:
    """Build the report of ``params`` as ``user`` may see it and write it to ``out`` as ``fmt``.

    Building takes the first half of the progress bar, rendering the second; the last call is 100."""
    if fmt not in FORMATS:
        raise ReportError(_("format: unknown format %(value)r; use one of %(formats)s.") % {
            "value": fmt, "formats": ", ".join(FORMATS)})  # fmt: skip
    params.check()

    def note(percent: int, label: str) -> None:
        if progress is not None:
            progress(max(0, min(100, int(percent))), label)

    with translation.override(params.language):
        report = build_report(user=user, params=params, progress=note)
        _writer(fmt)(report, out, note)
        note(100, _("Report ready"))
    return report


__all__ = ["CONTENT_TYPES", "EXTENSIONS", "FORMATS", "ReportError", "ReportParams", "render_report"]
