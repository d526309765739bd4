"""The inventory exports: the Excel workbook (values read back with openpyxl, a fixed number of queries) and
Archi's CSV exchange format (parsed with the csv module and checked against ArchiMate's own lists).

The ArchiMate lists below are written out from the ArchiMate 3.2 specification and Archi's relationship table
(``com.archimatetool.model/model/relationships.xml``), not taken from the module under test.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from orbit.core.context import audit_context
from orbit.core.errors import PermissionDenied
from orbit.organisation.services import system_actor
from orbit.organisation.tests.factories import grant, make_user
from orbit.processes import apqc, services
from orbit.processes.exports import archi_csv, inventory_workbook
from orbit.processes.models import Dependency, Process
from orbit.processes.selectors import ProcessFilters
from orbit.results.services import framework_create, node_create

pytestmark = pytest.mark.django_db

D = dt.date

#: ArchiMate 3.2 element types, as Archi names them (its EClass names), and the model's own row type.
ARCHIMATE_ELEMENTS = {
    "ArchimateModel",
    "BusinessActor", "BusinessRole", "BusinessCollaboration", "BusinessInterface", "BusinessProcess",
    "BusinessFunction", "BusinessInteraction", "BusinessEvent", "BusinessService", "BusinessObject", "Contract",
    "Representation", "Product",
    "ApplicationComponent", "ApplicationCollaboration", "ApplicationInterface", "ApplicationFunction",
    "ApplicationInteraction", "ApplicationProcess", "ApplicationEvent", "ApplicationService", "DataObject",
    "Node", "Device", "SystemSoftware", "TechnologyCollaboration", "TechnologyInterface", "Path",
    "CommunicationNetwork", "TechnologyFunction", "TechnologyProcess", "TechnologyInteraction", "TechnologyEvent",
    "TechnologyService", "Artifact", "Equipment", "Facility", "DistributionNetwork", "Material",
    "Stakeholder", "Driver", "Assessment", "Goal", "Outcome", "Principle", "Requirement", "Constraint", "Meaning",
    "Value", "Resource", "Capability", "ValueStream", "CourseOfAction",
    "WorkPackage", "Deliverable", "ImplementationEvent", "Plateau", "Gap", "Grouping", "Location", "Junction",
}  # fmt: skip
ARCHIMATE_RELATIONSHIPS = {
    "AccessRelationship": "a", "CompositionRelationship": "c", "FlowRelationship": "f",
    "AggregationRelationship": "g", "AssignmentRelationship": "i", "InfluenceRelationship": "n",
    "AssociationRelationship": "o", "RealizationRelationship": "r", "SpecializationRelationship": "s",
    "TriggeringRelationship": "t", "ServingRelationship": "v",
}  # fmt: skip
#: The relationships Archi allows between the element types the export uses (relationships.xml, ArchiMate 3.2).
ALLOWED = {
    ("BusinessProcess", "BusinessProcess"): "cfgostv",
    ("BusinessProcess", "DataObject"): "ao",
    ("BusinessProcess", "BusinessActor"): "fotv",
    ("BusinessActor", "BusinessProcess"): "fiotv",
    ("BusinessRole", "BusinessProcess"): "fiotv",
    ("ApplicationComponent", "BusinessProcess"): "fortv",
}
BOM = b"\xef\xbb\xbf"


def build_inventory(tree: Any, count: int, *, start: int = 0) -> SimpleNamespace:
    """``count`` processes with every attribute and relation, and a part for every fifth one (test data)."""
    actor = system_actor()
    owner = get_user_model().objects.filter(username="owner").first() or make_user("owner")
    with audit_context(source="cli", reason="test data"):
        shared = _shared(tree, actor)
        made: list[Process] = []
        for i in range(start, start + count):
            process = services.process_create(
                actor=actor, owner_unit=tree.dept_a if i % 2 else tree.dept_b, code=f"P{i:03d}",
                name={"en": f"Process {i}", "fr": f"Processus {i}"}, description={"en": f"What process {i} does."},
                level=3, nature="support" if i % 3 else "core", process_owner=owner,
                change_authority="unit_management", change_authority_unit=tree.bdt,
                change_authority_note="Needs the director's signature.", pcf_element=shared.pcf,
                it_systems=[shared.erp], records=[shared.invoice], external_parties=[shared.donor],
                yearly_volume=100 + i, cycle_time_days=Decimal("2.5"), cost_per_case=Decimal("12.40"),
                currency="CHF", digitisation="partly_digital", pain_points="Paper forms, signed \"three\" times.",
                legal_basis="Staff Rule 4.1", change_people=Decimal("1.5"), change_skills="Forms design",
                change_budget=Decimal("25000"), transformation_status="assessed",
            )  # fmt: skip
            services.change_window_add(
                actor=actor, process=process, kind="freeze", start=D(2026, 10, 1), end=D(2026, 11, 15), note="PP-26"
            )
            services.participant_add(actor=actor, process=process, raci="R", role=shared.approver)
            services.participant_add(actor=actor, process=process, raci="A", unit=tree.bdt)
            if i % 4 == 0:
                services.impact_set(actor=actor, process=process, node=shared.node, rating=3)
                services.process_kpi_create(
                    actor=actor, process=process, code=f"K{i}", title={"en": "Days to approve"},
                    target_value=Decimal("3"), target_year=2026, unit_label="days", baseline_value=Decimal("7.5"),
                    baseline_date=D(2024, 12, 31),
                )  # fmt: skip
            if i % 5 == 0:
                services.process_create(
                    actor=actor, owner_unit=process.owner_unit, code=f"P{i:03d}.01", name={"en": f"Check {i}"},
                    level=4, parent=process, task_type="userTask",
                )  # fmt: skip
            if made:
                kinds = ("hands_over", "messages", "calls", "shares_data", "shares_system", "shares_role")
                services.dependency_create(
                    actor=actor, source=made[-1], target=process, kind=kinds[i % len(kinds)], strength=1 + i % 3,
                    note=f"Link {i}",
                )  # fmt: skip
            made.append(process)
    return SimpleNamespace(processes=made, **vars(shared))


def _shared(tree: Any, actor: Any) -> SimpleNamespace:
    """Dictionaries, a result to serve and a PCF element, made once per database."""
    from orbit.processes.models import ExternalParty, ItSystem, PcfElement, ProcessRole, RecordType
    from orbit.results.models import ResultNode

    if ItSystem.objects.filter(code="ERP").exists():
        return SimpleNamespace(
            erp=ItSystem.objects.get(code="ERP"), invoice=RecordType.objects.get(code="INVOICE"),
            donor=ExternalParty.objects.get(code="DONOR"), approver=ProcessRole.objects.get(code="APPROVER"),
            node=ResultNode.objects.get(ref_code="D.1"), pcf=PcfElement.objects.get(hierarchy_id="7.1"),
        )  # fmt: skip
    entries = {
        name: services.dictionary_entry_create(actor=actor, dictionary=name, code=code, name={"en": label})
        for name, code, label in (
            ("it_systems", "ERP", "Enterprise resource planning"), ("records", "INVOICE", "Invoice"),
            ("external_parties", "DONOR", "Donor"), ("roles", "APPROVER", "Approver"),
        )
    }  # fmt: skip
    plan = framework_create(
        actor=actor, owner_unit=tree.bdt, code="OP-T", name={"en": "Plan"}, cycle_start=D(2024, 1, 1),
        cycle_end=D(2027, 12, 31), tiers=[{"en": "Objective"}],
    )  # fmt: skip
    node = node_create(actor=actor, framework=plan, title={"en": "Objective"}, ref_code="D.1")
    workbook = apqc.PcfWorkbook(
        title="TEST PCF", version="1.0", attribution="© Test",
        elements=[
            apqc.PcfElement(10007, "7.0", "Develop people", 1, None, "", "", "", False),
            apqc.PcfElement(10008, "7.1", "Plan the workforce", 2, "7.0", "", "", "", False),
        ],
    )  # fmt: skip
    services.pcf_import(actor=actor, workbook=workbook)
    return SimpleNamespace(
        erp=entries["it_systems"], invoice=entries["records"], donor=entries["external_parties"],
        approver=entries["roles"], node=node, pcf=PcfElement.objects.get(hierarchy_id="7.1"),
    )  # fmt: skip


def reader(tree: Any) -> Any:
    """A fresh viewer of the whole organisation (fresh: rights are cached on the user object)."""
    user = get_user_model().objects.filter(username="viewer").first()
    if user is None:
        grant(make_user("viewer"), tree.root, "viewer")
    return get_user_model().objects.get(username="viewer")


def rows(book: Any, sheet: str) -> list[dict[str, Any]]:
    values = list(book[sheet].iter_rows(values_only=True))
    header = values[0]
    return [dict(zip(header, row, strict=True)) for row in values[1:]]


# --- Excel ----------------------------------------------------------------------------------------------------


def test_the_workbook_holds_every_attribute_with_numbers_as_numbers(tree):
    built = build_inventory(tree, 5)
    book = load_workbook(io.BytesIO(inventory_workbook(reader(tree))))
    assert book.sheetnames == ["Processes", "Dependencies", "KPIs", "Guide"]
    processes = {row["code"]: row for row in rows(book, "Processes")}
    assert sorted(processes) == ["P000", "P000.01", "P001", "P002", "P003", "P004"]
    first = processes["P000"]
    assert first == {
        "code": "P000", "name": "Process 0", "description": "What process 0 does.", "level": 3, "parent": None,
        "task_type": None, "nature": "core", "owner_unit": "DEPT-B", "process_owner": "owner",
        "change_authority": "unit_management", "change_authority_unit": "BDT",
        "change_authority_note": "Needs the director's signature.", "pcf_id": 10008, "pcf_number": "7.1",
        "it_systems": "ERP", "records": "INVOICE", "external_parties": "DONOR",
        "participants": "A: unit BDT; R: APPROVER", "yearly_volume": 100, "cycle_time_days": 2.5,
        "cost_per_case": 12.4, "currency": "CHF", "digitisation": "partly_digital",
        "pain_points": 'Paper forms, signed "three" times.', "legal_basis": "Staff Rule 4.1", "change_people": 1.5,
        "change_skills": "Forms design", "change_budget": 25000,
        "change_windows": "freeze 2026-10-01..2026-11-15 (PP-26)",
        "transformation_status": "assessed", "strategic_impacts": "OP-T:D.1 (High)",
        "kpis": "K0 Days to approve, baseline 7.5 (2024-12-31), target 2026: 3", "source": None,
    }  # fmt: skip
    for name in ("level", "yearly_volume", "change_budget", "pcf_id"):
        assert type(first[name]) is int, name
    for name in ("cycle_time_days", "cost_per_case", "change_people"):
        assert type(first[name]) is float, name
    part = processes["P000.01"]
    assert (part["level"], part["parent"], part["task_type"]) == (4, "P000", "userTask")
    assert processes["P001"]["strategic_impacts"] is None and processes["P001"]["kpis"] is None

    dependencies = rows(book, "Dependencies")
    expected = [
        {"source": d.source.code, "target": d.target.code, "kind": d.kind, "strength": d.strength, "note": d.note}
        for d in Dependency.objects.select_related("source", "target").order_by("source__code", "target__code")
    ]
    assert dependencies == expected and len(dependencies) == 4
    assert dependencies[0] == {"source": "P000", "target": "P001", "kind": "messages", "strength": 2, "note": "Link 1"}

    kpis = rows(book, "KPIs")
    assert kpis == [
        {"process": "P000", "indicator": "K0", "title": "Days to approve", "unit_label": "days",
         "direction": "decrease", "baseline_value": 7.5, "baseline_date": "2024-12-31", "target_period": "2026",
         "target_value": 3},
        {"process": "P004", "indicator": "K4", "title": "Days to approve", "unit_label": "days",
         "direction": "decrease", "baseline_value": 7.5, "baseline_date": "2024-12-31", "target_period": "2026",
         "target_value": 3},
    ]  # fmt: skip
    guide = {(row[0], row[1]) for row in book["Guide"].iter_rows(min_row=2, values_only=True)}
    assert ("Processes", "strategic_impacts") in guide and ("Dependencies", "strength") in guide
    assert len(built.processes) == 5


def test_a_unit_filter_keeps_its_processes_and_the_dependencies_touching_them(tree):
    build_inventory(tree, 4)
    data = inventory_workbook(reader(tree), ProcessFilters(unit=tree.dept_a.pk))
    book = load_workbook(io.BytesIO(data))
    assert [row["code"] for row in rows(book, "Processes")] == ["P001", "P003"]
    pairs = [(row["source"], row["target"]) for row in rows(book, "Dependencies")]
    assert pairs == [("P000", "P001"), ("P001", "P002"), ("P002", "P003")]


def test_the_exports_need_a_reader(tree):
    outsider = make_user("outsider")
    with pytest.raises(PermissionDenied):
        inventory_workbook(outsider)
    with pytest.raises(PermissionDenied):
        archi_csv(outsider)


def queries(call: Any) -> int:
    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured.captured_queries)


def test_the_exports_take_the_same_number_of_queries_for_5_and_40_processes(tree):
    build_inventory(tree, 5)
    user = reader(tree)
    inventory_workbook(user)  # the viewer's rights are read once and cached on the user object
    archi_csv(user)
    few = (queries(lambda: inventory_workbook(user)), queries(lambda: archi_csv(user)))
    build_inventory(tree, 35, start=5)
    assert Process.objects.count() == 40 + 8
    many = (queries(lambda: inventory_workbook(user)), queries(lambda: archi_csv(user)))
    print(f"queries for 5 and 40 processes: workbook {few[0]} and {many[0]}, Archi {few[1]} and {many[1]}")
    # Workbook: the processes, 3 dictionaries, participants, windows, impacts, KPIs, targets, dependencies.
    # Archi: the processes, 3 dictionaries, participants, dependencies.
    assert few == many == (10, 6)


# --- Archi ------------------------------------------------------------------------------------------------------


def parse(data: bytes) -> list[list[str]]:
    assert data.startswith(BOM)
    return list(csv.reader(io.StringIO(data[len(BOM) :].decode("utf-8"), newline="")))


def test_archi_files_parse_and_every_reference_resolves(tree):
    build_inventory(tree, 7)
    files = archi_csv(reader(tree), model_name="Test inventory")
    assert sorted(files) == ["elements.csv", "properties.csv", "relations.csv"]
    elements, relations, properties = (
        parse(files[name]) for name in ("elements.csv", "relations.csv", "properties.csv")
    )
    assert elements[0] == ["ID", "Type", "Name", "Documentation", "Specialization"]
    assert relations[0] == ["ID", "Type", "Name", "Documentation", "Source", "Target", "Specialization"]
    assert properties[0] == ["ID", "Key", "Value"]
    assert elements[1][:3] == ["id-orbit-model", "ArchimateModel", "Test inventory"]
    assert all(len(row) == 5 for row in elements) and all(len(row) == 7 for row in relations)
    assert all(len(row) == 3 for row in properties)

    types = {row[0]: row[1] for row in elements[1:]}
    assert len(types) == len(elements) - 1  # ids are unique
    assert set(types.values()) <= ARCHIMATE_ELEMENTS
    assert list(types.values()).count("BusinessProcess") == Process.objects.count() == 7 + 2
    for row in relations[1:]:
        _id, kind, _name, _doc, source, target, _spec = row
        assert kind in ARCHIMATE_RELATIONSHIPS, kind
        assert source in types and target in types, row
        allowed = ALLOWED.get((types[source], types[target]), "")
        assert ARCHIMATE_RELATIONSHIPS[kind] in allowed, f"{kind} from {types[source]} to {types[target]}"
    relation_ids = {row[0] for row in relations[1:]}
    assert len(relation_ids) == len(relations) - 1
    # Archi's importer accepts ids of letters, digits, hyphens and underscores only.
    assert all(re.fullmatch(r"[A-Za-z0-9_-]+", concept_id) for concept_id in {*types, *relation_ids})
    assert all(row[0] in types or row[0] in relation_ids for row in properties[1:])

    # The mapping: one composition per part, from the parent; dictionaries as their ArchiMate types.
    by_type: dict[str, list[list[str]]] = {}
    for row in relations[1:]:
        by_type.setdefault(row[1], []).append(row)
    pk = dict(Process.objects.values_list("code", "pk"))
    compositions = {(r[4], r[5]) for r in by_type["CompositionRelationship"]}
    assert compositions == {
        (f"id-orbit-process-{pk[parent]}", f"id-orbit-process-{pk[f'{parent}.01']}") for parent in ("P000", "P005")
    }
    p0 = Process.objects.get(code="P000")
    named = {row[2]: row[1] for row in elements[1:]}
    assert named["Enterprise resource planning"] == "ApplicationComponent"
    assert named["Invoice"] == "DataObject" and named["Approver"] == "BusinessRole"
    assert named["Donor"] == "BusinessActor" and named["Unit DEPT-A"] == "BusinessActor"
    # calls: the called process serves its caller (the stored dependency goes from caller to called).
    call = Dependency.objects.get(kind="calls")
    (serving,) = [r for r in by_type["ServingRelationship"] if r[0] == f"id-orbit-dependency-{call.pk}"]
    assert (serving[4], serving[5]) == (f"id-orbit-process-{call.target_id}", f"id-orbit-process-{call.source_id}")
    hands_over = Dependency.objects.get(kind="hands_over")
    (trigger,) = by_type["TriggeringRelationship"]
    assert (trigger[4], trigger[5]) == (
        f"id-orbit-process-{hands_over.source_id}",
        f"id-orbit-process-{hands_over.target_id}",
    )
    assert len(by_type["FlowRelationship"]) == 1 and len(by_type["AccessRelationship"]) == 7
    # Properties of a process: its code and the attributes the brief lists.
    props = {(row[1], row[2]) for row in properties[1:] if row[0] == f"id-orbit-process-{p0.pk}"}
    assert props >= {("Code", "P000"), ("Owner unit", "DEPT-B"), ("Nature", "core"), ("Digitisation", "partly_digital"),
                     ("Transformation status", "assessed"), ("PCF number", "7.1"), ("Cases per year", "100"),
                     ("Cycle time (days)", "2.5")}  # fmt: skip


def test_archi_bytes_are_quoted_crlf_utf8_with_bom_and_stable(tree):
    build_inventory(tree, 3)
    with audit_context(source="cli", reason="test data"):
        process = Process.objects.get(code="P001")
        services.process_update(
            actor=system_actor(), process=process, expected_version=process.version,
            name={"en": "Crédit, \"quoted\"\tand tabbed"}, description={"en": "Line one\nLine two"},
        )  # fmt: skip
    first = archi_csv(reader(tree))
    assert first == archi_csv(reader(tree))  # re-exports diff cleanly: same ids, same order, same bytes
    elements = first["elements.csv"]
    assert elements.startswith(BOM + b'"ID","Type","Name","Documentation","Specialization"\r\n"id-orbit-model",')
    assert not elements.endswith(b"\r\n")
    text = elements[len(BOM) :].decode("utf-8")
    assert '"Crédit, ""quoted"" and tabbed"' in text  # quotes doubled, the tab a space, as Archi writes
    assert '"Line one\nLine two"' in text
    for data in first.values():
        for line in data[len(BOM) :].decode("utf-8").split("\r\n"):
            assert line.startswith('"') and line.endswith('"'), line
