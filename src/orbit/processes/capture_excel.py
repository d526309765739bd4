"""Bottom-up capture in bulk: the Excel template of submissions (processes, pain points, ideas) and its import.

A unit collecting descriptions from its staff (a workshop, a survey) fills one sheet, ``Submissions``, with
the columns Kind, Title, Description, Unit code and Process code (optional), and imports it with
``orbit import submissions FILE.xlsx``.  Each row becomes a submission waiting for review, exactly as if it
had been typed into the form, through :func:`orbit.processes.services.submission_create`.

The import is all-or-nothing: every row is read and checked first (kinds, lengths, unit and process codes),
every problem is reported as ``Submissions!C7 (Description): ...``, and the rows are only written, inside one
transaction, when none has a problem; a service refusal rolls everything back too.  A dry run checks
everything, including the services' own checks, and rolls back.  Cells are read with the rules of the other
Orbit workbooks (:mod:`orbit.results.excel`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import DatabaseError, transaction
from openpyxl.utils import get_column_letter

from orbit.core.context import audit_context, current
from orbit.core.errors import OrbitError
from orbit.organisation.models import OrgUnit
from orbit.processes import services
from orbit.processes.models import Process, Submission
from orbit.results.excel import (
    CHOICE,
    MAX_ROWS,
    TEXT,
    CellError,
    Column,
    ImportReport,
    _open,
    _text,
    workbook_bytes,
    write_workbook,
)

SHEET = "Submissions"
KIND, TITLE, DESCRIPTION, UNIT, PROCESS = "Kind", "Title", "Description", "Unit code", "Process code"
KINDS = tuple(value for value, _label in Submission.Kind.choices)
TITLE_MAX = Submission._meta.get_field("title").max_length or 300

COLUMNS: tuple[Column, ...] = (
    Column(KIND, CHOICE, required=True, choices=KINDS,
           help="process (a process or way of working), pain_point (a pain point) or idea (an improvement idea)."),
    Column(TITLE, TEXT, required=True, help=f"A short title, at most {TITLE_MAX} characters."),
    Column(DESCRIPTION, TEXT, required=True, help="What happens today, what hurts, or what could be better."),
    Column(UNIT, TEXT, required=True, help="Code of the organisational unit the submission concerns, e.g. DEPT-A."),
    Column(PROCESS, TEXT, help="Code of the inventory process it is about, when known, e.g. DEPT-A-P001."),
)  # fmt: skip
SHEETS: dict[str, tuple[Column, ...]] = {SHEET: COLUMNS}

# Every message the import shows, in one place.
MESSAGES: dict[str, str] = {
    "no_sheet": "the workbook has no sheet named Submissions (it has {found}); start from the template "
    "(orbit export submissions-template)",
    "unknown_column": "unknown column '{title}'; the columns are Kind, Title, Description, Unit code, Process code",
    "twice": "the column {title} appears twice",
    "missing_column": "the sheet has no column {title}",
    "empty": "the sheet has no rows to import",
    "too_many": "more than {limit:,} rows",
    "required": "required",
    "kind": "'{value}' is not a kind of submission; write process, pain_point or idea",
    "too_long": "the text is {length:,} characters long; at most {limit:,} are kept",
    "no_unit": "no organisational unit has the code {code}",
    "archived_unit": "the unit {code} is archived",
    "no_process": "no process of the inventory has the code {code}",
}

#: Model fields → the column a service's complaint about them is shown in.
_FIELD_COLUMNS = {"kind": KIND, "title": TITLE, "description": DESCRIPTION, "unit": UNIT, "process": PROCESS}


@dataclass
class SubmissionImportReport(ImportReport):
    """Errors located by sheet, row and column; how many submissions were (or would be) created."""

    created: int = 0
    submission_ids: list[int] = field(default_factory=list)

    def summary(self) -> str:
        noun = "submission" if self.created == 1 else "submissions"
        return f"{self.created} {noun}"


@dataclass
class _Row:
    number: int
    values: dict[str, Any]
    ok: bool = True


class _Rollback(Exception):
    pass


def _kind(text: str) -> str | None:
    """A kind written as its code, in any case, or with spaces for underscores ("Pain point")."""
    folded = text.strip().lower().replace(" ", "_").replace("-", "_")
    return folded if folded in KINDS else None


class _Reader:
    def __init__(self, report: SubmissionImportReport) -> None:
        self.report = report
        self.letters: dict[str, str] = {}

    def error(self, row: _Row | None, column: str, message: str) -> None:
        if row is not None:
            row.ok = False
        number = row.number if row is not None else None
        self.report.add(SHEET, number, column, message, self.letters.get(column, ""))

    def rows(self, book: Any) -> list[_Row] | None:
        """The non-empty rows as text, or None when the sheet or its header is unusable."""
        by_name = {ws.title.strip().lower(): ws for ws in book.worksheets}
        ws = by_name.get(SHEET.lower())
        if ws is None:
            found = ", ".join(ws.title for ws in book.worksheets) or "none"
            self.report.add("", None, "", MESSAGES["no_sheet"].format(found=found))
            return None
        known = {column.name.lower(): column.name for column in COLUMNS}
        positions: dict[str, int] = {}
        structural = False
        header = next(ws.iter_rows(min_row=1, max_row=1, values_only=True), ())
        for index, cell in enumerate(header):
            title = _text(cell)
            if not title:
                continue
            letter = get_column_letter(index + 1)
            name = known.get(" ".join(title.lower().split()))
            if name is None:
                self.report.add(SHEET, 1, title, MESSAGES["unknown_column"].format(title=title), letter)
                structural = True
            elif name in positions:
                self.report.add(SHEET, 1, name, MESSAGES["twice"].format(title=name), letter)
                structural = True
            else:
                positions[name] = index
                self.letters[name] = letter
        for column in COLUMNS:
            if column.required and column.name not in positions:
                self.report.add(SHEET, 1, column.name, MESSAGES["missing_column"].format(title=column.name))
                structural = True
        if structural:
            return None
        rows: list[_Row] = []
        for number, cells in enumerate(ws.iter_rows(min_row=2, values_only=True), start=2):
            if number > MAX_ROWS + 1:
                self.report.add(SHEET, number, "", MESSAGES["too_many"].format(limit=MAX_ROWS))
                return None
            if all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in cells):
                continue
            values = {}
            for column in COLUMNS:
                at = positions.get(column.name)
                values[column.name] = _text(cells[at]) if at is not None and at < len(cells) else ""
            rows.append(_Row(number, values))
        if not rows:
            self.report.add(SHEET, None, "", MESSAGES["empty"])
            return None
        return rows

    def check(self, rows: list[_Row]) -> dict[int, dict[str, Any]]:
        """Check every row; for each, the values a submission is created with."""
        unit_codes = {row.values[UNIT] for row in rows if row.values[UNIT]}
        units = {u.code: u for u in OrgUnit.all_objects.filter(code__in=unit_codes)}
        process_codes = {row.values[PROCESS] for row in rows if row.values[PROCESS]}
        processes = {p.code: p for p in Process.objects.filter(code__in=process_codes)}
        resolved: dict[int, dict[str, Any]] = {}
        for row in rows:
            values: dict[str, Any] = {}
            for column in COLUMNS:
                if column.required and not row.values[column.name]:
                    self.error(row, column.name, MESSAGES["required"])
            kind_text = row.values[KIND]
            if kind_text:
                kind = _kind(kind_text)
                if kind is None:
                    self.error(row, KIND, MESSAGES["kind"].format(value=kind_text))
                values["kind"] = kind
            title = row.values[TITLE]
            if len(title) > TITLE_MAX:
                self.error(row, TITLE, MESSAGES["too_long"].format(length=len(title), limit=TITLE_MAX))
            values["title"], values["description"] = title, row.values[DESCRIPTION]
            code = row.values[UNIT]
            if code:
                unit = units.get(code)
                if unit is None:
                    self.error(row, UNIT, MESSAGES["no_unit"].format(code=code))
                elif unit.is_archived:
                    self.error(row, UNIT, MESSAGES["archived_unit"].format(code=code))
                values["unit"] = unit
            code = row.values[PROCESS]
            if code:
                process = processes.get(code)
                if process is None:
                    self.error(row, PROCESS, MESSAGES["no_process"].format(code=code))
                values["process"] = process
            resolved[row.number] = values
        return resolved

    def service_error(self, row: _Row, exc: Exception) -> None:
        if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
            for name, messages in exc.message_dict.items():
                column = _FIELD_COLUMNS.get(name, "")
                prefix = "" if column or name == NON_FIELD_ERRORS else f"{name}: "
                for message in messages:
                    self.error(row, column, prefix + message)
        elif isinstance(exc, ValidationError):
            for message in exc.messages:
                self.error(row, "", message)
        else:
            self.error(row, "", str(exc))


def import_submissions(
    source: str | Path | bytes | IO[bytes],
    *,
    actor: Any,
    dry_run: bool = False,
    reason: str = "",
    filename: str = "",
    is_sample: bool = False,
) -> SubmissionImportReport:
    """Check the whole workbook and, when every row is valid and this is not a dry run, create its submissions.

    Each row goes through :func:`services.submission_create` as ``actor`` (so the same rights and checks apply
    as in the form), recorded with the audit source ``import``; nothing is kept unless every row is valid.
    """
    name = filename or (Path(source).name if isinstance(source, str | Path) else "the workbook")
    report = SubmissionImportReport(filename=name, dry_run=dry_run)
    book = _open(source, name, report)
    if book is None:
        return report
    reader = _Reader(report)
    try:
        rows = reader.rows(book)
    finally:
        book.close()
    if rows is None:
        return report
    try:
        services.require_inventory_reader(actor)
    except OrbitError as exc:
        report.add("", None, "", str(exc))
        return report
    resolved = reader.check(rows)
    if report.errors:
        report.errors.sort(key=_error_order)
        return report
    outer = current()
    with audit_context(source="import", request_id=outer.request_id or None, reason=reason or outer.reason):
        try:
            with transaction.atomic():
                for row in rows:
                    try:
                        with transaction.atomic():
                            submission = services.submission_create(
                                actor=actor, reason=reason, is_sample=is_sample, **resolved[row.number]
                            )
                    except (ValidationError, OrbitError, DatabaseError) as exc:
                        reader.service_error(row, exc)
                        continue
                    report.created += 1
                    report.submission_ids.append(submission.pk)
                if report.errors or dry_run:
                    raise _Rollback
        except _Rollback:
            if report.errors:
                report.created = 0
            report.submission_ids = []
    report.counts = {"submissions": report.created}
    report.errors.sort(key=_error_order)
    return report


_COLUMN_ORDER = {column.name: index for index, column in enumerate(COLUMNS)}


def _error_order(error: CellError) -> tuple[int, int]:
    return (error.row or 0, _COLUMN_ORDER.get(error.column, -1))


def template_workbook(rows: Iterable[dict[str, Any]] = ()) -> bytes:
    """The template: the Submissions sheet (header, drop-down list of kinds) and the Guide sheet explaining
    every column; ``rows`` (column name → value) pre-fill it, e.g. for tests or a prepared workshop sheet."""
    book = write_workbook(SHEETS, {SHEET: list(rows)}, list_choices=lambda choices: ", ".join(choices) or None)
    ws = book[SHEET]
    for letter, width in zip("ABCDE", (14, 40, 70, 14, 18), strict=True):
        ws.column_dimensions[letter].width = width
    return workbook_bytes(book)


__all__ = [
    "COLUMNS",
    "MESSAGES",
    "SHEET",
    "SubmissionImportReport",
    "import_submissions",
    "template_workbook",
]
