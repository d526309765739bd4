"""The Excel workbook of the operational plan: activities, their milestones and budget lines.

One template (``docs/excel-template.md``, section *Operational plan*), written by the export and read by the
import; :data:`SHEETS` is its single definition.  Cells are read with the same rules as the results
framework's workbook (:mod:`orbit.results.excel`): numbers must be numbers, dates real dates or ISO text,
every problem is reported as ``sheet!cell (column): message``.

The import checks the whole workbook first (cell types, codes of units, result nodes, SDG targets,
regional initiatives and countries, and each row against the models' own rules), then writes every row
through the planning services as the importing user inside one transaction.  If anything is wrong, or on a
dry run, the transaction is rolled back: nothing is applied, audit events included.  Activities are matched
by code: a new code creates an activity, an existing one is updated through :func:`activity_update` when
its content differs and is otherwise left alone (reported as unchanged), so importing the same file twice
changes nothing.  Milestones and budget lines are matched within their activity: an identical row is
unchanged, a row with the same title (milestones) or the same source, year and currency (budget lines) is
updated, any other row is added.  An import never archives anything.
"""

from __future__ import annotations

import copy
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import IO, Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import DatabaseError, models, transaction
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from orbit.core.codes import country_codes
from orbit.core.context import audit_context, current
from orbit.core.errors import OrbitError
from orbit.core.i18n import CONTENT_LANGUAGES, normalise_language
from orbit.organisation.models import OrgUnit
from orbit.organisation.models.units import code_validator
from orbit.planning import selectors, services
from orbit.planning.models import (
    Activity,
    ActivityStatus,
    ActivityType,
    BudgetLine,
    FundingSource,
    ItuRegion,
    Milestone,
    RegionalInitiative,
)
from orbit.planning.models.budget import DEFAULT_CURRENCY
from orbit.results.excel import (
    BOOLEAN,
    CHOICE,
    DATE,
    INTEGER,
    MAX_ROWS,
    NUMBER,
    TEXT,
    CellError,
    Column,
    ImportReport,
    Row,
    _boolean,
    _CellProblem,
    _choice,
    _date,
    _integer,
    _number,
    _number_cell,
    _open,
    _text,
    workbook_bytes,
    write_workbook,
)
from orbit.results.models import Framework, ResultNode

#: Kinds of column beyond the framework workbook's: codes separated by commas, names by semicolons.
CODES, NAMES = "codes", "names"
CODE_SEPARATOR, NAME_SEPARATOR = ",", ";"
#: Separates a framework's code from a node's code in a result reference (``BDT-OP-SAMPLE:1.2``).
REFERENCE_SEPARATOR = ":"


def _per_language(prefix: str, help_text: str) -> list[Column]:
    return [Column(f"{prefix}_{lang}", TEXT, help=f"{help_text} ({lang})") for lang in CONTENT_LANGUAGES]


def _values(choices: Iterable[tuple[str, Any]]) -> tuple[str, ...]:
    return tuple(value for value, _label in choices)


SHEETS: dict[str, tuple[Column, ...]] = {
    "Activities": (
        Column("code", required=True, help="Activity code; an existing code updates that activity."),
        *_per_language("title", "Title"),
        *_per_language("description", "Description"),
        Column("type", CHOICE, choices=_values(ActivityType.choices), help="Default project."),
        Column("responsible_unit", required=True, help="Code of the responsible organisational unit."),
        Column("contributing_units", CODES, help="Codes of contributing units, separated by commas."),
        Column("results", CODES, help="Result nodes served, as FRAMEWORK:node (ref code or outline number)."),
        Column("sdg_targets", CODES, help="SDG targets, e.g. 17.8 (or FRAMEWORK:17.8), separated by commas."),
        Column("initiatives", CODES, help="Codes of regional initiatives, separated by commas."),
        Column("countries", CODES, help="ISO 3166-1 alpha-2 country codes, separated by commas."),
        Column("regions", CODES, help="ITU region codes (AFR, AMS, ARB, ASP, CIS, EUR), separated by commas."),
        Column("partners", NAMES, help="Partner organisations, separated by semicolons."),
        Column("planned_start", DATE),
        Column("planned_end", DATE),
        Column("actual_start", DATE),
        Column("actual_end", DATE),
        Column("status", CHOICE, choices=_values(ActivityStatus.choices), help="Default planned."),
        Column("status_reason", help="Required when the status is delayed or cancelled."),
        Column("is_sample", BOOLEAN, help="Sample data; default no."),
    ),
    "Milestones": (
        Column("activity", required=True, help="Code of the activity."),
        *_per_language("title", "Title"),
        Column("due_date", DATE, required=True),
        Column("done_date", DATE),
    ),
    "Budget": (
        Column("activity", required=True, help="Code of the activity."),
        Column("source", CHOICE, required=True, choices=_values(FundingSource.choices)),
        Column("year", INTEGER, required=True, help="Budget year, e.g. 2025."),
        Column("currency", help=f"ISO 4217 code; default {DEFAULT_CURRENCY}."),
        Column("planned", NUMBER, help="Amount planned; default 0."),
        Column("committed", NUMBER, help="Amount committed; default 0."),
        Column("spent", NUMBER, help="Amount spent; default 0."),
        Column("note"),
        Column("is_sample", BOOLEAN, help="Sample data; default no."),
    ),
}
REQUIRED_SHEETS = ("Activities",)

#: Model fields → the column a service's complaint about them is shown in.
_FIELD_COLUMNS: dict[str, dict[str, str]] = {
    "Activities": {"title": "title_en", "description": "description_en", "nodes": "results"},
    "Milestones": {"title": "title_en"},
    "Budget": {},
}
_PLAIN_FIELDS = (
    "code", "title", "description", "type", "responsible_unit", "countries", "regions", "partners",
    "planned_start", "planned_end", "actual_start", "actual_end", "status", "status_reason", "is_sample",
)  # fmt: skip
#: Relation → its column.
_RELATIONS = {"contributing_units": "contributing_units", "nodes": "results", "sdg_targets": "sdg_targets",
              "initiatives": "initiatives"}  # fmt: skip
_BUDGET_FIELDS = ("source", "year", "currency", "planned", "committed", "spent", "note", "is_sample")


# --- the report -----------------------------------------------------------------------------------------------


@dataclass
class ActivityImportReport(ImportReport):
    """Errors located by sheet, row and column; counts of what was (or, on a dry run, would be) done."""

    done: Counter[str] = field(default_factory=Counter)

    def summary(self) -> str:
        parts = []
        for noun, plural in (("activity", "activities"), ("milestone", "milestones"), ("budget_line", "budget lines")):
            created, updated, unchanged = (self.done[f"{noun}.{what}"] for what in ("created", "updated", "unchanged"))
            parts.append(f"{plural}: {created} created, {updated} updated, {unchanged} unchanged")
        return "; ".join(parts)


class _Rollback(Exception):
    pass


class _Located:
    """Adds errors located on a row, at most one per row, column and message."""

    def __init__(self, report: ActivityImportReport) -> None:
        self.report = report
        self.seen: set[tuple[str, int, str, str]] = set()
        self.columns: dict[tuple[str, int], set[str]] = defaultdict(set)

    def __call__(self, row: Row, column: str, message: str) -> None:
        row.ok = False
        key = (row.sheet, row.number, column, message)
        if key in self.seen:
            return
        self.seen.add(key)
        self.columns[(row.sheet, row.number)].add(column)
        self.report.add(row.sheet, row.number, column, message, row.letters.get(column, ""))

    def has(self, row: Row, column: str) -> bool:
        return column in self.columns.get((row.sheet, row.number), set())


# --- reading --------------------------------------------------------------------------------------------------


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
    if column.kind in (CODES, NAMES):
        separator = CODE_SEPARATOR if column.kind == CODES else NAME_SEPARATOR
        return [part.strip() for part in _text(value).split(separator) if part.strip()]
    return _text(value)


def _header_name(title: str, known: set[str]) -> str | None:
    """The column a header names: its own name, or ``prefix_<lang>`` with any spelling of the language."""
    if title in known:
        return title
    prefix, _sep, suffix = title.rpartition("_")
    lang = normalise_language(suffix) if prefix else None
    name = f"{prefix}_{lang}"
    return name if lang and name in known else None


@dataclass
class _Sheet:
    rows: list[Row]
    present: set[str]


def _read_sheets(book: Workbook, report: ActivityImportReport) -> dict[str, _Sheet] | None:
    """Check sheets and headers (any problem stops here) and read every row's cells into typed values."""
    by_name = {ws.title.strip().lower(): ws for ws in book.worksheets}
    sheets: dict[str, _Sheet] = {}
    located = _Located(report)
    structural = False
    for name, columns in SHEETS.items():
        ws = by_name.get(name.lower())
        if ws is None:
            if name in REQUIRED_SHEETS:
                report.add(name, None, "", f"the sheet {name} is missing")
                structural = True
            continue
        known = {column.name for column in columns}
        letters: dict[str, str] = {}
        positions: dict[str, int] = {}
        header = next(ws.iter_rows(min_row=1, max_row=1, values_only=True), ())
        for index, cell in enumerate(header):
            title = _text(cell).lower()
            if not title:
                continue
            letter = get_column_letter(index + 1)
            column_name = _header_name(title, known)
            if column_name is None:
                report.add(name, 1, title, f"unknown column '{title}' (see the template's columns)", letter)
                structural = True
            elif column_name in positions:
                report.add(name, 1, column_name, f"the column {column_name} appears twice", letter)
                structural = True
            else:
                letters[column_name], positions[column_name] = letter, index
        missing = [c.name for c in columns if c.required and c.name not in positions]
        for column_name in missing:
            report.add(name, 1, column_name, f"the sheet {name} has no column {column_name}")
        if missing or structural:
            structural = True
            continue
        rows: list[Row] = []
        for number, cells in enumerate(ws.iter_rows(min_row=2, values_only=True), start=2):
            if number > MAX_ROWS:
                report.add(name, number, "", f"more than {MAX_ROWS} rows")
                return None
            if all(cell is None or (isinstance(cell, str) and not cell.strip()) for cell in cells):
                continue
            row = Row(name, number, {}, letters)
            for column in columns:
                at = positions.get(column.name)
                raw = cells[at] if at is not None and at < len(cells) else None
                try:
                    value = _parse(column, raw)
                except _CellProblem as exc:
                    located(row, column.name, str(exc))
                    continue
                if column.required and value in (None, "", []):
                    located(row, column.name, "required")
                row.values[column.name] = value
            rows.append(row)
        sheets[name] = _Sheet(rows, set(positions))
    return None if structural else sheets


# --- checking references --------------------------------------------------------------------------------------


def _node_label_maps(framework_ids: Iterable[int]) -> dict[int, tuple[dict[str, list[int]], dict[str, int]]]:
    """Per framework: active nodes by ref code (a list: codes may repeat) and by outline number."""
    maps: dict[int, tuple[dict[str, list[int]], dict[str, int]]] = {}
    rows = ResultNode.objects.filter(framework_id__in=list(framework_ids)).values_list(
        "framework_id", "pk", "ref_code", "number"
    )
    for framework_id, pk, ref_code, number in rows:
        by_ref, by_number = maps.setdefault(framework_id, ({}, {}))
        if ref_code:
            by_ref.setdefault(ref_code, []).append(pk)
        by_number[number] = pk
    return maps


def _find_node(maps: tuple[dict[str, list[int]], dict[str, int]], label: str) -> int | str | None:
    """The node a label names (its ref code, else its outline number); a message when it names several."""
    by_ref, by_number = maps
    if label in by_ref:
        if len(by_ref[label]) > 1:
            return "several nodes have that code"
        return by_ref[label][0]
    return by_number.get(label)


class _References:
    """Every code the workbook uses, resolved in a few queries."""

    def __init__(self, sheets: dict[str, _Sheet]) -> None:
        activities = sheets["Activities"].rows
        children = [row for name in ("Milestones", "Budget") if name in sheets for row in sheets[name].rows]
        unit_codes = {row["responsible_unit"] for row in activities if row["responsible_unit"]}
        unit_codes |= {code for row in activities for code in row["contributing_units"] or []}
        self.units = {u.code: u for u in OrgUnit.all_objects.filter(code__in=unit_codes)}
        framework_codes = {
            ref.partition(REFERENCE_SEPARATOR)[0]
            for row in activities
            for ref in (row["results"] or []) + (row["sdg_targets"] or [])
            if REFERENCE_SEPARATOR in ref
        }
        self.frameworks = {f.code: f for f in Framework.objects.filter(code__in=framework_codes)}
        goals = list(Framework.objects.filter(kind=Framework.Kind.GLOBAL_GOALS))
        self.goal_ids = {f.pk for f in goals}
        self.nodes = _node_label_maps({f.pk for f in self.frameworks.values()} | self.goal_ids)
        initiative_codes = {code for row in activities for code in row["initiatives"] or []}
        self.initiatives = {i.code: i for i in RegionalInitiative.all_objects.filter(code__in=initiative_codes)}
        activity_codes = {row["code"] for row in activities if row["code"]}
        activity_codes |= {row["activity"] for row in children if row["activity"]}
        found = Activity.all_objects.filter(code__in=activity_codes).select_related("responsible_unit")
        pks_only = {
            "nodes": ResultNode.objects.only("id"),
            "sdg_targets": ResultNode.objects.only("id"),
            "contributing_units": OrgUnit.objects.only("id"),
            "initiatives": RegionalInitiative.objects.only("id"),
        }
        found = found.prefetch_related(*(models.Prefetch(name, queryset=qs) for name, qs in pks_only.items()))
        self.activities = {a.code: a for a in found}
        #: The active milestones and budget lines of those activities, by activity.
        self.milestones: dict[int, list[Milestone]] = defaultdict(list)
        for milestone in Milestone.objects.filter(activity__in=found.values("pk")).order_by("due_date", "id"):
            self.milestones[milestone.activity_id].append(milestone)
        self.budget_lines: dict[int, list[BudgetLine]] = defaultdict(list)
        for line in BudgetLine.objects.filter(activity__in=found.values("pk")).order_by("year", "source", "id"):
            self.budget_lines[line.activity_id].append(line)
        self.countries = country_codes()
        self.node_objects: dict[int, ResultNode] = {}

    def load_nodes(self, pks: set[int]) -> None:
        self.node_objects = {n.pk: n for n in ResultNode.objects.filter(pk__in=pks).select_related("framework")}

    def result(self, ref: str) -> int | str:
        """The node of ``FRAMEWORK:node``, or what is wrong with the reference."""
        framework_code, sep, label = ref.partition(REFERENCE_SEPARATOR)
        if not sep or not framework_code or not label.strip():
            return f"'{ref}' is not a result reference (write FRAMEWORK:node, e.g. BDT-OP-SAMPLE:1.2)"
        framework = self.frameworks.get(framework_code)
        if framework is None:
            return f"no results framework has the code {framework_code}"
        found = _find_node(self.nodes.get(framework.pk, ({}, {})), label.strip())
        if found is None:
            return f"the framework {framework_code} has no node {label.strip()}"
        if isinstance(found, str):
            return f"{ref}: {found}; give its outline number"
        return found

    def sdg_target(self, ref: str) -> int | str:
        framework_code, sep, label = ref.rpartition(REFERENCE_SEPARATOR)
        if sep:
            framework = self.frameworks.get(framework_code)
            if framework is None or framework.pk not in self.goal_ids:
                return f"no global goals framework has the code {framework_code}"
            candidates = [framework.pk]
        else:
            candidates = sorted(self.goal_ids)
        found = [node for fid in candidates if (node := _find_node(self.nodes.get(fid, ({}, {})), label.strip()))]
        if not found:
            return f"no SDG target has the code {ref}"
        if len(found) > 1:
            return f"several global goals frameworks have a {ref}; write FRAMEWORK:{ref}"
        node = found[0]
        if isinstance(node, str):
            return f"{ref}: {node}"
        return node


def _check_activities(sheets: dict[str, _Sheet], refs: _References, located: _Located) -> dict[int, dict[str, Any]]:
    """Cross-row checks of the Activities sheet; for each row, the related records its cells name."""
    seen: dict[str, Row] = {}
    resolved: dict[int, dict[str, Any]] = {}
    for row in sheets["Activities"].rows:
        code = row["code"]
        if code:
            try:
                code_validator(code)
            except ValidationError as exc:
                located(row, "code", " ".join(exc.messages))
            if code in seen:
                located(row, "code", f"the activity {code} is on the sheet twice (first on row {seen[code].number})")
            else:
                seen[code] = row
            existing = refs.activities.get(code)
            if existing is not None and existing.is_archived:
                located(row, "code", f"the activity {code} is archived; restore it before importing it")
        links: dict[str, Any] = {}
        unit_code = row["responsible_unit"]
        if unit_code:
            unit = refs.units.get(unit_code)
            if unit is None:
                located(row, "responsible_unit", f"no organisational unit has the code {unit_code}")
            elif unit.is_archived:
                located(row, "responsible_unit", f"the unit {unit_code} is archived")
            else:
                links["responsible_unit"] = unit
        units = []
        for unit_code in row["contributing_units"] or []:
            unit = refs.units.get(unit_code)
            if unit is None:
                located(row, "contributing_units", f"no organisational unit has the code {unit_code}")
            elif unit.is_archived:
                located(row, "contributing_units", f"the unit {unit_code} is archived")
            else:
                units.append(unit)
        links["contributing_units"] = units
        for column, resolve in (("results", refs.result), ("sdg_targets", refs.sdg_target)):
            pks = []
            for ref in row[column] or []:
                found = resolve(ref)
                if isinstance(found, str):
                    located(row, column, found)
                else:
                    pks.append(found)
            links["nodes" if column == "results" else column] = pks
        initiatives = []
        for code_ in row["initiatives"] or []:
            initiative = refs.initiatives.get(code_)
            if initiative is None or initiative.is_archived:
                located(row, "initiatives", f"no active regional initiative has the code {code_}")
            else:
                initiatives.append(initiative)
        links["initiatives"] = initiatives
        row.values["countries"] = [code_.upper() for code_ in row["countries"] or []]
        unknown = [code_ for code_ in row["countries"] if code_ not in refs.countries]
        if unknown:
            located(row, "countries", f"unknown country code(s): {', '.join(unknown)} (use ISO 3166-1 alpha-2)")
        row.values["regions"] = [code_.upper() for code_ in row["regions"] or []]
        unknown = [code_ for code_ in row["regions"] if code_ not in ItuRegion.values]
        if unknown:
            located(row, "regions", f"unknown ITU region(s): {', '.join(unknown)} (use {', '.join(ItuRegion.values)})")
        resolved[row.number] = links
    return resolved


def _check_children(sheets: dict[str, _Sheet], refs: _References, located: _Located) -> None:
    on_sheet = {row["code"] for row in sheets["Activities"].rows if row["code"]}
    for name in ("Milestones", "Budget"):
        for row in sheets[name].rows if name in sheets else []:
            code = row["activity"]
            if not code or code in on_sheet:
                continue
            activity = refs.activities.get(code)
            if activity is None:
                located(row, "activity", f"no activity has the code {code} (on the Activities sheet or in Orbit)")
            elif activity.is_archived:
                located(row, "activity", f"the activity {code} is archived")


# --- applying -------------------------------------------------------------------------------------------------


def _service_error(located: _Located, row: Row, exc: Exception) -> None:
    columns = {column.name for column in SHEETS[row.sheet]}
    mapping = {**_FIELD_COLUMNS[row.sheet], **(_RELATIONS if row.sheet == "Activities" else {})}
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        for name, messages in exc.message_dict.items():
            column = mapping.get(name, name if name in columns else "")
            if column and located.has(row, column):
                continue  # already reported by the checks before
            for message in messages:
                prefix = "" if column or name == NON_FIELD_ERRORS else f"{name}: "
                located(row, column, prefix + message)
    elif isinstance(exc, ValidationError):
        for message in exc.messages:
            located(row, "", message)
    else:
        located(row, "", str(exc))


def _attempt(located: _Located, row: Row, call: Callable[[], Any]) -> Any:
    """Run one service call (its own savepoint); a refusal becomes a located error and None."""
    try:
        return call()
    except (ValidationError, OrbitError) as exc:
        _service_error(located, row, exc)
    except DatabaseError as exc:
        located(row, "", f"the database refused the row ({str(exc).strip().splitlines()[0]})")
    return None


def _probe(located: _Located, row: Row, instance: models.Model, exclude: Iterable[str]) -> None:
    """Check a row that cannot be written against the model's own rules, so that every problem is reported."""
    try:
        instance.full_clean(exclude=list(exclude), validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        _service_error(located, row, exc)


def _texts(row: Row, present: set[str], prefix: str, current: dict[str, str] | None) -> dict[str, str]:
    """The translated text of a row: the languages whose columns the sheet has replace those of ``current``."""
    text = {lang: value for lang, value in (current or {}).items() if f"{prefix}_{lang}" not in present}
    for lang in CONTENT_LANGUAGES:
        if row[f"{prefix}_{lang}"]:
            text[lang] = row[f"{prefix}_{lang}"]
    return {lang: text[lang] for lang in CONTENT_LANGUAGES if text.get(lang)}


def _activity_values(row: Row, present: set[str], links: dict[str, Any], current: Activity | None) -> dict[str, Any]:
    """The fields the row sets: every column the sheet has (an empty cell clears or takes the default)."""
    values: dict[str, Any] = {"code": row["code"]}
    if current is None or any(f"title_{lang}" in present for lang in CONTENT_LANGUAGES):
        values["title"] = _texts(row, present, "title", current.title if current else None)
    if current is None or any(f"description_{lang}" in present for lang in CONTENT_LANGUAGES):
        values["description"] = _texts(row, present, "description", current.description if current else None)
    defaults: dict[str, Any] = {
        "type": ActivityType.PROJECT, "status": ActivityStatus.PLANNED, "status_reason": "", "is_sample": False,
        "countries": [], "regions": [], "partners": [],
    }  # fmt: skip
    for name in ("type", "countries", "regions", "partners", "planned_start", "planned_end", "actual_start",
                 "actual_end", "status", "status_reason", "is_sample"):  # fmt: skip
        if current is None or name in present:
            value = row[name]
            values[name] = defaults.get(name) if value in (None, "") else value
    if "responsible_unit" in links:
        values["responsible_unit"] = links["responsible_unit"]
    for relation, column in _RELATIONS.items():
        if current is None or column in present:
            values[relation] = links.get(relation, [])
    return values


def _differs(activity: Activity, values: dict[str, Any]) -> dict[str, Any]:
    changed: dict[str, Any] = {}
    for name, value in values.items():
        if name in _RELATIONS:
            old = sorted(related.pk for related in getattr(activity, name).all())
            new = sorted({v.pk if isinstance(v, models.Model) else v for v in value})
            if old != new:
                changed[name] = value
        elif name == "responsible_unit":
            if activity.responsible_unit_id != value.pk:
                changed[name] = value
        elif getattr(activity, name) != value:
            changed[name] = value
    return changed


class _Importer:
    def __init__(self, sheets: dict[str, _Sheet], refs: _References, links: dict[int, dict[str, Any]],
                 actor: Any, report: ActivityImportReport, located: _Located) -> None:  # fmt: skip
        self.sheets, self.refs, self.links = sheets, refs, links
        self.actor, self.report, self.located = actor, report, located
        #: Activities by code once written (or found unchanged); None where their row could not be written.
        self.written: dict[str, Activity | None] = {}

    def run(self) -> None:
        self._activities()
        self._children("Milestones", self._milestone_rows)
        self._children("Budget", self._budget_rows)

    # --- activities ---

    def _activities(self) -> None:
        sheet = self.sheets["Activities"]
        pks = {pk for links in self.links.values() for name in ("nodes", "sdg_targets") for pk in links.get(name, [])}
        self.refs.load_nodes(pks)
        for row in sheet.rows:
            links = dict(self.links.get(row.number, {}))
            for name in ("nodes", "sdg_targets"):
                links[name] = [self.refs.node_objects[pk] for pk in links.get(name, []) if pk in self.refs.node_objects]
            current = self.refs.activities.get(row["code"]) if row["code"] else None
            values = _activity_values(row, sheet.present, links, current)
            if not row.ok:
                self._probe_activity(row, values, links, current)
                self.written[row["code"]] = None
                continue
            if current is None:
                create = partial(services.activity_create, actor=self.actor, **values)
                activity = _attempt(self.located, row, create)
                if activity is not None:
                    self.report.done["activity.created"] += 1
            else:
                changed = _differs(current, values)
                if not changed:
                    activity = current
                    self.report.done["activity.unchanged"] += 1
                else:
                    update = partial(services.activity_update, actor=self.actor, activity=current,
                                     expected_version=current.version, **changed)  # fmt: skip
                    activity = _attempt(self.located, row, update)
                    if activity is not None:
                        self.report.done["activity.updated"] += 1
            self.written[row["code"]] = activity

    def _probe_activity(
        self, row: Row, values: dict[str, Any], links: dict[str, Any], current: Activity | None
    ) -> None:
        plain = {k: v for k, v in values.items() if k in _PLAIN_FIELDS}
        failed = {name for name in _PLAIN_FIELDS if self.located.has(row, name)}
        failed |= {"title" for lang in CONTENT_LANGUAGES if self.located.has(row, f"title_{lang}")}
        failed |= {"description" for lang in CONTENT_LANGUAGES if self.located.has(row, f"description_{lang}")}
        if "responsible_unit" not in links and current is None:
            failed.add("responsible_unit")
        probe = copy.copy(current) if current is not None else Activity()
        for name, value in plain.items():
            if name not in failed:
                setattr(probe, name, value)
        _probe(self.located, row, probe, failed)

    # --- milestones and budget lines ---

    def _children(self, name: str, handle: Callable[[Activity | None, list[Row]], None]) -> None:
        if name not in self.sheets:
            return
        by_activity: dict[str, list[Row]] = defaultdict(list)
        for row in self.sheets[name].rows:
            by_activity[row["activity"] or ""].append(row)
        for code, rows in by_activity.items():
            activity = self.written[code] if code in self.written else self.refs.activities.get(code)
            if activity is not None and activity.is_archived:
                activity = None
            handle(activity, rows)

    def _milestone_rows(self, activity: Activity | None, rows: list[Row]) -> None:
        present = self.sheets["Milestones"].present
        existing = list(self.refs.milestones.get(activity.pk, [])) if activity is not None else []
        pending = []
        for row in rows:
            current = None
            values = {
                "title": _texts(row, present, "title", None),
                "due_date": row["due_date"],
                "done_date": row["done_date"],
            }
            if activity is None or not row.ok:
                failed = {"due_date"} if self.located.has(row, "due_date") else set()
                failed |= {"done_date"} if self.located.has(row, "done_date") else set()
                probe = Milestone(**{k: v for k, v in values.items() if k not in failed})
                _probe(self.located, row, probe, {"activity", *failed})
                continue
            current = next((m for m in existing if _same(m, values)), None)
            if current is not None:
                existing.remove(current)
                self.report.done["milestone.unchanged"] += 1
                continue
            pending.append((row, values))
        for row, values in pending:
            current = next((m for m in existing if m.title == values["title"]), None)
            assert activity is not None
            if current is not None:
                existing.remove(current)
                call = partial(services.milestone_update, actor=self.actor, milestone=current,
                               expected_version=current.version, **values)  # fmt: skip
                if _attempt(self.located, row, call) is not None:
                    self.report.done["milestone.updated"] += 1
            else:
                call = partial(services.milestone_create, actor=self.actor, activity=activity, **values)
                if _attempt(self.located, row, call) is not None:
                    self.report.done["milestone.created"] += 1

    def _budget_rows(self, activity: Activity | None, rows: list[Row]) -> None:
        existing = list(self.refs.budget_lines.get(activity.pk, [])) if activity is not None else []
        pending = []
        for row in rows:
            values: dict[str, Any] = {
                "source": row["source"],
                "year": row["year"],
                "currency": (row["currency"] or DEFAULT_CURRENCY).upper(),
                "planned": row["planned"] if row["planned"] is not None else 0,
                "committed": row["committed"] if row["committed"] is not None else 0,
                "spent": row["spent"] if row["spent"] is not None else 0,
                "note": row["note"] or "",
                "is_sample": bool(row["is_sample"]),
            }
            if activity is None or not row.ok:
                failed = {name for name in _BUDGET_FIELDS if self.located.has(row, name)}
                probe = BudgetLine(**{k: v for k, v in values.items() if k not in failed})
                _probe(self.located, row, probe, {"activity", *failed})
                continue
            current = next((b for b in existing if _same(b, values)), None)
            if current is not None:
                existing.remove(current)
                self.report.done["budget_line.unchanged"] += 1
                continue
            pending.append((row, values))
        for row, values in pending:
            key = (values["source"], values["year"], values["currency"])
            current = next((b for b in existing if (b.source, b.year, b.currency) == key), None)
            assert activity is not None
            if current is not None:
                existing.remove(current)
                call = partial(services.budget_line_update, actor=self.actor, line=current,
                               expected_version=current.version, **values)  # fmt: skip
                if _attempt(self.located, row, call) is not None:
                    self.report.done["budget_line.updated"] += 1
            else:
                call = partial(services.budget_line_create, actor=self.actor, activity=activity, **values)
                if _attempt(self.located, row, call) is not None:
                    self.report.done["budget_line.created"] += 1


def _same(instance: models.Model, values: dict[str, Any]) -> bool:
    return all(getattr(instance, name) == value for name, value in values.items())


def import_activities(
    source: str | Path | bytes | IO[bytes], *, actor: Any, dry_run: bool = False, reason: str = "", filename: str = ""
) -> ActivityImportReport:
    """Check the whole workbook and, when it has no error and this is not a dry run, apply it.

    Writes go through the planning services as ``actor``, recorded with the audit source ``import``.
    Nothing is applied unless every row is valid.
    """
    name = filename or (Path(source).name if isinstance(source, str | Path) else "the workbook")
    report = ActivityImportReport(filename=name, dry_run=dry_run)
    book = _open(source, name, report)
    if book is None:
        return report
    try:
        sheets = _read_sheets(book, report)
    finally:
        book.close()
    if sheets is None:
        return report
    located = _Located(report)
    for error in report.errors:  # cell errors found while reading
        if error.row is not None:
            located.columns[(error.sheet, error.row)].add(error.column)
    refs = _References(sheets)
    links = _check_activities(sheets, refs, located)
    _check_children(sheets, refs, located)
    outer = current()
    with audit_context(source="import", request_id=outer.request_id or None, reason=reason or outer.reason):
        try:
            with transaction.atomic():
                _Importer(sheets, refs, links, actor, report, located).run()
                if report.errors or dry_run:
                    raise _Rollback
        except _Rollback:
            if report.errors:
                report.done.clear()
    report.counts = dict(report.done)
    report.errors.sort(key=_error_order)
    return report


_SHEET_ORDER = {name: index for index, name in enumerate(SHEETS)}


def _error_order(error: CellError) -> tuple[int, int, int]:
    columns = [column.name for column in SHEETS.get(error.sheet, ())]
    column = columns.index(error.column) if error.column in columns else -1
    return (_SHEET_ORDER.get(error.sheet, -1), error.row or 0, column)


# --- export ---------------------------------------------------------------------------------------------------


def _lang_cells(prefix: str, text: dict[str, str] | None) -> dict[str, str | None]:
    text = text or {}
    return {f"{prefix}_{lang}": text.get(lang) or None for lang in CONTENT_LANGUAGES}


def _codes(items: Iterable[str]) -> str | None:
    return f"{CODE_SEPARATOR} ".join(items) or None


class _Labels:
    """How the export names result nodes and SDG targets so that the import finds the same nodes."""

    def __init__(self, nodes: Iterable[ResultNode]) -> None:
        nodes = list(nodes)
        goal_ids = set(Framework.objects.filter(kind=Framework.Kind.GLOBAL_GOALS).values_list("pk", flat=True))
        self.maps = _node_label_maps({n.framework_id for n in nodes} | goal_ids)
        self.goal_ids = goal_ids

    def label(self, node: ResultNode) -> str:
        maps = self.maps.get(node.framework_id, ({}, {}))
        if node.ref_code and _find_node(maps, node.ref_code) == node.pk:
            return node.ref_code
        return node.number

    def result(self, node: ResultNode) -> str:
        return f"{node.framework.code}{REFERENCE_SEPARATOR}{self.label(node)}"

    def sdg_target(self, node: ResultNode) -> str:
        label = self.label(node)
        elsewhere = [fid for fid in self.goal_ids if fid != node.framework_id
                     and _find_node(self.maps.get(fid, ({}, {})), label) is not None]  # fmt: skip
        return self.result(node) if elsewhere else label


def activities_workbook(user: Any, unit: OrgUnit | None = None) -> Workbook:
    """The activities the user may read (those of ``unit`` and the units below it, if given), with their
    milestones and budget lines, as the template; a fixed number of queries."""
    filters = selectors.PlanFilters(unit=unit.code if unit is not None else "")
    activities = list(
        selectors.activity_list(user, filters).prefetch_related(
            models.Prefetch("nodes", queryset=ResultNode.objects.select_related("framework")),
            models.Prefetch("sdg_targets", queryset=ResultNode.objects.select_related("framework")),
            models.Prefetch("contributing_units", queryset=OrgUnit.objects.only("id", "code")),
            models.Prefetch("initiatives", queryset=RegionalInitiative.objects.only("id", "code")),
        )
    )
    order = {activity.pk: index for index, activity in enumerate(activities)}
    codes = {activity.pk: activity.code for activity in activities}
    labels = _Labels(n for a in activities for n in (*a.nodes.all(), *a.sdg_targets.all()))
    milestones = sorted(
        Milestone.objects.filter(activity_id__in=list(order)),
        key=lambda m: (order[m.activity_id], m.due_date, m.pk),
    )
    lines = sorted(
        BudgetLine.objects.filter(activity_id__in=list(order)),
        key=lambda b: (order[b.activity_id], b.year, b.source, b.pk),
    )
    data: dict[str, list[dict[str, Any]]] = {
        "Activities": [
            {
                "code": a.code,
                **_lang_cells("title", a.title),
                **_lang_cells("description", a.description),
                "type": a.type,
                "responsible_unit": a.responsible_unit.code,
                "contributing_units": _codes(sorted(u.code for u in a.contributing_units.all())),
                "results": _codes(sorted(labels.result(n) for n in a.nodes.all())),
                "sdg_targets": _codes(sorted(labels.sdg_target(n) for n in a.sdg_targets.all())),
                "initiatives": _codes(sorted(i.code for i in a.initiatives.all())),
                "countries": _codes(a.countries or []),
                "regions": _codes(a.regions or []),
                "partners": f"{NAME_SEPARATOR} ".join(a.partners or []) or None,
                "planned_start": a.planned_start,
                "planned_end": a.planned_end,
                "actual_start": a.actual_start,
                "actual_end": a.actual_end,
                "status": a.status,
                "status_reason": a.status_reason or None,
                "is_sample": a.is_sample,
            }
            for a in activities
        ],
        "Milestones": [
            {
                "activity": codes[m.activity_id],
                **_lang_cells("title", m.title),
                "due_date": m.due_date,
                "done_date": m.done_date,
            }
            for m in milestones
        ],
        "Budget": [
            {
                "activity": codes[b.activity_id],
                "source": b.source,
                "year": b.year,
                "currency": b.currency,
                "planned": _number_cell(b.planned),
                "committed": _number_cell(b.committed),
                "spent": _number_cell(b.spent),
                "note": b.note or None,
                "is_sample": b.is_sample,
            }
            for b in lines
        ],
    }
    return _write(data)


def blank_workbook() -> Workbook:
    """The empty template: every sheet with its header row, and the Guide."""
    return _write({name: [] for name in SHEETS})


def _write(data: dict[str, list[dict[str, Any]]]) -> Workbook:
    return write_workbook(SHEETS, data, list_choices=lambda choices: ", ".join(choices) or None)


def export_activities(user: Any, unit: OrgUnit | None = None) -> bytes:
    return workbook_bytes(activities_workbook(user, unit))


__all__ = [
    "SHEETS",
    "ActivityImportReport",
    "activities_workbook",
    "blank_workbook",
    "export_activities",
    "import_activities",
]
