"""The Excel workbook of a results framework: one template, an exact export and an all-or-nothing import.

The template (``docs/excel-template.md``) has the sheets Framework, Nodes, Indicators, Targets, Values and
Dimensions; :data:`SHEETS` below is its single definition, used to write, read and document it.

The import reads and checks the whole workbook first (types, allowed values, references between rows),
then replays every row through the results services inside one transaction, so that the services' own
validation (periods in the cycle, overlaps, numerator and denominator, disaggregations adding up, rights)
applies.  Every problem is reported with its sheet, row and column; if there is any, or on a dry run, the
transaction is rolled back and nothing is applied, audit events included.
"""

from __future__ import annotations

import datetime as dt
import io
import uuid
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import partial
from pathlib import Path
from typing import IO, Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import DatabaseError, transaction
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from orbit.core.context import audit_context, current
from orbit.core.errors import OrbitError
from orbit.core.i18n import CONTENT_LANGUAGES
from orbit.organisation.models import OrgUnit
from orbit.results import selectors, services
from orbit.results.models import ActualValue, Dimension, Framework, Indicator, ResultNode, Target
from orbit.results.models.periods import PeriodType, calendar_period_end

SEPARATOR = "|"
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 200_000

TEXT, NUMBER, INTEGER, DATE, BOOLEAN, CHOICE, LIST, PAIRS = (
    "text", "number", "integer", "date", "yes/no", "choice", "list", "pairs",
)  # fmt: skip


@dataclass(frozen=True)
class Column:
    name: str
    kind: str = TEXT
    required: bool = False
    choices: tuple[str, ...] = ()
    help: str = ""


def _per_language(prefix: str, help_text: str, kind: str = TEXT) -> list[Column]:
    return [Column(f"{prefix}_{lang}", kind, help=f"{help_text} ({lang})") for lang in CONTENT_LANGUAGES]


def _values(choices: Iterable[tuple[str, Any]]) -> tuple[str, ...]:
    return tuple(value for value, _label in choices)


PERIOD_TYPES = _values(PeriodType.choices)

SHEETS: dict[str, tuple[Column, ...]] = {
    "Framework": (
        Column("code", required=True, help="Code of the new framework; must not exist yet."),
        *_per_language("name", "Name"),
        *_per_language("description", "Description"),
        Column("kind", CHOICE, choices=_values(Framework.Kind.choices), help="Kind of plan; default operational_plan."),
        Column("cycle_start", DATE, required=True, help="First day of the cycle."),
        Column("cycle_end", DATE, required=True, help="Last day of the cycle."),
        Column("owner_unit", required=True, help="Code of the owning organisational unit."),
        Column("status", CHOICE, choices=_values(Framework.Status.choices), help="Default draft."),
        *_per_language("tiers", "Tier names, top first, separated by |", LIST),
        Column("is_public", BOOLEAN, help="Readable by every user; default no."),
        Column("on_track_threshold", NUMBER, help="Achievement ratio for on track; default 0.9."),
        Column("at_risk_threshold", NUMBER, help="Achievement ratio for at risk; default 0.6."),
        Column("source", help="Where the framework's text comes from."),
        Column("is_sample", BOOLEAN, help="Sample data; default no."),
    ),
    "Nodes": (
        Column("key", required=True, help="Identifies the row in this workbook; the export writes the outline number."),
        Column("parent", help="Key of the parent node; empty for a top-tier node."),
        Column("tier", INTEGER, help="Optional check: 1 for the top tier, 2 below it, ..."),
        Column("ref_code", help="Official code shown instead of the outline number (e.g. D.1, 17.8)."),
        *_per_language("title", "Title"),
        *_per_language("description", "Description"),
        Column("status_note", help="Data note, e.g. gap."),
        Column("source", help="Where the node's text comes from."),
        Column("is_sample", BOOLEAN, help="Sample data; default no."),
    ),
    "Indicators": (
        Column("node", required=True, help="Key of the node the indicator measures."),
        Column("code", required=True, help="Indicator code, unique within its node."),
        *_per_language("title", "Title"),
        *_per_language("definition", "Definition"),
        Column("measure", CHOICE, choices=_values(Indicator.Measure.choices), help="Default number."),
        Column("unit_label", help="Unit of measure, e.g. countries, people."),
        Column("currency", help="ISO 4217 code for currency indicators, e.g. USD."),
        *_per_language("score_scale", "Qualitative score scale as score=label pairs separated by |", PAIRS),
        Column("numerator_le_denominator", BOOLEAN, help="Percentages: numerator at most denominator; default yes."),
        Column("direction", CHOICE, choices=_values(Indicator.Direction.choices), help="Default increase."),
        Column("time_aggregation", CHOICE, choices=_values(Indicator.TimeAggregation.choices), help="Default sum."),
        Column("unit_aggregation", CHOICE, choices=_values(Indicator.UnitAggregation.choices), help="Default sum."),
        Column("baseline_value", NUMBER, help="Baseline (a score for qualitative indicators)."),
        Column("baseline_date", DATE, help="Date of the baseline."),
        Column("baseline_note"),
        Column("means_of_verification"),
        Column("data_source"),
        Column("collection_frequency", CHOICE, choices=_values(Indicator.Frequency.choices), help="Default annual."),
        Column("responsible_unit", help="Code of the responsible organisational unit."),
        Column("dimensions", LIST, help="Codes of the disaggregation dimensions, separated by |."),
        Column("is_sample", BOOLEAN, help="Sample data; default no."),
    ),
    "Targets": (
        Column("node", help="Key of the indicator's node; needed only when its code is not unique."),
        Column("indicator", required=True, help="Indicator code."),
        Column("period_type", CHOICE, required=True, choices=PERIOD_TYPES),
        Column("period_start", DATE, required=True),
        Column("period_end", DATE, help="May be left empty for calendar periods and the whole cycle."),
        Column("unit", help="Code of the unit the target is for; empty for the whole framework."),
        Column("dimension", help="Dimension code, for a target of one category."),
        Column("category", help="Category code within the dimension."),
        Column("value", NUMBER, help="Target value (quantitative indicators)."),
        Column("score", INTEGER, help="Target score (qualitative indicators)."),
        Column("note"),
        Column("is_sample", BOOLEAN, help="Sample data; default no."),
    ),
    "Values": (
        Column("node", help="Key of the indicator's node; needed only when its code is not unique."),
        Column("indicator", required=True, help="Indicator code."),
        Column("period_type", CHOICE, required=True, choices=PERIOD_TYPES),
        Column("period_start", DATE, required=True),
        Column("period_end", DATE, help="May be left empty for calendar periods and the whole cycle."),
        Column("unit", required=True, help="Code of the reporting unit."),
        Column("dimension", help="Dimension code, for the value of one category."),
        Column("category", help="Category code within the dimension."),
        Column("value", NUMBER, help="The value; computed from numerator and denominator for percentages."),
        Column("numerator", NUMBER, help="Percentages only."),
        Column("denominator", NUMBER, help="Percentages only."),
        Column("score", INTEGER, help="Qualitative indicators only."),
        Column("narrative"),
        Column("status", CHOICE, choices=_values(ActualValue.Status.choices), help="Default draft."),
        Column("is_sample", BOOLEAN, help="Sample data; default no."),
    ),
    "Dimensions": (
        Column("code", required=True, help="Dimension code; an existing dimension is reused."),
        Column("kind", CHOICE, required=True, choices=_values(Dimension.Kind.choices)),
        *_per_language("name", "Name"),
        Column("categories", LIST, required=True, help="Category codes in order, separated by |."),
        *_per_language("categories", "Category names as code=name pairs separated by |", PAIRS),
        Column("exhaustive", BOOLEAN, help="Categories add up to the total; default yes."),
        Column("is_sample", BOOLEAN, help="Sample data; default no."),
    ),
}
#: Sheets an import requires (Dimensions may be left out when the dimensions exist already).
REQUIRED_SHEETS = ("Framework", "Nodes", "Indicators", "Targets", "Values")


# --- errors and the report ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CellError:
    """One problem, located: sheet, Excel row number and column header (any of which may be empty)."""

    sheet: str
    row: int | None
    column: str
    letter: str
    message: str

    @property
    def cell(self) -> str:
        if self.row is None:
            return self.letter
        return f"{self.letter}{self.row}"

    def __str__(self) -> str:
        if not self.sheet:
            return self.message
        where = self.sheet
        if self.row is not None and self.letter:
            where += f"!{self.letter}{self.row}"
        elif self.row is not None:
            where += f" row {self.row}"
        if self.column:
            where += f" ({self.column})"
        return f"{where}: {self.message}"


@dataclass
class ImportReport:
    filename: str
    dry_run: bool = False
    errors: list[CellError] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    framework_code: str = ""
    framework_id: int | None = None
    skipped: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def applied(self) -> bool:
        return self.ok and not self.dry_run

    def add(self, sheet: str, row: int | None, column: str, message: str, letter: str = "") -> None:
        self.errors.append(CellError(sheet, row, column, letter, message))


class _CellProblem(Exception):
    pass


class _Rollback(Exception):
    pass


# --- reading cells --------------------------------------------------------------------------------------------


def _float_text(number: float) -> str:
    return str(int(number)) if number.is_integer() else repr(number)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return _float_text(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _number(value: Any) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise _CellProblem(f"{'TRUE' if value else 'FALSE'} is not a number")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        # repr() is the shortest text that reads back as the same float: the number the cell shows.
        return Decimal(repr(value))
    if isinstance(value, Decimal):
        return value
    if isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            raise _CellProblem(f"'{value.strip()}' is not a number") from None
        if not number.is_finite():
            raise _CellProblem(f"'{value.strip()}' is not a finite number")
        return number
    raise _CellProblem(f"'{_text(value)}' is not a number")


def _integer(value: Any) -> int | None:
    number = _number(value)
    if number is None:
        return None
    if number != number.to_integral_value():
        raise _CellProblem(f"'{_text(value)}' is not a whole number")
    return int(number)


def _date(value: Any) -> dt.date | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, dt.datetime):
        if value.time() != dt.time():
            raise _CellProblem(f"'{value.isoformat()}' has a time of day; give a date")
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            raise _CellProblem(f"'{value.strip()}' is not a date (use a date cell or YYYY-MM-DD)") from None
    raise _CellProblem(f"'{_text(value)}' is not a date (use a date cell or YYYY-MM-DD)")


_TRUE = {"yes", "y", "true", "1", "x"}
_FALSE = {"no", "n", "false", "0"}


def _boolean(value: Any) -> bool | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise _CellProblem(f"'{_text(value)}' is not yes or no")


def _choice(value: Any, choices: tuple[str, ...]) -> str | None:
    text = _text(value)
    if not text:
        return None
    if text.lower() in choices:
        return text.lower()
    raise _CellProblem(f"'{text}' is not one of {', '.join(choices)}")


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(SEPARATOR)] if text else []


def _pairs(text: str) -> list[tuple[str, str]]:
    pairs = []
    for part in _split(text):
        if not part:
            continue
        key, sep, label = part.partition("=")
        if not sep or not key.strip():
            raise _CellProblem(f"'{part}' is not written as key=label")
        pairs.append((key.strip(), label.strip()))
    return pairs


def _parse(column: Column, value: Any) -> Any:
    if column.kind == NUMBER:
        return _number(value)
    if column.kind == INTEGER:
        return _integer(value)
    if column.kind == DATE:
        return _date(value)
    if column.kind == BOOLEAN:
        return _boolean(value)
    if column.kind == CHOICE:
        return _choice(value, column.choices)
    if column.kind == PAIRS:
        return _pairs(_text(value))
    if column.kind == LIST:
        items = _split(_text(value))
        # Tier lists keep empty places (a tier named in another language only); code lists drop them.
        return items if column.name.startswith("tiers_") else [item for item in items if item]
    return _text(value)


# --- reading sheets -------------------------------------------------------------------------------------------


@dataclass
class Row:
    sheet: str
    number: int
    values: dict[str, Any]
    letters: dict[str, str]
    ok: bool = True

    def __getitem__(self, name: str) -> Any:
        return self.values.get(name)


class _Sheet:
    def __init__(self, name: str, letters: dict[str, str], rows: list[Row]) -> None:
        self.name = name
        self.letters = letters
        self.rows = rows


class _Located:
    """Adds errors located on one row of the report."""

    def __init__(self, report: ImportReport) -> None:
        self.report = report

    def __call__(self, row: Row, column: str, message: str) -> None:
        row.ok = False
        self.report.add(row.sheet, row.number, column, message, row.letters.get(column, ""))


def _open(source: Any, name: str, report: ImportReport) -> Workbook | None:
    try:
        if isinstance(source, str | Path):
            data = Path(source).read_bytes()
        elif isinstance(source, bytes):
            data = source
        else:
            data = source.read()
    except OSError as exc:
        report.add("", None, "", f"{name}: cannot be read ({exc.strerror or exc})")
        return None
    if len(data) > MAX_FILE_BYTES:
        report.add("", None, "", f"{name}: the file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
        return None
    if not zipfile.is_zipfile(io.BytesIO(data)):
        report.add(
            "", None, "",
            f"{name}: not an Excel .xlsx workbook (a CSV or an old .xls file must be saved as .xlsx first)",
        )  # fmt: skip
        return None
    try:
        return load_workbook(io.BytesIO(data), data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on damaged archives; all mean the same here
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        report.add("", None, "", f"{name}: a damaged or unsupported .xlsx workbook ({detail})")
        return None


def _read_sheets(book: Workbook, report: ImportReport) -> dict[str, _Sheet] | None:
    """Check sheets and headers (any problem stops here) and read every row's cells into typed values."""
    by_name = {ws.title.strip().lower(): ws for ws in book.worksheets}
    located = _Located(report)
    sheets: dict[str, _Sheet] = {}
    structural = False
    for name, columns in SHEETS.items():
        ws = by_name.get(name.lower())
        if ws is None:
            if name in REQUIRED_SHEETS:
                report.add(name, None, "", f"the sheet {name} is missing")
                structural = True
            continue
        letters, positions, problem = _header(ws, name, columns, report)
        structural = structural or problem
        if problem:
            continue
        rows: list[Row] = []
        for number, cells in enumerate(ws.iter_rows(min_row=2, values_only=True), start=2):
            if number > MAX_ROWS:
                report.add(name, number, "", f"more than {MAX_ROWS} rows")
                structural = True
                break
            if all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in cells):
                continue
            row = Row(name, number, {}, letters)
            for column in columns:
                index = positions.get(column.name)
                raw = cells[index] if index is not None and index < len(cells) else None
                try:
                    value = _parse(column, raw)
                except _CellProblem as exc:
                    located(row, column.name, str(exc))
                    continue
                if column.required and value in (None, "", []):
                    located(row, column.name, "required")
                row.values[column.name] = value
            rows.append(row)
        sheets[name] = _Sheet(name, letters, rows)
    return None if structural else sheets


def _header(
    ws: Worksheet, name: str, columns: tuple[Column, ...], report: ImportReport
) -> tuple[dict[str, str], dict[str, int], bool]:
    known = {column.name for column in columns}
    letters: dict[str, str] = {}
    positions: dict[str, int] = {}
    problem = False
    header = next(ws.iter_rows(min_row=1, max_row=1, values_only=True), ())
    for index, cell in enumerate(header):
        title = _text(cell).lower()
        if not title:
            continue
        letter = get_column_letter(index + 1)
        if title not in known:
            report.add(name, 1, title, f"unknown column '{title}' (see the template's columns)", letter)
            problem = True
        elif title in positions:
            report.add(name, 1, title, f"the column {title} appears twice", letter)
            problem = True
        else:
            letters[title] = letter
            positions[title] = index
    for column in columns:
        if column.required and column.name not in positions:
            report.add(name, 1, column.name, f"the sheet {name} has no column {column.name}")
            problem = True
    return letters, positions, problem


def _translations(row: Row, prefix: str) -> dict[str, str]:
    return {lang: row[f"{prefix}_{lang}"] for lang in CONTENT_LANGUAGES if row[f"{prefix}_{lang}"]}


# --- import: the plan of rows ---------------------------------------------------------------------------------


@dataclass
class _Plan:
    framework: Row
    nodes: list[Row]
    indicators: list[Row]
    targets: list[Row]
    values: list[Row]
    dimensions: list[Row]
    units: dict[str, OrgUnit]
    existing_dimensions: dict[str, Dimension]
    tiers: list[dict[str, str]]
    node_depth: dict[str, int]
    #: The code is taken: the rows are still checked, under a placeholder code, and then rolled back.
    code_taken: bool = False


def _check_rows(sheets: dict[str, _Sheet], report: ImportReport) -> _Plan | None:
    """Cross-row checks that need no write: one framework row, keys, references, units, dimensions."""
    located = _Located(report)
    framework_rows = sheets["Framework"].rows
    if len(framework_rows) != 1:
        report.add("Framework", None, "", f"give exactly one framework row (found {len(framework_rows)})")
        return None
    fw = framework_rows[0]
    nodes, indicators = sheets["Nodes"].rows, sheets["Indicators"].rows
    targets, values = sheets["Targets"].rows, sheets["Values"].rows
    dimensions = sheets["Dimensions"].rows if "Dimensions" in sheets else []

    code_taken = bool(fw["code"]) and Framework.all_objects.filter(code=fw["code"]).exists()
    if code_taken:
        report.add("Framework", fw.number, "code", f"a framework with the code {fw['code']} exists already; an "
                   "import creates a new framework, so give a new code", fw.letters.get("code", ""))  # fmt: skip

    # Units: every code used anywhere, in one query.
    unit_cells: list[tuple[Row, str]] = [(fw, "owner_unit")]
    unit_cells += [(row, "responsible_unit") for row in indicators]
    unit_cells += [(row, "unit") for row in (*targets, *values)]
    codes = {row[name] for row, name in unit_cells if row[name]}
    units = {unit.code: unit for unit in OrgUnit.objects.filter(code__in=codes)} if codes else {}
    for row, name in unit_cells:
        if row[name] and row[name] not in units:
            located(row, name, f"no organisational unit has the code {row[name]}")

    tiers = _tiers(fw, located)

    # Dimensions: defined in the sheet, or existing.
    sheet_dimensions: dict[str, Row] = {}
    for row in dimensions:
        if row["code"] in sheet_dimensions:
            located(row, "code", f"the dimension {row['code']} is defined twice")
        elif row["code"]:
            sheet_dimensions[row["code"]] = row
        _dimension_categories(row, located)
    used = {code for row in indicators for code in (row["dimensions"] or [])}
    used |= {row["dimension"] for row in (*targets, *values) if row["dimension"]}
    wanted = used | set(sheet_dimensions)
    existing = {d.code: d for d in Dimension.objects.filter(code__in=wanted)} if wanted else {}
    known_dimensions = set(existing) | set(sheet_dimensions)
    for row in indicators:
        for code in row["dimensions"] or []:
            if code and code not in known_dimensions:
                located(row, "dimensions", f"unknown dimension {code} (define it on the Dimensions sheet)")
    for row in (*targets, *values):
        if row["dimension"] and row["dimension"] not in known_dimensions:
            located(row, "dimension", f"unknown dimension {row['dimension']} (define it on the Dimensions sheet)")
        if row["category"] and not row["dimension"]:
            located(row, "category", "a category needs its dimension")
    for code, row in sheet_dimensions.items():
        dimension = existing.get(code)
        if dimension is not None and row.ok:
            listed = [c for c in row["categories"] if c]
            if listed != dimension.category_codes or (
                row["exhaustive"] is not None and row["exhaustive"] != dimension.exhaustive
            ):
                located(row, "categories", f"the dimension {code} exists with other categories or another "
                                           f"exhaustive flag ({' | '.join(dimension.category_codes)})")  # fmt: skip

    # Nodes: unique keys, known parents, no cycles, tiers consistent.
    node_rows: dict[str, Row] = {}
    for row in nodes:
        key = row["key"]
        if key in node_rows:
            located(row, "key", f"the key {key} is used twice (first on row {node_rows[key].number})")
        elif key:
            node_rows[key] = row
    depth: dict[str, int] = {}
    for key, row in node_rows.items():
        chain: list[str] = []
        cursor = key
        base: int | None = None
        while True:
            if cursor in depth:
                base = depth[cursor]
                break
            if cursor in chain:
                located(row, "parent", f"the parents of {key} loop back to it")
                break
            chain.append(cursor)
            parent = node_rows[cursor]["parent"]
            if not parent:
                base = -1
                break
            if parent not in node_rows:
                if cursor == key:
                    located(row, "parent", f"no node has the key {parent}")
                break
            cursor = parent
        if base is not None:
            for offset, name in enumerate(reversed(chain)):
                depth[name] = base + 1 + offset
    for key, row in node_rows.items():
        if key in depth and row["tier"] is not None and row["tier"] != depth[key] + 1:
            located(row, "tier", f"the node is at tier {depth[key] + 1} under its parent, not {row['tier']}")

    # Indicators: known nodes, codes unique per node.
    seen_codes: dict[tuple[str, str], Row] = {}
    by_code: dict[str, list[str]] = defaultdict(list)
    for row in indicators:
        if row["node"] and row["node"] not in node_rows:
            located(row, "node", f"no node has the key {row['node']}")
        pair = (row["node"], row["code"])
        if pair in seen_codes:
            located(row, "code", f"the node {row['node']} has the indicator {row['code']} twice "
                                 f"(first on row {seen_codes[pair].number})")  # fmt: skip
        elif row["code"]:
            seen_codes[pair] = row
            by_code[row["code"]].append(row["node"])
    for row in (*targets, *values):
        code, node = row["indicator"], row["node"]
        if not code:
            continue
        if node:
            if (node, code) not in seen_codes:
                located(row, "indicator", f"the node {node} has no indicator {code} on the Indicators sheet")
        elif code not in by_code:
            located(row, "indicator", f"no indicator has the code {code} on the Indicators sheet")
        elif len(by_code[code]) > 1:
            located(row, "node", f"several nodes have an indicator {code}; give the node's key")
    return _Plan(fw, nodes, indicators, targets, values, dimensions, units, existing, tiers, depth, code_taken)


def _tiers(row: Row, located: _Located) -> list[dict[str, str]]:
    lists: dict[str, list[str]] = {
        lang: row[f"tiers_{lang}"] for lang in CONTENT_LANGUAGES if any(row[f"tiers_{lang}"] or [])
    }
    if not lists:
        return []
    count = max(len(names) for names in lists.values())
    for lang, names in lists.items():
        if len(names) != count:
            located(row, f"tiers_{lang}", f"gives {len(names)} tier names where another language gives {count}")
    tiers: list[dict[str, str]] = []
    for index in range(count):
        tier = {lang: lists[lang][index] for lang in lists if index < len(lists[lang]) and lists[lang][index]}
        if not tier:
            located(row, "tiers_en", f"tier {index + 1} has no name in any language")
        tiers.append(tier)
    return tiers


def _dimension_categories(row: Row, located: _Located) -> list[dict[str, Any]]:
    codes = [code for code in row["categories"] or [] if code]
    names: dict[str, dict[str, str]] = {code: {} for code in codes}
    for lang in CONTENT_LANGUAGES:
        for code, label in row[f"categories_{lang}"] or []:
            if code not in names:
                located(row, f"categories_{lang}", f"{code} is not one of the categories {' | '.join(codes)}")
            elif label:
                names[code][lang] = label
    return [{"code": code, "name": names[code]} for code in codes]


def _score_scale(row: Row, located: _Located) -> list[dict[str, Any]]:
    labels: dict[int, dict[str, str]] = {}
    for lang in CONTENT_LANGUAGES:
        for key, label in row[f"score_scale_{lang}"] or []:
            try:
                score = int(key)
            except ValueError:
                located(row, f"score_scale_{lang}", f"the score '{key}' is not a whole number")
                continue
            labels.setdefault(score, {})
            if label:
                labels[score][lang] = label
    return [{"score": score, "label": labels[score]} for score in sorted(labels)]


# --- import: applying through the services --------------------------------------------------------------------

_FIELD_COLUMNS: dict[str, dict[str, str]] = {
    "Framework": {"name": "name_en", "description": "description_en", "tiers": "tiers_en"},
    "Nodes": {"title": "title_en", "description": "description_en", "parent": "parent", "framework": "key"},
    "Indicators": {
        "title": "title_en",
        "definition": "definition_en",
        "score_scale": "score_scale_en",
        "dimension_codes": "dimensions",
        "framework": "node",
    },
    "Targets": {"framework": "indicator"},
    "Values": {"framework": "indicator"},
    "Dimensions": {"name": "name_en", "categories": "categories"},
}


def _service_error(located: _Located, row: Row, exc: Exception) -> None:
    columns = {column.name for column in SHEETS[row.sheet]}
    mapping = _FIELD_COLUMNS.get(row.sheet, {})
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        for name, messages in exc.message_dict.items():
            column = mapping.get(name, name if name in columns else "")
            for message in messages:
                prefix = "" if column or name == NON_FIELD_ERRORS else f"{name}: "
                located(row, column, prefix + message)
    elif isinstance(exc, ValidationError):
        for message in exc.messages:
            located(row, "", message)
    else:
        located(row, "", str(exc))


def _attempt(located: _Located, row: Row, call: Callable[[], Any]) -> Any:
    """Run one service call; a refusal becomes a located error and None (its savepoint is rolled back)."""
    try:
        return call()
    except (ValidationError, OrbitError) as exc:
        _service_error(located, row, exc)
    except DatabaseError as exc:
        located(row, "", f"the database refused the row ({str(exc).strip().splitlines()[0]})")
    return None


def _given(row: Row, names: Iterable[str]) -> dict[str, Any]:
    """The values of ``names`` that the row gives (so that model defaults apply to the others)."""
    return {name: row[name] for name in names if row[name] is not None}


def _period(row: Row, framework: Framework, located: _Located) -> tuple[dt.date, dt.date] | None:
    start, end, kind = row["period_start"], row["period_end"], row["period_type"]
    if start is None or kind is None:
        return None
    if end is None:
        if kind == PeriodType.CYCLE:
            end = framework.cycle_end
        elif kind == PeriodType.CUSTOM:
            located(row, "period_end", "a custom period needs its end date")
            return None
        else:
            end = calendar_period_end(kind, start)
            if end is None:
                located(row, "period_start", f"{start} does not start a calendar {PeriodType(kind).label.lower()}")
                return None
    return start, end


def _apply(plan: _Plan, actor: Any, report: ImportReport) -> None:
    located = _Located(report)
    fw_row = plan.framework
    counts: dict[str, int] = defaultdict(int)

    # Dimensions that do not exist yet.
    dimensions = dict(plan.existing_dimensions)
    for row in plan.dimensions:
        if not row.ok or row["code"] in dimensions:
            continue
        categories = _dimension_categories(row, located)
        values = {"code": row["code"], "kind": row["kind"], "name": _translations(row, "name"),
                  "categories": categories, **_given(row, ("exhaustive", "is_sample"))}  # fmt: skip
        created = _attempt(located, row, partial(services.dimension_create, actor=actor, **values))
        if created is not None:
            dimensions[created.code] = created
            counts["dimensions"] += 1

    if not fw_row.ok:
        report.skipped += len(plan.nodes) + len(plan.indicators) + len(plan.targets) + len(plan.values)
        return
    wanted_status = fw_row["status"] or Framework.Status.DRAFT
    fw_values = {
        "code": f"import-check-{uuid.uuid4().hex[:12]}" if plan.code_taken else fw_row["code"],
        "name": _translations(fw_row, "name"),
        "description": _translations(fw_row, "description"),
        "cycle_start": fw_row["cycle_start"],
        "cycle_end": fw_row["cycle_end"],
        "tiers": plan.tiers,
        # A closed framework takes no nodes or values: it is closed once everything is in.
        "status": Framework.Status.DRAFT if wanted_status == Framework.Status.CLOSED else wanted_status,
        "source": fw_row["source"],
        **_given(fw_row, ("kind", "is_public", "on_track_threshold", "at_risk_threshold", "is_sample")),
    }
    owner = plan.units[fw_row["owner_unit"]]
    framework = _attempt(
        located, fw_row, partial(services.framework_create, actor=actor, owner_unit=owner, **fw_values)
    )
    if framework is None:
        report.skipped += len(plan.nodes) + len(plan.indicators) + len(plan.targets) + len(plan.values)
        return
    report.framework_code, report.framework_id = framework.code, framework.pk
    counts["frameworks"] += 1

    # Nodes, parents first; siblings keep the order of their rows.
    created_nodes: dict[str, ResultNode] = {}
    ordered = sorted(
        (row for row in plan.nodes if row["key"] in plan.node_depth),
        key=lambda row: (plan.node_depth[row["key"]], row.number),
    )
    for row in ordered:
        parent_key = row["parent"] or None
        if not row.ok or (parent_key is not None and parent_key not in created_nodes):
            report.skipped += 1
            continue
        parent = created_nodes.get(parent_key) if parent_key else None
        node_values = {
            "title": _translations(row, "title"),
            "description": _translations(row, "description"),
            "ref_code": row["ref_code"],
            "status_note": row["status_note"],
            "source": row["source"],
            **_given(row, ("is_sample",)),
        }
        node = _attempt(
            located, row, partial(services.node_create, actor=actor, framework=framework, parent=parent, **node_values)
        )
        if node is not None:
            created_nodes[row["key"]] = node
            counts["nodes"] += 1
    report.skipped += sum(1 for row in plan.nodes if row["key"] not in plan.node_depth)

    # Indicators.
    created_indicators: dict[tuple[str, str], Indicator] = {}
    by_code: dict[str, list[Indicator]] = defaultdict(list)
    for row in plan.indicators:
        node = created_nodes.get(row["node"])
        scale = _score_scale(row, located)
        if not row.ok or node is None:
            report.skipped += 1
            continue
        indicator_values = {
            "code": row["code"],
            "title": _translations(row, "title"),
            "definition": _translations(row, "definition"),
            "unit_label": row["unit_label"],
            "currency": row["currency"],
            "score_scale": scale,
            "baseline_value": row["baseline_value"],
            "baseline_date": row["baseline_date"],
            "baseline_note": row["baseline_note"],
            "means_of_verification": row["means_of_verification"],
            "data_source": row["data_source"],
            "responsible_unit": plan.units.get(row["responsible_unit"]) if row["responsible_unit"] else None,
            "dimension_codes": [code for code in row["dimensions"] if code],
            **_given(row, ("measure", "numerator_le_denominator", "direction", "time_aggregation",
                           "unit_aggregation", "collection_frequency", "is_sample")),
        }  # fmt: skip
        indicator = _attempt(
            located, row, partial(services.indicator_create, actor=actor, node=node, **indicator_values)
        )
        if indicator is not None:
            created_indicators[(row["node"], row["code"])] = indicator
            by_code[row["code"]].append(indicator)
            counts["indicators"] += 1

    def indicator_of(row: Row) -> Indicator | None:
        if row["node"]:
            return created_indicators.get((row["node"], row["indicator"]))
        found = by_code.get(row["indicator"], [])
        return found[0] if len(found) == 1 else None

    def common(row: Row) -> dict[str, Any] | None:
        period = _period(row, framework, located)
        if period is None or not row.ok:
            return None
        return {
            "period_type": row["period_type"],
            "period_start": period[0],
            "period_end": period[1],
            "dimension": dimensions.get(row["dimension"]) if row["dimension"] else None,
            "category": row["category"],
            **_given(row, ("is_sample",)),
        }

    for row in plan.targets:
        indicator = indicator_of(row)
        base = common(row)
        if base is None or indicator is None:
            report.skipped += 1
            continue
        target_values = {
            **base,
            "unit": plan.units.get(row["unit"]) if row["unit"] else None,
            "value": row["value"],
            "score": row["score"],
            "note": row["note"],
        }
        target = _attempt(
            located, row, partial(services.target_create, actor=actor, indicator=indicator, **target_values)
        )
        if target is not None:
            counts["targets"] += 1

    for row in plan.values:
        indicator = indicator_of(row)
        base = common(row)
        if base is None or indicator is None or row["unit"] not in plan.units:
            report.skipped += 1
            continue
        percentage = indicator.measure == Indicator.Measure.PERCENTAGE
        actual_values = {
            **base,
            # A percentage's value is computed from its numerator and denominator.
            "value": None if percentage and row["numerator"] is not None else row["value"],
            "numerator": row["numerator"],
            "denominator": row["denominator"],
            "score": row["score"],
            "narrative": row["narrative"],
        }
        unit = plan.units[row["unit"]]
        actual = _attempt(
            located, row, partial(services.actual_create, actor=actor, indicator=indicator, unit=unit, **actual_values)
        )
        if actual is None:
            continue
        counts["values"] += 1
        status = row["status"]
        if status and status != actual.status:
            update = partial(
                services.actual_update, actor=actor, actual=actual, expected_version=actual.version, status=status
            )
            _attempt(located, row, update)

    if wanted_status == Framework.Status.CLOSED and not report.errors:
        close = partial(
            services.framework_update,
            actor=actor, framework=framework, expected_version=framework.version, status=wanted_status,
        )  # fmt: skip
        _attempt(located, fw_row, close)
    report.counts = dict(counts)


def import_workbook(
    source: str | Path | bytes | IO[bytes], *, actor: Any, dry_run: bool = False, reason: str = "", filename: str = ""
) -> ImportReport:
    """Check the whole workbook and, when it has no error and this is not a dry run, create its framework.

    Writes go through the results services as ``actor``, recorded with the audit source ``import``.
    Nothing is applied unless every row is valid.
    """
    name = filename or (Path(source).name if isinstance(source, str | Path) else "the workbook")
    report = ImportReport(filename=name, dry_run=dry_run)
    book = _open(source, name, report)
    if book is None:
        return report
    try:
        sheets = _read_sheets(book, report)
    finally:
        book.close()
    if sheets is None:
        return report
    plan = _check_rows(sheets, report)
    if plan is None:
        return report
    outer = current()
    with audit_context(source="import", request_id=outer.request_id or None, reason=reason or outer.reason):
        try:
            with transaction.atomic():
                _apply(plan, actor, report)
                if report.errors or dry_run:
                    raise _Rollback
        except _Rollback:
            if report.errors:
                report.counts = {}
                report.framework_id = None
    report.errors.sort(key=_error_order)
    return report


_SHEET_ORDER = {name: index for index, name in enumerate(SHEETS)}


def _error_order(error: CellError) -> tuple[int, int, int]:
    columns = [column.name for column in SHEETS.get(error.sheet, ())]
    column = columns.index(error.column) if error.column in columns else -1
    return (_SHEET_ORDER.get(error.sheet, -1), error.row or 0, column)


# --- export ---------------------------------------------------------------------------------------------------


def _number_cell(value: Decimal | None) -> int | float | str | None:
    """A number cell holding exactly ``value``; text when a spreadsheet number (a double) cannot hold it."""
    if value is None:
        return None
    if value == value.to_integral_value() and abs(value) < 10**15:
        return int(value)
    as_float = float(value)
    if Decimal(repr(as_float)) == value:
        return as_float
    return format(value.normalize(), "f")


def _join(items: Iterable[str]) -> str | None:
    text = f" {SEPARATOR} ".join(items)
    return text or None


def _lang_cells(prefix: str, text: dict[str, str] | None) -> dict[str, str | None]:
    text = text or {}
    return {f"{prefix}_{lang}": text.get(lang) or None for lang in CONTENT_LANGUAGES}


def _blank(text: str) -> str | None:
    return text or None


def _framework_row(framework: Framework) -> dict[str, Any]:
    tiers: list[dict[str, str]] = [t for t in framework.tiers if isinstance(t, dict)]
    tier_cells = {
        f"tiers_{lang}": (_join(t.get(lang, "") for t in tiers) if any(t.get(lang) for t in tiers) else None)
        for lang in CONTENT_LANGUAGES
    }
    return {
        "code": framework.code,
        **_lang_cells("name", framework.name),
        **_lang_cells("description", framework.description),
        "kind": framework.kind,
        "cycle_start": framework.cycle_start,
        "cycle_end": framework.cycle_end,
        "owner_unit": framework.owner_unit.code,
        "status": framework.status,
        **tier_cells,
        "is_public": framework.is_public,
        "on_track_threshold": _number_cell(framework.on_track_threshold),
        "at_risk_threshold": _number_cell(framework.at_risk_threshold),
        "source": _blank(framework.source),
        "is_sample": framework.is_sample,
    }


def _pair_cells(prefix: str, items: list[tuple[str, dict[str, str]]]) -> dict[str, str | None]:
    return {
        f"{prefix}_{lang}": _join(f"{key}={labels[lang]}" for key, labels in items if labels.get(lang))
        for lang in CONTENT_LANGUAGES
    }


def framework_workbook(user: Any, framework: Framework) -> Workbook:
    """The framework's active nodes, indicators, targets and values as a workbook, in a fixed number of queries."""
    nodes = list(_node_query(user, framework))
    numbers = {node.pk: node.number for node in nodes}
    indicators = list(
        selectors.indicator_restrict(user)
        .filter(node__framework=framework, node__archived_at__isnull=True)
        .order_by("node__path", "position", "code", "pk")
    )
    order = {indicator.pk: index for index, indicator in enumerate(indicators)}
    by_id = {indicator.pk: indicator for indicator in indicators}
    scope = {"indicator__node__framework": framework, "indicator__archived_at__isnull": True,
             "indicator__node__archived_at__isnull": True}  # fmt: skip
    targets = list(selectors.target_restrict(user).filter(**scope))
    actuals = list(selectors.actual_restrict(user).filter(**scope))

    def period_key(row: Target | ActualValue) -> tuple[Any, ...]:
        return (
            order[row.indicator_id], row.period_start, row.period_end, row.period_type,
            row.unit.code if row.unit is not None else "",
            row.dimension.code if row.dimension is not None else "", row.category, row.pk,
        )  # fmt: skip

    targets.sort(key=period_key)
    actuals.sort(key=period_key)
    dimension_codes = {code for indicator in indicators for code in indicator.dimension_codes or []}
    dimension_codes |= {row.dimension.code for row in (*targets, *actuals) if row.dimension is not None}
    dimensions = list(Dimension.objects.filter(code__in=sorted(dimension_codes))) if dimension_codes else []

    def reference(row: Target | ActualValue) -> dict[str, Any]:
        indicator = by_id[row.indicator_id]
        return {
            "node": numbers.get(indicator.node_id or 0),
            "indicator": indicator.code,
            "period_type": row.period_type,
            "period_start": row.period_start,
            "period_end": row.period_end,
            "unit": row.unit.code if row.unit is not None else None,
            "dimension": row.dimension.code if row.dimension is not None else None,
            "category": _blank(row.category),
        }

    data: dict[str, list[dict[str, Any]]] = {
        "Framework": [_framework_row(framework)],
        "Nodes": [
            {
                "key": node.number,
                "parent": numbers.get(node.parent_id) if node.parent_id else None,
                "tier": node.tier + 1,
                "ref_code": _blank(node.ref_code),
                **_lang_cells("title", node.title),
                **_lang_cells("description", node.description),
                "status_note": _blank(node.status_note),
                "source": _blank(node.source),
                "is_sample": node.is_sample,
            }
            for node in nodes
        ],
        "Indicators": [
            {
                "node": numbers.get(indicator.node_id or 0),
                "code": indicator.code,
                **_lang_cells("title", indicator.title),
                **_lang_cells("definition", indicator.definition),
                "measure": indicator.measure,
                "unit_label": _blank(indicator.unit_label),
                "currency": _blank(indicator.currency),
                **_pair_cells(
                    "score_scale",
                    [(str(item["score"]), dict(item.get("label") or {})) for item in indicator.score_scale or []],
                ),
                "numerator_le_denominator": indicator.numerator_le_denominator,
                "direction": indicator.direction,
                "time_aggregation": indicator.time_aggregation,
                "unit_aggregation": indicator.unit_aggregation,
                "baseline_value": _number_cell(indicator.baseline_value),
                "baseline_date": indicator.baseline_date,
                "baseline_note": _blank(indicator.baseline_note),
                "means_of_verification": _blank(indicator.means_of_verification),
                "data_source": _blank(indicator.data_source),
                "collection_frequency": indicator.collection_frequency,
                "responsible_unit": indicator.responsible_unit.code if indicator.responsible_unit else None,
                "dimensions": _join(indicator.dimension_codes or []),
                "is_sample": indicator.is_sample,
            }
            for indicator in indicators
        ],
        "Targets": [
            {
                **reference(target),
                "value": _number_cell(target.value),
                "score": target.score,
                "note": _blank(target.note),
                "is_sample": target.is_sample,
            }
            for target in targets
        ],
        "Values": [
            {
                **reference(actual),
                "value": _number_cell(actual.value),
                "numerator": _number_cell(actual.numerator),
                "denominator": _number_cell(actual.denominator),
                "score": actual.score,
                "narrative": _blank(actual.narrative),
                "status": actual.status,
                "is_sample": actual.is_sample,
            }
            for actual in actuals
        ],
        "Dimensions": [
            {
                "code": dimension.code,
                "kind": dimension.kind,
                **_lang_cells("name", dimension.name),
                "categories": _join(dimension.category_codes),
                **_pair_cells(
                    "categories",
                    [
                        (str(c.get("code")), dict(c.get("name") or {}))
                        for c in dimension.categories
                        if isinstance(c, dict)
                    ],
                ),
                "exhaustive": dimension.exhaustive,
                "is_sample": dimension.is_sample,
            }
            for dimension in dimensions
        ],
    }
    return _write(data)


def _node_query(user: Any, framework: Framework) -> Any:
    return selectors.node_restrict(user).filter(framework=framework).order_by("path")


def blank_workbook() -> Workbook:
    """The empty template: every sheet with its header row."""
    return _write({name: [] for name in SHEETS})


def _write(data: dict[str, list[dict[str, Any]]]) -> Workbook:
    return write_workbook(SHEETS, data)


def write_workbook(
    sheets: dict[str, tuple[Column, ...]],
    data: dict[str, list[dict[str, Any]]],
    *,
    list_choices: Callable[[Iterable[str]], str | None] | None = None,
) -> Workbook:
    """A workbook of ``sheets`` (header row, then one row per record of ``data``), typed cells, drop-down
    lists for choices, and a Guide sheet documenting every column; shared by every Excel template."""
    list_choices = list_choices or _join
    book = Workbook()
    book.remove(book.active)
    bold = Font(bold=True)
    for name, columns in sheets.items():
        ws = book.create_sheet(name)
        ws.append([column.name for column in columns])
        for cell in ws[1]:
            cell.font = bold
        for record in data.get(name, []):
            ws.append([record.get(column.name) for column in columns])
        ws.freeze_panes = "A2"
        for index, column in enumerate(columns, start=1):
            letter = get_column_letter(index)
            ws.column_dimensions[letter].width = max(12, min(40, len(column.name) + 4))
            if column.kind == DATE:
                for (cell,) in ws.iter_rows(min_row=2, min_col=index, max_col=index):
                    cell.number_format = "yyyy-mm-dd"
            if column.kind == CHOICE:
                listing = DataValidation(type="list", formula1=f'"{",".join(column.choices)}"', allow_blank=True)
                listing.add(f"{letter}2:{letter}{max(1000, ws.max_row)}")
                ws.add_data_validation(listing)
    guide = book.create_sheet("Guide")
    guide.append(["sheet", "column", "type", "required", "allowed values", "meaning"])
    for cell in guide[1]:
        cell.font = bold
    for name, columns in sheets.items():
        for column in columns:
            guide.append([name, column.name, column.kind, "yes" if column.required else None,
                          list_choices(column.choices), column.help or None])  # fmt: skip
    for letter, width in zip("ABCDEF", (12, 24, 10, 9, 40, 70), strict=True):
        guide.column_dimensions[letter].width = width
    return book


def workbook_bytes(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def export_framework(user: Any, framework: Framework) -> bytes:
    return workbook_bytes(framework_workbook(user, framework))
