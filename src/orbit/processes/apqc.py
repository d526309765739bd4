"""Read APQC's Process Classification Framework (PCF) from APQC's official Excel workbook.

Orbit keeps the PCF as a reference taxonomy: the organisation's own processes are classified against it and
APQC's metric definitions are offered as KPI templates.  This module only *reads* the workbook; storing the
result is the job of the services, which is why everything here is plain data and no database is touched.

The official workbook (e.g. ``apqc-pcf-cross-industry-v7.4.xlsx``) has the sheets ``Introduction, About,
Categories, 1.0 … 13.0, Combined, Metrics, Copyright and attribution``.  The elements are read from
``Combined`` (the category sheets repeat the same rows) and the metric definitions from ``Metrics``.  The
header rows are found by their column names, not by position, because APQC's files have changed layout
between releases.

The title, the version and the copyright notice are not in cells: APQC places them in text boxes drawn on the
``Introduction`` and ``Copyright and attribution`` sheets.  openpyxl does not read text boxes, so they are read
straight from the drawing parts of the .xlsx package (cells are searched too, for workbooks saved by other
tools).  APQC's licence lets anyone copy and adapt the PCF *provided every copy carries that notice*, so a
workbook without one is refused rather than imported without it.

The read is all-or-nothing: every problem found anywhere is collected, and if there is any the whole workbook
is refused with :class:`PcfError`, whose ``problems`` name the sheet, row and column of each.  A half-imported
taxonomy would silently misclassify processes, which is worse than no import.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, BinaryIO

from lxml import etree
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

__all__ = [
    "PcfElement",
    "PcfError",
    "PcfMetric",
    "PcfProblem",
    "PcfWorkbook",
    "read_pcf",
]

INTRODUCTION_SHEET = "Introduction"
ABOUT_SHEET = "About"
COMBINED_SHEET = "Combined"
METRICS_SHEET = "Metrics"
COPYRIGHT_SHEET = "Copyright and attribution"
REQUIRED_SHEETS = (COMBINED_SHEET, METRICS_SHEET, COPYRIGHT_SHEET)

MAX_LEVEL = 5
HEADER_SEARCH_ROWS = 30
# The official workbook is about 1.1 MB packed and 5 MB unpacked; these limits only stop absurd uploads.
MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_UNPACKED_BYTES = 512 * 1024 * 1024
MAX_DRAWING_BYTES = 8 * 1024 * 1024
MAX_PROBLEMS_IN_MESSAGE = 25

# Longest texts the database keeps (orbit.processes.models.reference); checked here so that a workbook that
# cannot be stored is refused with a clear message instead of failing half-way through the save.
MAX_TITLE = 300
MAX_VERSION = 40
MAX_HIERARCHY_ID = 40
MAX_ELEMENT_NAME = 500
MAX_DIFFERENCE_INDEX = 40
MAX_METRIC_ID = 40
MAX_METRIC_CATEGORY = 120
MAX_UNITS = 200

# Every message shown to a user, in one place.  They follow "<sheet>!<cell> (<column>): " (see PcfProblem).
_MESSAGES: dict[str, str] = {
    "no_file": "the file could not be opened ({error}).",
    "empty_file": "the file is empty.",
    "too_big": "the file is {size:,} bytes; a PCF workbook is about 1 MB, so files over {limit:,} bytes are refused.",
    "unpacked_too_big": (
        "the workbook unpacks to {size:,} bytes; a PCF workbook unpacks to about 5 MB, so more than {limit:,} bytes "
        "is refused."
    ),
    "xls": (
        "this is an Excel 97-2003 (.xls) file or another OLE document, not an .xlsx workbook; "
        "open it in Excel and save it as an .xlsx workbook."
    ),
    "text": "this is a text file (a CSV file renamed?), not an Excel .xlsx workbook.",
    "not_zip": "this is not an Excel .xlsx workbook (an .xlsx file is a ZIP archive, and this file is not one).",
    "bad_zip": "the .xlsx file is damaged and cannot be opened ({error}).",
    "not_workbook": (
        "this ZIP archive is not an Excel workbook (it has no xl/workbook.xml); "
        "save the PCF as an Excel .xlsx workbook."
    ),
    "unreadable": "the workbook could not be read ({error}).",
    "missing_sheet": "the sheet is missing; the workbook has the sheets {found}.",
    "no_header": "no header row was found in the first {rows} rows; expected a row with the columns {expected}.",
    "missing_column": 'the header row has no column "{column}" (it has {found}).',
    "no_title": (
        "the workbook does not say which PCF it is: expected a heading such as "
        '"CROSS INDUSTRY PROCESS CLASSIFICATION FRAMEWORK" on this sheet.'
    ),
    "no_version": 'the workbook does not state its PCF version: expected a text such as "VERSION NUMBER 7.4".',
    "no_attribution": (
        "the copyright notice is missing; APQC's licence requires it to accompany every copy of the PCF, "
        "so the workbook cannot be imported without it."
    ),
    "empty_pcf_id": "the PCF ID is empty.",
    "bad_pcf_id": 'the PCF ID must be a positive whole number, not "{value}".',
    "empty_hierarchy_id": "the hierarchy ID is empty.",
    "date_hierarchy_id": (
        "Excel turned the hierarchy ID into a date ({value}); format the column as text and type the ID again."
    ),
    "bad_hierarchy_id": (
        'the hierarchy ID "{value}" is malformed: expected whole numbers separated by dots, such as 7.0 '
        "(a category), 7.2, 7.2.1, 7.2.1.1 or 7.2.1.1.1."
    ),
    "deep_hierarchy_id": 'the hierarchy ID "{value}" has {levels} levels; the PCF has at most {limit}.',
    "empty_name": "the name is empty.",
    "bad_flag": 'expected Y or N, not "{value}".',
    "too_long": "the text is {length:,} characters long; at most {limit:,} can be kept.",
    "duplicate_pcf_id": "PCF ID {value} appears twice, on row {first} and on row {row}; each element needs its own.",
    "duplicate_hierarchy_id": "hierarchy ID {value} appears twice, on row {first} and on row {row}.",
    "orphan": (
        "element {hierarchy_id} (PCF ID {pcf_id}) has no parent: no row of this sheet has the hierarchy ID {parent}."
    ),
    "empty_element_pcf_id": "the process element ID is empty.",
    "unknown_element": (
        "metric {metric_id} belongs to PCF ID {pcf_id}, which is not an element of the " + COMBINED_SHEET + " sheet."
    ),
    "metric_hierarchy_mismatch": (
        "the hierarchy ID {value} does not match element PCF ID {pcf_id}, which is {expected} on the "
        + COMBINED_SHEET
        + " sheet."
    ),
    "metric_name_mismatch": (
        'the element name "{value}" does not match element PCF ID {pcf_id}, which is named "{expected}" on the '
        + COMBINED_SHEET
        + " sheet."
    ),
    "empty_category": "the metric category is empty.",
    "empty_metric_id": "the metric ID is empty.",
    "duplicate_metric_id": "metric ID {value} appears twice, on row {first} and on row {row}.",
    "empty_metric_name": "the metric name is empty.",
    "refused": "{name} was refused, and nothing was read from it, because of {count} problem{s}:",
    "more": "… and {count} more.",
}


def _message(key: str, **values: Any) -> str:
    return _MESSAGES[key].format(**values)


# --------------------------------------------------------------------------------------------------- results


@dataclass(frozen=True)
class PcfProblem:
    """One thing wrong with the workbook, located as precisely as the problem allows.

    ``column`` is the column's header (e.g. ``"Name"``); ``letter`` its spreadsheet letter when known, so that
    ``str()`` reads like Excel: ``Combined!C12 (Name): the name is empty.``
    """

    sheet: str
    row: int | None
    column: str | None
    message: str
    letter: str | None = None

    @property
    def location(self) -> str:
        """Where the problem is, e.g. ``Combined!C12 (Name)``, ``Combined row 1 (Name)`` or ``Metrics``."""
        if not self.sheet:
            return ""
        if self.row is not None and self.letter:
            where = f"{self.sheet}!{self.letter}{self.row}"
        elif self.row is not None:
            where = f"{self.sheet} row {self.row}"
        else:
            where = self.sheet
        return f"{where} ({self.column})" if self.column else where

    def __str__(self) -> str:
        location = self.location
        return f"{location}: {self.message}" if location else self.message


class PcfError(Exception):
    """The whole workbook was refused; ``problems`` lists everything found, in sheet and row order."""

    def __init__(self, problems: Iterable[PcfProblem], *, name: str = "The workbook") -> None:
        self.problems: list[PcfProblem] = list(problems)
        self.name = name
        super().__init__(self._text())

    def _text(self) -> str:
        count = len(self.problems)
        lines = [_message("refused", name=self.name, count=count, s="" if count == 1 else "s")]
        lines += [f"- {problem}" for problem in self.problems[:MAX_PROBLEMS_IN_MESSAGE]]
        if count > MAX_PROBLEMS_IN_MESSAGE:
            lines.append(_message("more", count=count - MAX_PROBLEMS_IN_MESSAGE))
        return "\n".join(lines)


@dataclass(frozen=True)
class PcfElement:
    """An element of the PCF: category (level 1), process group, process, activity or task (level 5)."""

    pcf_id: int
    hierarchy_id: str
    name: str
    level: int
    parent_hierarchy_id: str | None
    description: str
    difference_index: str
    change_details: str
    metrics_available: bool


@dataclass(frozen=True)
class PcfMetric:
    """A metric definition APQC gives for an element; Orbit offers it as a KPI template."""

    element_pcf_id: int
    hierarchy_id: str
    element_name: str
    category: str
    metric_id: str
    name: str
    formula: str
    units: str


@dataclass
class PcfWorkbook:
    """Everything read from one PCF workbook; elements and metrics keep the workbook's order."""

    title: str
    version: str
    attribution: str
    elements: list[PcfElement] = field(default_factory=list)
    metrics: list[PcfMetric] = field(default_factory=list)

    @property
    def levels(self) -> dict[int, int]:
        """How many elements each level has, e.g. ``{1: 13, 2: 72, 3: 350, 4: 1297, 5: 189}``."""
        counts = Counter(element.level for element in self.elements)
        return {level: counts[level] for level in sorted(counts)}


# --------------------------------------------------------------------------------------------------- reading


def read_pcf(source: str | Path | BinaryIO, *, name: str | None = None) -> PcfWorkbook:
    """Read and check an APQC PCF workbook; raise :class:`PcfError` listing every problem if anything is wrong.

    ``source`` is a path or an open binary file (e.g. an upload); ``name`` is how messages refer to it
    (by default the file's name).  Anything that is not an .xlsx workbook is refused with a
    :class:`PcfError` too, never with an exception from the Excel library.
    """
    label = name or _source_name(source)
    data = _read_bytes(source, label)
    archive = _open_package(data, label)
    try:
        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds (KeyError, ValueError, XML errors) on broken files
            raise _refuse(label, "unreadable", error=_describe(exc)) from exc
        try:
            return _Reader(book, archive).read(label)
        except PcfError:
            raise
        except Exception as exc:  # read-only mode parses sheets lazily, so a damaged sheet fails while iterating
            raise _refuse(label, "unreadable", error=_describe(exc)) from exc
        finally:
            book.close()
    finally:
        archive.close()


def _source_name(source: str | Path | BinaryIO) -> str:
    if isinstance(source, str | Path):
        return Path(source).name
    candidate = getattr(source, "name", None)
    return Path(candidate).name if isinstance(candidate, str) and candidate else "The workbook"


def _refuse(label: str, key: str, **values: Any) -> PcfError:
    return PcfError([PcfProblem("", None, None, _message(key, **values))], name=label)


def _describe(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _read_bytes(source: str | Path | BinaryIO, label: str) -> bytes:
    """The whole file in memory: openpyxl and the drawing reader both need it, and it is small."""
    if isinstance(source, str | Path):
        path = Path(source)
        try:
            size = path.stat().st_size
            if size > MAX_FILE_BYTES:
                raise _refuse(label, "too_big", size=size, limit=MAX_FILE_BYTES)
            data = path.read_bytes()
        except OSError as exc:
            raise _refuse(label, "no_file", error=exc.strerror or _describe(exc)) from exc
    else:
        try:
            data = source.read(MAX_FILE_BYTES + 1)
        except (OSError, ValueError) as exc:
            raise _refuse(label, "no_file", error=_describe(exc)) from exc
        if not isinstance(data, bytes):
            raise _refuse(label, "no_file", error="it was opened as text, not as a binary file")
        if len(data) > MAX_FILE_BYTES:
            raise _refuse(label, "too_big", size=len(data), limit=MAX_FILE_BYTES)
    if not data:
        raise _refuse(label, "empty_file")
    return data


def _open_package(data: bytes, label: str) -> zipfile.ZipFile:
    """Sniff the content (never the extension) and open the .xlsx package, or refuse with a clear reason."""
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise _refuse(label, "xls")
    if not data.startswith(b"PK"):
        raise _refuse(label, "text" if _looks_like_text(data) else "not_zip")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise _refuse(label, "bad_zip", error=_describe(exc)) from exc
    unpacked = sum(member.file_size for member in members)
    if unpacked > MAX_UNPACKED_BYTES:
        archive.close()
        raise _refuse(label, "unpacked_too_big", size=unpacked, limit=MAX_UNPACKED_BYTES)
    if "xl/workbook.xml" not in archive.namelist():
        archive.close()
        raise _refuse(label, "not_workbook")
    return archive


def _looks_like_text(data: bytes) -> bool:
    sample = data[:4096]
    try:
        text = sample.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = sample.decode("utf-16")
        except UnicodeDecodeError:
            return False
    return all(char.isprintable() or char in "\r\n\t\ufeff" for char in text)


@dataclass(frozen=True)
class _Column:
    key: str
    header: str
    required: bool
    aliases: tuple[str, ...] = ()


COMBINED_COLUMNS = (
    _Column("pcf_id", "PCF ID", True),
    _Column("hierarchy_id", "Hierarchy ID", True),
    _Column("name", "Name", True),
    _Column("difference_index", "Difference Index", False),
    _Column("change_details", "Change details", False),
    _Column("metrics_available", "Metrics available?", False),
    _Column("description", "Element Description", False, ("Description",)),
)
METRICS_COLUMNS = (
    _Column("element_pcf_id", "Process Element ID", True, ("PCF ID", "Element PCF ID")),
    _Column("hierarchy_id", "Hierarchy ID", False),
    _Column("element_name", "Process element", False),
    _Column("category", "Metric Category", True),
    _Column("metric_id", "Metric ID", True),
    _Column("name", "Metric name", True),
    _Column("formula", "Formula", False),
    _Column("units", "Units", False),
)


def _header_key(value: object) -> str:
    """Header text compared without case, spacing or a trailing question mark ("Metrics available?")."""
    return " ".join(str(value).split()).casefold().rstrip("?: ") if isinstance(value, str) else ""


@dataclass
class _Table:
    """A sheet's data rows, with where each known column is (only built when every required column is there)."""

    sheet: str
    header_row: int
    index: dict[str, int]
    headers: dict[str, str]
    rows: list[tuple[int, tuple[Any, ...]]]

    def value(self, values: tuple[Any, ...], key: str) -> Any:
        position = self.index.get(key)
        return values[position] if position is not None and position < len(values) else None

    def problem(self, row: int, key: str, message: str) -> PcfProblem:
        position = self.index.get(key)
        letter = get_column_letter(position + 1) if position is not None else None
        return PcfProblem(self.sheet, row, self.headers.get(key, key), message, letter)


class _Reader:
    """One pass over one workbook, collecting problems as it goes."""

    def __init__(self, book: Any, archive: zipfile.ZipFile) -> None:
        self.book = book
        self.archive = archive
        self.problems: list[PcfProblem] = []
        self._shapes: dict[str, list[tuple[str, str]]] | None = None
        self._sheet_texts: dict[str, list[tuple[str, str]]] = {}

    # -- whole workbook ----------------------------------------------------------------------------------------

    def read(self, label: str) -> PcfWorkbook:
        missing = [sheet for sheet in REQUIRED_SHEETS if sheet not in self.book.sheetnames]
        found = ", ".join(self.book.sheetnames) or "none"
        for sheet in missing:
            self.problems.append(PcfProblem(sheet, None, None, _message("missing_sheet", found=found)))

        title = self._title()
        version = self._version()
        attribution = self._attribution() if COPYRIGHT_SHEET not in missing else ""

        elements: list[PcfElement] = []
        known: dict[int, tuple[str, str]] | None = None
        if COMBINED_SHEET not in missing:
            combined = self._table(COMBINED_SHEET, COMBINED_COLUMNS)
            if combined is not None:
                elements, known = self._elements(combined)
        metrics: list[PcfMetric] = []
        if METRICS_SHEET not in missing:
            table = self._table(METRICS_SHEET, METRICS_COLUMNS)
            if table is not None:
                metrics = self._metrics(table, known)

        if self.problems:
            rank = {"": 0, COMBINED_SHEET: 1, METRICS_SHEET: 2}
            ordered = sorted(self.problems, key=lambda p: (rank.get(p.sheet, 3), p.row or 0))
            raise PcfError(ordered, name=label)
        return PcfWorkbook(title=title, version=version, attribution=attribution, elements=elements, metrics=metrics)

    # -- title, version and notice (text boxes or cells) -------------------------------------------------------

    def _texts(self, sheet: str) -> list[tuple[str, str]]:
        """The sheet's texts as (shape name, text): text boxes first, then non-empty text cells (name "")."""
        if sheet not in self._sheet_texts:
            if self._shapes is None:
                self._shapes = _drawing_texts(self.archive)
            texts = list(self._shapes.get(sheet, []))
            if sheet in self.book.sheetnames:
                for values in self.book[sheet].iter_rows(max_row=200, values_only=True):
                    texts += [("", _clean_block(v)) for v in values if isinstance(v, str) and v.strip()]
            self._sheet_texts[sheet] = texts
        return self._sheet_texts[sheet]

    def _title(self) -> str:
        texts = self._texts(INTRODUCTION_SHEET)
        named = [text for shape, text in texts if shape == "releaseDescription" and text]
        if not named:
            named = [
                text
                for _, text in texts
                if "process classification framework" in text.casefold()
                and "version" not in text.casefold()
                and "compared to" not in text.casefold()
            ]
        title = " ".join(named[0].splitlines()[0].split()) if named else ""
        title = title or " ".join(str(self.book.properties.title or "").split())
        if not title:
            self.problems.append(PcfProblem(INTRODUCTION_SHEET, None, None, _message("no_title")))
        elif len(title) > MAX_TITLE:
            self.problems.append(
                PcfProblem(INTRODUCTION_SHEET, None, None, _message("too_long", length=len(title), limit=MAX_TITLE))
            )
        return title

    def _version(self) -> str:
        texts = self._texts(INTRODUCTION_SHEET) + self._texts(ABOUT_SHEET)
        # A named text box first: the Introduction also says "COMPARED TO … VERSION 7.3.1", the previous release.
        candidates = [text for shape, text in texts if shape == "versionNumber"]
        candidates += [text for _, text in texts if "compared to" not in text.casefold()]
        for text in candidates:
            match = _VERSION.search(text)
            if match:
                version = match.group(1)
                if len(version) > MAX_VERSION:
                    break
                return version
        self.problems.append(PcfProblem(INTRODUCTION_SHEET, None, None, _message("no_version")))
        return ""

    def _attribution(self) -> str:
        texts = self._texts(COPYRIGHT_SHEET)
        chosen = [text for shape, text in texts if shape == "copyright" and text]
        if not chosen:
            chosen = [text for _, text in texts if "copyright" in text.casefold() or "©" in text]
        lines = "\n".join(chosen).splitlines()
        # The text box starts with the sheet's own heading, which is not part of the notice.
        while lines and lines[0].strip().casefold() in {"copyright and attribution", "copyright"}:
            lines.pop(0)
        attribution = "\n".join(lines).strip()
        if not attribution:
            self.problems.append(PcfProblem(COPYRIGHT_SHEET, None, None, _message("no_attribution")))
        return attribution

    # -- tables ------------------------------------------------------------------------------------------------

    def _table(self, sheet: str, columns: tuple[_Column, ...]) -> _Table | None:
        """Find the header row by its column names, then keep every non-blank row below it."""
        lookup: dict[str, _Column] = {}
        for column in columns:
            for text in (column.header, *column.aliases):
                lookup.setdefault(_header_key(text), column)
        required = [column for column in columns if column.required]
        best: tuple[int, dict[str, int], list[str]] | None = None
        table: _Table | None = None
        for number, values in enumerate(self.book[sheet].iter_rows(values_only=True), start=1):
            if table is not None:
                if not _blank(values):
                    table.rows.append((number, values))
                continue
            if number > HEADER_SEARCH_ROWS:
                break
            index: dict[str, int] = {}
            headers: dict[str, str] = {}
            for position, value in enumerate(values):
                match = lookup.get(_header_key(value))
                if match is not None and match.key not in index:
                    index[match.key] = position
                    headers[match.key] = " ".join(str(value).split())
            if all(column.key in index for column in required):
                table = _Table(sheet, number, index, headers, [])
            elif len(index) >= 2 and (best is None or len(index) > len(best[1])):
                found = [" ".join(str(v).split()) for v in values if isinstance(v, str) and v.strip()]
                best = (number, index, found)
        if table is not None:
            return table
        if best is None:
            expected = ", ".join(f'"{column.header}"' for column in required)
            self.problems.append(
                PcfProblem(sheet, None, None, _message("no_header", rows=HEADER_SEARCH_ROWS, expected=expected))
            )
            return None
        number, index, found = best
        shown = ", ".join(f'"{text}"' for text in found)
        for column in required:
            if column.key not in index:
                message = _message("missing_column", column=column.header, found=shown)
                self.problems.append(PcfProblem(sheet, number, column.header, message))
        return None

    def _elements(self, table: _Table) -> tuple[list[PcfElement], dict[int, tuple[str, str]]]:
        """Check every row of Combined; return the elements and, for metrics, each PCF ID's hierarchy ID and name."""
        elements: list[PcfElement] = []
        known: dict[int, tuple[str, str]] = {}
        first_pcf: dict[int, int] = {}
        first_hierarchy: dict[str, int] = {}
        for row, values in table.rows:
            before = len(self.problems)
            pcf_id = self._pcf_id(table, row, values, "pcf_id", "empty_pcf_id")
            hierarchy_id, level = self._hierarchy_id(table, row, values)
            name = self._text(table, row, values, "name", MAX_ELEMENT_NAME, empty="empty_name")
            difference_index = self._text(table, row, values, "difference_index", MAX_DIFFERENCE_INDEX)
            change_details = self._text(table, row, values, "change_details")
            description = self._text(table, row, values, "description")
            metrics_available = self._flag(table, row, values, "metrics_available")

            if pcf_id is not None:
                if pcf_id in first_pcf:
                    message = _message("duplicate_pcf_id", value=pcf_id, first=first_pcf[pcf_id], row=row)
                    self.problems.append(table.problem(row, "pcf_id", message))
                else:
                    first_pcf[pcf_id] = row
                    known[pcf_id] = (hierarchy_id or "", name)
            if hierarchy_id is not None:
                if hierarchy_id in first_hierarchy:
                    first = first_hierarchy[hierarchy_id]
                    message = _message("duplicate_hierarchy_id", value=hierarchy_id, first=first, row=row)
                    self.problems.append(table.problem(row, "hierarchy_id", message))
                else:
                    first_hierarchy[hierarchy_id] = row
            if len(self.problems) == before and pcf_id is not None and hierarchy_id is not None:
                elements.append(
                    PcfElement(
                        pcf_id=pcf_id,
                        hierarchy_id=hierarchy_id,
                        name=name,
                        level=level,
                        parent_hierarchy_id=_parent(hierarchy_id),
                        description=description,
                        difference_index=difference_index,
                        change_details=change_details,
                        metrics_available=metrics_available,
                    )
                )
        # Checked against every well-formed hierarchy ID, so that one bad parent row is reported once, not again
        # for each of its children.
        for row, values in table.rows:
            hierarchy_id = _hierarchy_text(table.value(values, "hierarchy_id"))
            parent = _parent(hierarchy_id) if _level(hierarchy_id) else None
            if parent is not None and parent not in first_hierarchy and first_hierarchy.get(hierarchy_id) == row:
                pcf_id = _as_int(table.value(values, "pcf_id"))
                shown = pcf_id if pcf_id is not None else "?"
                message = _message("orphan", hierarchy_id=hierarchy_id, pcf_id=shown, parent=parent)
                self.problems.append(table.problem(row, "hierarchy_id", message))
        return elements, known

    def _metrics(self, table: _Table, known: dict[int, tuple[str, str]] | None) -> list[PcfMetric]:
        """Check every row of Metrics; ``known`` is None when Combined could not be read (then not cross-checked)."""
        metrics: list[PcfMetric] = []
        first_metric: dict[str, int] = {}
        for row, values in table.rows:
            before = len(self.problems)
            pcf_id = self._pcf_id(table, row, values, "element_pcf_id", "empty_element_pcf_id")
            hierarchy_id = _hierarchy_text(table.value(values, "hierarchy_id"))
            element_name = self._text(table, row, values, "element_name")
            category = self._text(table, row, values, "category", MAX_METRIC_CATEGORY, empty="empty_category")
            metric_id = self._text(table, row, values, "metric_id", MAX_METRIC_ID, empty="empty_metric_id")
            name = self._text(table, row, values, "name", empty="empty_metric_name")
            formula = self._text(table, row, values, "formula")
            units = self._text(table, row, values, "units", MAX_UNITS)

            if metric_id:
                if metric_id in first_metric:
                    message = _message("duplicate_metric_id", value=metric_id, first=first_metric[metric_id], row=row)
                    self.problems.append(table.problem(row, "metric_id", message))
                else:
                    first_metric[metric_id] = row
            if pcf_id is not None and known is not None:
                element = known.get(pcf_id)
                if element is None:
                    message = _message("unknown_element", metric_id=metric_id or "?", pcf_id=pcf_id)
                    self.problems.append(table.problem(row, "element_pcf_id", message))
                else:
                    expected_hierarchy, expected_name = element
                    if hierarchy_id and expected_hierarchy and hierarchy_id != expected_hierarchy:
                        message = _message(
                            "metric_hierarchy_mismatch", value=hierarchy_id, pcf_id=pcf_id, expected=expected_hierarchy
                        )
                        self.problems.append(table.problem(row, "hierarchy_id", message))
                    if element_name and expected_name and _words(element_name) != _words(expected_name):
                        message = _message(
                            "metric_name_mismatch", value=element_name, pcf_id=pcf_id, expected=expected_name
                        )
                        self.problems.append(table.problem(row, "element_name", message))
                    hierarchy_id, element_name = expected_hierarchy, expected_name
            if len(self.problems) == before and pcf_id is not None and known is not None:
                metrics.append(
                    PcfMetric(
                        element_pcf_id=pcf_id,
                        hierarchy_id=hierarchy_id,
                        element_name=element_name,
                        category=category,
                        metric_id=metric_id,
                        name=name,
                        formula=formula,
                        units=units,
                    )
                )
        return metrics

    # -- cells -------------------------------------------------------------------------------------------------

    def _pcf_id(self, table: _Table, row: int, values: tuple[Any, ...], key: str, empty: str) -> int | None:
        raw = table.value(values, key)
        if _text_of(raw) == "":
            self.problems.append(table.problem(row, key, _message(empty)))
            return None
        number = _as_int(raw)
        if number is None or number <= 0:
            self.problems.append(table.problem(row, key, _message("bad_pcf_id", value=_text_of(raw))))
            return None
        return number

    def _hierarchy_id(self, table: _Table, row: int, values: tuple[Any, ...]) -> tuple[str | None, int]:
        raw = table.value(values, "hierarchy_id")
        text = _hierarchy_text(raw)
        if not text:
            self.problems.append(table.problem(row, "hierarchy_id", _message("empty_hierarchy_id")))
            return None, 0
        if isinstance(raw, date | datetime | time):
            self.problems.append(table.problem(row, "hierarchy_id", _message("date_hierarchy_id", value=text)))
            return None, 0
        level = _level(text)
        if level is None:
            parts = text.split(".")
            if len(parts) > MAX_LEVEL and all(part.isdigit() for part in parts):
                message = _message("deep_hierarchy_id", value=text, levels=len(parts), limit=MAX_LEVEL)
            else:
                message = _message("bad_hierarchy_id", value=text)
            self.problems.append(table.problem(row, "hierarchy_id", message))
            return None, 0
        if len(text) > MAX_HIERARCHY_ID:
            message = _message("too_long", length=len(text), limit=MAX_HIERARCHY_ID)
            self.problems.append(table.problem(row, "hierarchy_id", message))
            return None, 0
        return text, level

    def _text(
        self,
        table: _Table,
        row: int,
        values: tuple[Any, ...],
        key: str,
        limit: int | None = None,
        *,
        empty: str | None = None,
    ) -> str:
        text = _text_of(table.value(values, key))
        if not text and empty is not None:
            self.problems.append(table.problem(row, key, _message(empty)))
        elif limit is not None and len(text) > limit:
            self.problems.append(table.problem(row, key, _message("too_long", length=len(text), limit=limit)))
        return text

    def _flag(self, table: _Table, row: int, values: tuple[Any, ...], key: str) -> bool:
        raw = table.value(values, key)
        if isinstance(raw, bool):
            return raw
        text = _text_of(raw).casefold()
        if text in {"y", "yes", "true", "1"}:
            return True
        if text in {"", "n", "no", "false", "0"}:
            return False
        self.problems.append(table.problem(row, key, _message("bad_flag", value=_text_of(raw))))
        return False


# --------------------------------------------------------------------------------------------------- helpers

_VERSION = re.compile(r"\bversion(?:\s+(?:number|no\.?))?\s*[:#]?\s*v?(\d+(?:\.\d+)*)\b", re.IGNORECASE)
_LEVEL_ONE = re.compile(r"[1-9]\d*\.0")
_DEEPER = re.compile(r"[1-9]\d*(?:\.[1-9]\d*)+")


def _level(hierarchy_id: str) -> int | None:
    """1 for ``7.0``, otherwise the number of parts (``7.2.1`` is 3); None if malformed or deeper than five."""
    if _LEVEL_ONE.fullmatch(hierarchy_id):
        return 1
    if _DEEPER.fullmatch(hierarchy_id):
        parts = hierarchy_id.count(".") + 1
        return parts if parts <= MAX_LEVEL else None
    return None


def _parent(hierarchy_id: str) -> str | None:
    """``7.2.1`` → ``7.2``, ``7.2`` → ``7.0`` (the category), ``7.0`` → None."""
    parts = hierarchy_id.split(".")
    if _LEVEL_ONE.fullmatch(hierarchy_id):
        return None
    if len(parts) == 2:
        return f"{parts[0]}.0"
    return ".".join(parts[:-1])


def _hierarchy_text(value: object) -> str:
    """A hierarchy ID as text; a number Excel stored as such keeps its decimal form (``1.0`` stays ``1.0``)."""
    if value is None:
        return ""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)
    return str(value).strip()


def _text_of(value: object) -> str:
    """A cell as clean text: whitespace stripped, whole floats without ``.0`` (Excel stores every number as float)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Y" if value else "N"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value).strip()


def _as_int(value: object) -> int | None:
    """A whole number stored as a number, a float (``10002.0``) or text (``" 10002 "``); None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            return None
        if number.is_finite() and number == number.to_integral_value():
            return int(number)
    return None


def _words(text: str) -> str:
    return " ".join(text.split())


def _blank(values: tuple[Any, ...]) -> bool:
    return all(value is None or (isinstance(value, str) and not value.strip()) for value in values)


def _clean_block(text: str) -> str:
    """Text-box or cell text with each line stripped and blank lines dropped (APQC mixes \\r\\n and \\n)."""
    lines = (line.strip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    return "\n".join(line for line in lines if line)


# -- text boxes ------------------------------------------------------------------------------------------------

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def _local(tag: object) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _xml(archive: zipfile.ZipFile, part: str) -> Any:
    """A package part parsed safely, or None if absent, oversized or not XML (the caller then finds no text)."""
    try:
        info = archive.getinfo(part)
        if info.file_size > MAX_DRAWING_BYTES:
            return None
        return etree.fromstring(archive.read(info), _PARSER)
    except (KeyError, etree.XMLSyntaxError, zipfile.BadZipFile, OSError, ValueError):
        return None


def _relationships(archive: zipfile.ZipFile, part: str) -> Iterator[tuple[str, str, str]]:
    """(id, type, resolved target) of each internal relationship of a package part."""
    folder, file = posixpath.split(part)
    root = _xml(archive, posixpath.join(folder, "_rels", f"{file}.rels"))
    if root is None:
        return
    for rel in root:
        if _local(rel.tag) != "Relationship" or rel.get("TargetMode") == "External":
            continue
        target = rel.get("Target") or ""
        resolved = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
        yield rel.get("Id") or "", rel.get("Type") or "", resolved


def _drawing_texts(archive: zipfile.ZipFile) -> dict[str, list[tuple[str, str]]]:
    """For each sheet name, the (shape name, text) of the text boxes drawn on it, in document order.

    Namespaces are matched by local name so that "strict" OOXML files, which use other namespace URIs, work too.
    """
    workbook = _xml(archive, "xl/workbook.xml")
    if workbook is None:
        return {}
    targets = {rid: target for rid, _, target in _relationships(archive, "xl/workbook.xml")}
    result: dict[str, list[tuple[str, str]]] = {}
    for sheet in workbook.iter():
        if _local(sheet.tag) != "sheet":
            continue
        rid = next((v for k, v in sheet.attrib.items() if _local(k) == "id" and "}" in k), "")
        part = targets.get(rid)
        if not part:
            continue
        texts: list[tuple[str, str]] = []
        for _, kind, drawing in _relationships(archive, part):
            if kind.endswith("/drawing"):
                texts += _shape_texts(_xml(archive, drawing))
        if texts:
            result[sheet.get("name") or ""] = texts
    return result


def _shape_texts(root: Any) -> list[tuple[str, str]]:
    if root is None:
        return []
    shapes: list[tuple[str, str]] = []
    for shape in root.iter():
        if _local(shape.tag) != "sp":
            continue
        name = next((e.get("name") or "" for e in shape.iter() if _local(e.tag) == "cNvPr"), "")
        paragraphs = []
        for paragraph in shape.iter():
            if _local(paragraph.tag) != "p":
                continue
            pieces = []
            for node in paragraph.iter():
                local = _local(node.tag)
                if local == "t":
                    pieces.append(node.text or "")
                elif local == "br":
                    pieces.append("\n")
            paragraphs.append("".join(pieces))
        text = _clean_block("\n".join(paragraphs))
        if text:
            shapes.append((name, text))
    return shapes
