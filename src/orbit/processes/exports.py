"""The process inventory written out for other tools: an Excel workbook and Archi's CSV exchange format.

Both writers take the reading user (the inventory is readable by every member of a unit, see
:func:`orbit.processes.services.require_inventory_reader`) and optional :class:`ProcessFilters`, and return
bytes, so the command line and the web views serve the same files.  Both read the inventory in a fixed number
of queries, whatever its size: related records are prefetched, never fetched per process.

**Excel** (:func:`inventory_workbook`): a sheet ``Processes`` with one row per process and every attribute
(numbers as number cells, choices as their codes), a sheet ``Dependencies`` (source code, target code, kind,
strength, note), a sheet ``KPIs`` with each KPI's baseline and targets as numbers, and the ``Guide`` sheet every
Orbit workbook has, explaining each column.

**Archi** (:func:`archi_csv`): the three files Archi's CSV import reads and its *Export
Model To CSV* writes: ``elements.csv``, ``relations.csv`` and ``properties.csv``, in UTF-8 with a byte order
mark, every field quoted, rows separated by CRLF, and a first element row of type ``ArchimateModel`` naming
the model.  Ids are derived from primary keys (``id-orbit-process-12``), so exporting again gives the same ids
and a re-import into Archi updates the elements instead of duplicating them.

How the inventory maps onto ArchiMate 3.2 (every relationship below is one Archi accepts between these types):

- a process, at any level, is a ``BusinessProcess``; a part (levels 2-5) is joined to the process it belongs to
  by a ``CompositionRelationship`` from the parent to the part;
- an owner unit, and a unit taking part, is a ``BusinessActor`` *assigned to* the process
  (``AssignmentRelationship`` from the unit); a role (BPMN lane) is a ``BusinessRole`` assigned the same way;
- an IT system is an ``ApplicationComponent`` that *serves* the process (``ServingRelationship`` from the
  system to the process);
- a record type is a ``DataObject`` the process *writes* (``AccessRelationship`` from the process, access type
  Write: the inventory records what a process produces);
- an external party is a ``BusinessActor`` *associated* with the process (undirected ``AssociationRelationship``:
  BPMN only says they exchange messages);
- dependencies: *hands over to* is a ``TriggeringRelationship`` and *exchanges messages with* a
  ``FlowRelationship``, both from source to target as stored; *calls* is a ``ServingRelationship`` drawn from
  the **called** process to the **caller**, because in ArchiMate the serving element is the one that provides
  behaviour to the other (the called process serves the one that calls it), the opposite of the stored
  direction; the *shares data / system / role* kinds are undirected ``AssociationRelationship`` s.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from orbit.processes import selectors
from orbit.processes.models import (
    ChangeWindow,
    Dependency,
    DependencyKind,
    ExternalParty,
    ItSystem,
    Process,
    ProcessIndicator,
    ProcessParticipant,
    RecordType,
    StrategicImpact,
)
from orbit.processes.models.inventory import ChangeAuthority, Digitisation, Level, Nature, Raci, TransformationStatus
from orbit.processes.selectors import ProcessFilters
from orbit.processes.services import require_inventory_reader
from orbit.results.excel import CHOICE, INTEGER, NUMBER, TEXT, Column, _number_cell, workbook_bytes, write_workbook
from orbit.results.models import Target

# --- Excel --------------------------------------------------------------------------------------------------

LIST_SEPARATOR = ", "
ITEM_SEPARATOR = "; "


def _choices(values: Iterable[tuple[Any, Any]]) -> tuple[str, ...]:
    return tuple(str(value) for value, _label in values)


PROCESS_COLUMNS: tuple[Column, ...] = (
    Column("code", required=True, help="Code of the process."),
    Column("name", help="Name (in the language of the export, else the first one given)."),
    Column("description"),
    Column("level", INTEGER, help="1 category, 2 process group, 3 process, 4 activity, 5 task."),
    Column("parent", help="Code of the process it is part of."),
    Column("task_type", help="For parts read from BPMN: userTask, serviceTask, callActivity, ..."),
    Column("nature", CHOICE, choices=_choices(Nature.choices)),
    Column("owner_unit", help="Code of the owner unit."),
    Column("process_owner", help="Username of the process owner."),
    Column("change_authority", CHOICE, choices=_choices(ChangeAuthority.choices), help="Who can change it."),
    Column("change_authority_unit", help="Code of the unit that decides changes."),
    Column("change_authority_note", help="Decision authority, details."),
    Column("pcf_id", INTEGER, help="APQC PCF element id the process is classified under."),
    Column("pcf_number", help="APQC PCF hierarchy number, e.g. 7.2.1."),
    Column("it_systems", help="Codes of the IT systems used, separated by commas."),
    Column("records", help="Codes of the record types produced, separated by commas."),
    Column("external_parties", help="Codes of the external parties, separated by commas."),
    Column("participants", help="RACI letter and role or unit code, e.g. 'R: APPROVER; A: unit DEPT-A'."),
    Column("yearly_volume", INTEGER, help="Cases per year."),
    Column("cycle_time_days", NUMBER, help="Cycle time in days."),
    Column("cost_per_case", NUMBER),
    Column("currency", help="ISO 4217 code of the amounts."),
    Column("digitisation", CHOICE, choices=_choices(Digitisation.choices)),
    Column("pain_points"),
    Column("legal_basis", help="Legal or regulatory basis."),
    Column("change_people", NUMBER, help="People needed to change it (FTE)."),
    Column("change_skills", help="Skills needed to change it."),
    Column("change_budget", NUMBER, help="Budget needed to change it."),
    Column("change_windows", help="'open' or 'freeze' with the dates, e.g. 'freeze 2026-10-01..2026-11-15'."),
    Column("transformation_status", CHOICE, choices=_choices(TransformationStatus.choices)),
    Column("strategic_impacts", help="Results served as FRAMEWORK:NODE (rating), e.g. 'OP-2027:D.1 (High)'."),
    Column("kpis", help="KPIs with their baseline and targets (the KPIs sheet has them as numbers)."),
    Column("source", help="Where the record came from (e.g. the BPMN file)."),
)
DEPENDENCY_COLUMNS: tuple[Column, ...] = (
    Column("source", required=True, help="Code of the process whose change affects the target."),
    Column("target", required=True, help="Code of the affected process."),
    Column("kind", CHOICE, required=True, choices=_choices(DependencyKind.choices)),
    Column("strength", INTEGER, help="1 (weak) to 3 (strong)."),
    Column("note"),
)
KPI_COLUMNS: tuple[Column, ...] = (
    Column("process", required=True, help="Code of the process."),
    Column("indicator", required=True, help="Code of the KPI's indicator."),
    Column("title"),
    Column("unit_label", help="Unit of measure."),
    Column("direction", help="increase or decrease."),
    Column("baseline_value", NUMBER),
    Column("baseline_date", TEXT, help="Date of the baseline, YYYY-MM-DD."),
    Column("target_period", help="Period of the target, e.g. 2026."),
    Column("target_value", NUMBER),
)
SHEETS: dict[str, tuple[Column, ...]] = {
    "Processes": PROCESS_COLUMNS,
    "Dependencies": DEPENDENCY_COLUMNS,
    "KPIs": KPI_COLUMNS,
}


def _inventory(user: Any, filters: ProcessFilters | None, *, full: bool = True) -> QuerySet[Process]:
    """The processes the user may read, with what the writers show, in a fixed number of queries (fewer when
    not ``full``: Archi's files leave out windows, impacts and KPIs)."""
    require_inventory_reader(user)
    prefetches: list[Prefetch[Any]] = [
        Prefetch("it_systems", queryset=ItSystem.all_objects.order_by("code")),
        Prefetch("records", queryset=RecordType.all_objects.order_by("code")),
        Prefetch("external_parties", queryset=ExternalParty.all_objects.order_by("code")),
        Prefetch(
            "participants", queryset=ProcessParticipant.objects.select_related("unit", "role").order_by("raci", "id")
        ),
    ]
    if full:
        prefetches += [
            Prefetch("change_windows", queryset=ChangeWindow.objects.order_by("start", "id")),
            Prefetch(
                "impacts",
                queryset=StrategicImpact.objects.select_related("node__framework").order_by(
                    "-rating", "node__framework__code", "node__path"
                ),
            ),
            Prefetch("kpis", queryset=ProcessIndicator.objects.select_related("indicator").order_by("indicator__code")),
            Prefetch("kpis__indicator__targets", queryset=Target.objects.order_by("period_start", "period_end", "id")),
        ]
    related = (
        ("owner_unit", "parent", "pcf_element", "process_owner", "change_authority_unit")
        if full
        else ("owner_unit", "pcf_element")
    )
    return selectors.process_list(user=user, filters=filters).select_related(*related).prefetch_related(*prefetches)


def _codes(items: Iterable[Any]) -> str | None:
    return LIST_SEPARATOR.join(item.code for item in items) or None


def _plain(value: Decimal | None) -> str:
    """A decimal as people write it: 12, 12.5 (never 12.00 or 1.2E+1)."""
    if value is None:
        return ""
    return str(_number_cell(value))


def _participant(participant: ProcessParticipant) -> str:
    if participant.role is not None:
        return f"{participant.raci}: {participant.role.code}"
    assert participant.unit is not None  # a participant names a unit or a role (a database constraint)
    return f"{participant.raci}: unit {participant.unit.code}"


def _window(window: ChangeWindow) -> str:
    text = f"{window.kind} {window.start.isoformat()}..{window.end.isoformat()}"
    return f"{text} ({window.note})" if window.note else text


def _impact(impact: StrategicImpact) -> str:
    return f"{impact.node.framework.code}:{impact.node.code} ({StrategicImpact.Rating(impact.rating).label})"


def _kpi(link: ProcessIndicator) -> str:
    indicator = link.indicator
    parts = [f"{indicator.code} {indicator.title}".strip()]
    if indicator.baseline_value is not None:
        when = f" ({indicator.baseline_date.isoformat()})" if indicator.baseline_date else ""
        parts.append(f"baseline {_plain(indicator.baseline_value)}{when}")
    for target in indicator.targets.all():
        if target.unit_id is None and not target.category:
            value = _plain(target.value) if target.score is None else str(target.score)
            parts.append(f"target {target.period_label}: {value}")
    return ", ".join(parts)


def _process_row(process: Process) -> dict[str, Any]:
    owner = process.process_owner
    pcf = process.pcf_element
    return {
        "code": process.code,
        "name": str(process.name) or None,
        "description": str(process.description) or None,
        "level": process.level,
        "parent": process.parent.code if process.parent is not None else None,
        "task_type": process.task_type or None,
        "nature": process.nature,
        "owner_unit": process.owner_unit.code,
        "process_owner": owner.get_username() if owner is not None else None,
        "change_authority": process.change_authority,
        "change_authority_unit": process.change_authority_unit.code if process.change_authority_unit else None,
        "change_authority_note": process.change_authority_note or None,
        "pcf_id": pcf.pcf_id if pcf is not None else None,
        "pcf_number": pcf.hierarchy_id if pcf is not None else None,
        "it_systems": _codes(process.it_systems.all()),
        "records": _codes(process.records.all()),
        "external_parties": _codes(process.external_parties.all()),
        "participants": ITEM_SEPARATOR.join(_participant(p) for p in process.participants.all()) or None,
        "yearly_volume": process.yearly_volume,
        "cycle_time_days": _number_cell(process.cycle_time_days),
        "cost_per_case": _number_cell(process.cost_per_case),
        "currency": process.currency or None,
        "digitisation": process.digitisation,
        "pain_points": process.pain_points or None,
        "legal_basis": process.legal_basis or None,
        "change_people": _number_cell(process.change_people),
        "change_skills": process.change_skills or None,
        "change_budget": _number_cell(process.change_budget),
        "change_windows": ITEM_SEPARATOR.join(_window(w) for w in process.change_windows.all()) or None,
        "transformation_status": process.transformation_status,
        "strategic_impacts": ITEM_SEPARATOR.join(_impact(i) for i in process.impacts.all()) or None,
        "kpis": ITEM_SEPARATOR.join(_kpi(k) for k in process.kpis.all()) or None,
        "source": process.source or None,
    }


def _kpi_rows(process: Process) -> list[dict[str, Any]]:
    rows = []
    for link in process.kpis.all():
        indicator = link.indicator
        common = {
            "process": process.code,
            "indicator": indicator.code,
            "title": str(indicator.title) or None,
            "unit_label": indicator.unit_label or None,
            "direction": indicator.direction,
            "baseline_value": _number_cell(indicator.baseline_value),
            "baseline_date": indicator.baseline_date.isoformat() if indicator.baseline_date else None,
        }
        targets = [t for t in indicator.targets.all() if t.unit_id is None and not t.category]
        for target in targets:
            value = _number_cell(target.value) if target.score is None else target.score
            rows.append({**common, "target_period": target.period_label, "target_value": value})
        if not targets:
            rows.append(common)
    return rows


def _dependencies(processes: QuerySet[Process], *, both_ends: bool) -> list[Dependency]:
    """Active dependencies touching the exported processes (both ends among them when ``both_ends``)."""
    pks = processes.values("pk")
    ends = (Q(source__in=pks) & Q(target__in=pks)) if both_ends else (Q(source__in=pks) | Q(target__in=pks))
    query = Dependency.objects.filter(ends).select_related("source", "target")
    return list(query.order_by("source__code", "target__code", "kind", "id"))


def _dependency_row(dependency: Dependency) -> dict[str, Any]:
    return {
        "source": dependency.source.code,
        "target": dependency.target.code,
        "kind": dependency.kind,
        "strength": dependency.strength,
        "note": dependency.note or None,
    }


def inventory_workbook(user: Any, filters: ProcessFilters | None = None) -> bytes:
    """The inventory the user may read (narrowed by ``filters``) as an .xlsx workbook; see the module's doc."""
    query = _inventory(user, filters)
    processes = list(query)
    data: dict[str, list[dict[str, Any]]] = {
        "Processes": [_process_row(p) for p in processes],
        "Dependencies": [_dependency_row(d) for d in _dependencies(query, both_ends=False)],
        "KPIs": [row for p in processes for row in _kpi_rows(p)],
    }
    book = write_workbook(SHEETS, data, list_choices=lambda choices: ", ".join(choices) or None)
    return workbook_bytes(book)


# --- Archi's CSV exchange format ------------------------------------------------------------------------------

ELEMENTS_FILE, RELATIONS_FILE, PROPERTIES_FILE = "elements.csv", "relations.csv", "properties.csv"
ELEMENT_HEADER = ("ID", "Type", "Name", "Documentation", "Specialization")
RELATION_HEADER = ("ID", "Type", "Name", "Documentation", "Source", "Target", "Specialization")
PROPERTY_HEADER = ("ID", "Key", "Value")
MODEL_TYPE = "ArchimateModel"
MODEL_ID = "id-orbit-model"
DEFAULT_MODEL_NAME = "Orbit process inventory"
MODEL_PURPOSE = (
    "Exported from Orbit's process inventory: processes and their parts, the units and roles that run them, the "
    "IT systems, records and external parties they involve, and how they depend on each other."
)
BOM = "\ufeff"
CRLF = "\r\n"

#: Dependency kind → (relationship type, name); *calls* is drawn from the called process to the caller.
DEPENDENCY_RELATIONS: dict[str, tuple[str, str]] = {
    DependencyKind.HANDS_OVER: ("TriggeringRelationship", "hands over to"),
    DependencyKind.MESSAGES: ("FlowRelationship", "exchanges messages with"),
    DependencyKind.CALLS: ("ServingRelationship", "is called by"),
    DependencyKind.SHARES_DATA: ("AssociationRelationship", "shares data or records with"),
    DependencyKind.SHARES_SYSTEM: ("AssociationRelationship", "shares an IT system with"),
    DependencyKind.SHARES_ROLE: ("AssociationRelationship", "shares a role with"),
}
#: Archi's own property keys for attributes of relationships (Archi writes and reads them in properties.csv).
ACCESS_TYPE, ASSOCIATION_DIRECTED = "Access_Type", "Directed"


@dataclass(frozen=True)
class _Element:
    id: str
    type: str
    name: str
    documentation: str = ""


@dataclass(frozen=True)
class _Relation:
    id: str
    type: str
    source: str
    target: str
    name: str = ""
    documentation: str = ""


class _Model:
    """Elements, relations and properties in the order they are added, each element and relation once."""

    def __init__(self) -> None:
        self.elements: dict[str, _Element] = {}
        self.relations: dict[str, _Relation] = {}
        self.properties: list[tuple[str, str, str]] = []

    def element(self, element: _Element, properties: Sequence[tuple[str, Any]] = ()) -> str:
        if element.id not in self.elements:
            self.elements[element.id] = element
            self.add_properties(element.id, properties)
        return element.id

    def relation(self, relation: _Relation, properties: Sequence[tuple[str, Any]] = ()) -> None:
        if relation.id not in self.relations:
            self.relations[relation.id] = relation
            self.add_properties(relation.id, properties)

    def add_properties(self, concept_id: str, properties: Sequence[tuple[str, Any]]) -> None:
        for key, value in properties:
            if value is not None and value != "":
                self.properties.append((concept_id, key, str(value)))


def _process_id(pk: int) -> str:
    return f"id-orbit-process-{pk}"


def _unit_element(model: _Model, unit: Any) -> str:
    return model.element(
        _Element(f"id-orbit-unit-{unit.pk}", "BusinessActor", str(unit.name) or unit.code),
        [("Code", unit.code), ("Kind", "Organisational unit")],
    )


def _entry_element(model: _Model, prefix: str, archimate_type: str, entry: Any, kind: str) -> str:
    return model.element(
        _Element(f"id-orbit-{prefix}-{entry.pk}", archimate_type, str(entry.name) or entry.code,
                 str(entry.description)),
        [("Code", entry.code), ("Kind", kind)],
    )  # fmt: skip


def _process_properties(process: Process) -> list[tuple[str, Any]]:
    pcf = process.pcf_element
    return [
        ("Code", process.code),
        ("Level", Level(process.level).label),
        ("Owner unit", process.owner_unit.code),
        ("Nature", process.nature),
        ("Digitisation", process.digitisation),
        ("Transformation status", process.transformation_status),
        ("PCF number", pcf.hierarchy_id if pcf is not None else None),
        ("Cases per year", process.yearly_volume),
        ("Cycle time (days)", _plain(process.cycle_time_days)),
    ]


def _archi_model(user: Any, filters: ProcessFilters | None) -> _Model:
    query = _inventory(user, filters, full=False)
    processes = list(query)
    model = _Model()
    # Elements: the processes first (the same order as the inventory), then what they refer to.
    for process in processes:
        model.element(
            _Element(_process_id(process.pk), "BusinessProcess", str(process.name) or process.code,
                     str(process.description)),
            _process_properties(process),
        )  # fmt: skip
    exported = {process.pk for process in processes}
    for process in processes:
        pid = _process_id(process.pk)
        if process.parent_id is not None and process.parent_id in exported:
            model.relation(
                _Relation(f"id-orbit-composition-{process.pk}", "CompositionRelationship",
                          _process_id(process.parent_id), pid, "consists of")
            )  # fmt: skip
        unit_id = _unit_element(model, process.owner_unit)
        model.relation(_Relation(f"id-orbit-owner-{process.pk}", "AssignmentRelationship", unit_id, pid, "owns"))
        for system in process.it_systems.all():
            system_id = _entry_element(model, "itsystem", "ApplicationComponent", system, "IT system")
            model.relation(
                _Relation(f"id-orbit-serving-{process.pk}-{system.pk}", "ServingRelationship", system_id, pid,
                          "is used by")
            )  # fmt: skip
        for record in process.records.all():
            record_id = _entry_element(model, "record", "DataObject", record, "Record type")
            model.relation(
                _Relation(f"id-orbit-access-{process.pk}-{record.pk}", "AccessRelationship", pid, record_id,
                          "produces"),
                [(ACCESS_TYPE, "Write")],
            )  # fmt: skip
        for party in process.external_parties.all():
            party_id = _entry_element(model, "party", "BusinessActor", party, "External party")
            model.relation(
                _Relation(f"id-orbit-association-{process.pk}-{party.pk}", "AssociationRelationship", pid, party_id,
                          "exchanges with"),
                [(ASSOCIATION_DIRECTED, "false")],
            )  # fmt: skip
        for participant in process.participants.all():
            if participant.role is not None:
                actor_id = _entry_element(model, "role", "BusinessRole", participant.role, "Role")
            else:
                actor_id = _unit_element(model, participant.unit)
            model.relation(
                _Relation(f"id-orbit-participant-{participant.pk}", "AssignmentRelationship", actor_id, pid,
                          Raci(participant.raci).label.lower(), participant.note),
                [("RACI", participant.raci)],
            )  # fmt: skip
    for dependency in _dependencies(query, both_ends=True):
        archimate_type, name = DEPENDENCY_RELATIONS[dependency.kind]
        source, target = _process_id(dependency.source_id), _process_id(dependency.target_id)
        if dependency.kind == DependencyKind.CALLS:
            source, target = target, source  # the called process serves its caller
        properties: list[tuple[str, Any]] = [("Dependency kind", dependency.kind), ("Strength", dependency.strength)]
        if archimate_type == "AssociationRelationship":
            properties.append((ASSOCIATION_DIRECTED, "false"))
        model.relation(
            _Relation(f"id-orbit-dependency-{dependency.pk}", archimate_type, source, target, name, dependency.note),
            properties,
        )
    return model


#: Elements are written by ArchiMate layer (business before application), as Archi does, then by id.
_LAYER = {"BusinessActor": 0, "BusinessRole": 0, "BusinessProcess": 0, "ApplicationComponent": 1, "DataObject": 1}


def _sort_key(concept_id: str) -> tuple[str, int]:
    """Ids in a stable, natural order (process 2 before process 10)."""
    stem, _sep, tail = concept_id.rpartition("-")
    return (stem, int(tail)) if tail.isdigit() else (concept_id, -1)


def _csv(header: Sequence[str], rows: Iterable[Sequence[str]]) -> bytes:
    """Rows as Archi writes them: every field quoted, CRLF between rows (none after the last), UTF-8 with BOM;
    tabs become spaces, as in Archi's own export."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator=CRLF)
    writer.writerow(header)
    for row in rows:
        writer.writerow([field.replace("\t", " ") for field in row])
    text = buffer.getvalue()
    return (BOM + text.removesuffix(CRLF)).encode("utf-8")


def archi_csv(
    user: Any, filters: ProcessFilters | None = None, *, model_name: str = DEFAULT_MODEL_NAME
) -> dict[str, bytes]:
    """The inventory the user may read as Archi's CSV files: ``{"elements.csv": ..., "relations.csv": ...,
    "properties.csv": ...}``; see the module's doc for the mapping."""
    model = _archi_model(user, filters)
    elements = sorted(model.elements.values(), key=lambda e: (_LAYER.get(e.type, 2), e.type, _sort_key(e.id)))
    relations = sorted(model.relations.values(), key=lambda r: (r.type, _sort_key(r.id)))
    element_rows = [[MODEL_ID, MODEL_TYPE, model_name, MODEL_PURPOSE, ""]]
    element_rows += [[e.id, e.type, e.name, e.documentation, ""] for e in elements]
    relation_rows = [[r.id, r.type, r.name, r.documentation, r.source, r.target, ""] for r in relations]
    order = {concept_id: index for index, concept_id in enumerate([e.id for e in elements] + [r.id for r in relations])}
    properties = sorted(model.properties, key=lambda p: order[p[0]])  # stable: keeps each concept's key order
    return {
        ELEMENTS_FILE: _csv(ELEMENT_HEADER, element_rows),
        RELATIONS_FILE: _csv(RELATION_HEADER, relation_rows),
        PROPERTIES_FILE: _csv(PROPERTY_HEADER, [list(p) for p in properties]),
    }


__all__ = [
    "DEPENDENCY_RELATIONS",
    "SHEETS",
    "archi_csv",
    "inventory_workbook",
]
