"""The operational plan's Excel workbook: valid import, located errors, all-or-nothing, dry run, re-import,
exact round trip, and the commands."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from openpyxl import Workbook, load_workbook

from orbit.core.context import audit_context
from orbit.governance.models import AuditEvent
from orbit.organisation.models import OrgUnit
from orbit.organisation.tests.factories import grant, make_unit, make_user
from orbit.planning import excel
from orbit.planning.generate import generate_operations
from orbit.planning.models import Activity, BudgetLine, Milestone
from orbit.planning.services import (
    activity_create,
    budget_line_create,
    initiative_create,
    milestone_create,
)
from orbit.results.generate import generate_plan
from orbit.results.services import framework_create, node_create

pytestmark = pytest.mark.django_db

D = dt.date


@pytest.fixture
def plan(tree, system_actor):
    """Units, an operational plan with outputs, SDG targets and a regional initiative (test data)."""
    office = make_unit("RO-T", parent=tree.bdt, type="regional_office", region="Africa")
    with audit_context(source="cli", reason="test data"):
        op = framework_create(
            actor=system_actor, owner_unit=tree.bdt, code="OP-T", name={"en": "Plan"}, cycle_start=D(2024, 1, 1),
            cycle_end=D(2027, 12, 31), tiers=[{"en": "Objective"}, {"en": "Output"}],
        )  # fmt: skip
        objective = node_create(actor=system_actor, framework=op, title={"en": "Objective"}, ref_code="D.1")
        outputs = [
            node_create(actor=system_actor, framework=op, parent=objective, title={"en": f"Output {i}"}) for i in (1, 2)
        ]
        sdg = framework_create(
            actor=system_actor, owner_unit=tree.root, code="SDG-T", name={"en": "Goals"}, kind="global_goals",
            cycle_start=D(2016, 1, 1), cycle_end=D(2030, 12, 31), tiers=[{"en": "Goal"}, {"en": "Target"}],
        )  # fmt: skip
        goal = node_create(actor=system_actor, framework=sdg, title={"en": "Goal 17"}, ref_code="17")
        targets = {
            code: node_create(actor=system_actor, framework=sdg, parent=goal, title={"en": code}, ref_code=code)
            for code in ("17.8", "17.17")
        }
        initiative = initiative_create(
            actor=system_actor, lead_unit=office, code="AFR-T1", region="AFR", title={"en": "Initiative"}
        )
    return SimpleNamespace(
        tree=tree, office=office, op=op, objective=objective, outputs=outputs, targets=targets, initiative=initiative
    )


def make_activities(plan, actor):
    """Two activities with every kind of cell, their milestones and budget lines (test data)."""
    tree = plan.tree
    with audit_context(source="cli", reason="test data"):
        first = activity_create(
            actor=actor, responsible_unit=tree.dept_a, code="ACT-1",
            title={"en": "Broadband workshop", "fr": "Atelier haut débit", "zh-hans": "宽带讲习班"},
            description={"en": "Two days", "ar": "يومان"}, type="event",
            contributing_units=[tree.dept_b, tree.div_a1], nodes=plan.outputs, sdg_targets=[plan.targets["17.8"]],
            initiatives=[plan.initiative], countries=["SN", "KE"], regions=["AFR"],
            partners=["Ministry of ICT, Senegal", "University partner"], planned_start=D(2024, 3, 1),
            planned_end=D(2024, 9, 30), actual_start=D(2024, 3, 4), actual_end=D(2024, 10, 2), status="completed",
            is_sample=True,
        )  # fmt: skip
        second = activity_create(
            actor=actor, responsible_unit=plan.office, code="ACT-2", title={"en": "Regulatory study"},
            nodes=[plan.objective], planned_start=D(2025, 1, 1), status="delayed",
            status_reason="Waiting for the data",
        )  # fmt: skip
        milestone_create(actor=actor, activity=first, title={"en": "Agenda agreed"}, due_date=D(2024, 4, 1),
                         done_date=D(2024, 3, 28))  # fmt: skip
        milestone_create(actor=actor, activity=first, title={"en": "Workshop held", "fr": "Atelier tenu"},
                         due_date=D(2024, 9, 1))  # fmt: skip
        milestone_create(actor=actor, activity=second, title={"en": "Data collected"}, due_date=D(2025, 6, 30))
        budget_line_create(actor=actor, activity=first, source="regular", year=2024, planned=Decimal("12000.50"),
                           committed=Decimal("11000"), spent=Decimal("10999.99"), note="Travel")  # fmt: skip
        budget_line_create(actor=actor, activity=first, source="extra_budgetary", year=2024, currency="USD",
                           planned=Decimal("1234567.89"), is_sample=True)  # fmt: skip
        budget_line_create(actor=actor, activity=second, source="ict_df", year=2025, currency="EUR")
    return first, second


def workbook(**sheets):
    """An .xlsx file from {sheet: [header, row, ...]}."""
    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        ws = book.create_sheet(name)
        for row in rows:
            ws.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def cells(data):
    book = load_workbook(io.BytesIO(data))
    return {name: [tuple(row) for row in book[name].iter_rows(values_only=True)] for name in excel.SHEETS}


def state():
    """What an import may change: row counts, the audit chain's length."""
    return (
        Activity.all_objects.count(),
        Milestone.all_objects.count(),
        BudgetLine.all_objects.count(),
        Activity.contributing_units.through.objects.count(),
        Activity.nodes.through.objects.count(),
        AuditEvent.objects.count(),
    )


# fmt: off
VALID = {
    "Activities": [
        ["code", "title_en", "title_zh", "type", "responsible_unit", "contributing_units", "results", "sdg_targets",
         "initiatives", "countries", "regions", "partners", "planned_start", "planned_end", "status",
         "status_reason"],
        ["NEW-1", "Spectrum training", "频谱培训", "capacity_building", "DEPT-A", "DEPT-B, DIV-A1",
         "OP-T:1.1, OP-T:D.1", "17.8, SDG-T:17.17", "AFR-T1", "sn, KE", "afr", "Regulator; Ministry, ICT",
         D(2025, 2, 1), "2025-05-31", "ongoing", None],
        ["NEW-2", "Study", None, None, "RO-T", None, "OP-T:1.2", None, None, None, None, None, None, None,
         "cancelled", "Merged with NEW-1"],
    ],
    "Milestones": [
        ["activity", "title_en", "due_date", "done_date"],
        ["NEW-1", "Trainers recruited", D(2025, 3, 1), "2025-02-27"],
        ["NEW-1", "Course held", "2025-05-15", None],
    ],
    "Budget": [
        ["activity", "source", "year", "currency", "planned", "committed", "spent", "note"],
        ["NEW-1", "regular", 2025, None, 15000, 12000.5, "9000", "Trainers"],
        ["NEW-1", "extra_budgetary", 2025, "usd", 2500.25, None, None, None],
    ],
}
# fmt: on


def test_a_valid_workbook_imports(plan, system_actor):
    before = AuditEvent.objects.count()
    report = excel.import_activities(workbook(**VALID), actor=system_actor, reason="load the plan")
    assert report.errors == []
    assert report.counts == {"activity.created": 2, "milestone.created": 2, "budget_line.created": 2}
    new = Activity.objects.get(code="NEW-1")
    assert new.title == {"en": "Spectrum training", "zh-hans": "频谱培训"}
    assert (new.type, new.status, new.responsible_unit.code) == ("capacity_building", "ongoing", "DEPT-A")
    assert sorted(u.code for u in new.contributing_units.all()) == ["DEPT-B", "DIV-A1"]
    assert {n.pk for n in new.nodes.all()} == {plan.outputs[0].pk, plan.objective.pk}
    assert {n.ref_code for n in new.sdg_targets.all()} == {"17.8", "17.17"}
    assert [i.code for i in new.initiatives.all()] == ["AFR-T1"]
    assert (new.countries, new.regions, new.partners) == (["SN", "KE"], ["AFR"], ["Regulator", "Ministry, ICT"])
    assert (new.planned_start, new.planned_end) == (D(2025, 2, 1), D(2025, 5, 31))
    assert Activity.objects.get(code="NEW-2").status_reason == "Merged with NEW-1"
    milestones = list(Milestone.objects.filter(activity=new).order_by("due_date"))
    assert [(m.title["en"], m.done_date) for m in milestones] == [("Trainers recruited", D(2025, 2, 27)),
                                                                   ("Course held", None)]  # fmt: skip
    lines = list(BudgetLine.objects.filter(activity=new).order_by("source"))
    assert [(b.source, b.currency, b.planned, b.committed, b.spent) for b in lines] == [
        ("extra_budgetary", "USD", Decimal("2500.25"), 0, 0),
        ("regular", "CHF", Decimal(15000), Decimal("12000.50"), Decimal(9000)),
    ]
    events = list(AuditEvent.objects.order_by("seq")[before:])
    assert len(events) == 6
    assert {(e.source, e.actor_username, e.reason) for e in events} == {("import", "orbit-system", "load the plan")}


def test_errors_are_all_reported_with_their_cells_and_nothing_changes(plan, system_actor):
    # fmt: off
    data = workbook(
        Activities=[
            ["code", "title_en", "type", "responsible_unit", "results", "countries", "planned_start", "planned_end",
             "status", "status_reason"],
            ["ACT-OK", "Fine", "event", "DEPT-A", "OP-T:1.1", "SN", D(2025, 1, 1), D(2025, 6, 30), "planned", None],
            ["ACT-U", "Unknown unit", None, "NOPE", None, None, None, None, None, None],
            ["ACT-N", "Unknown node", None, "DEPT-A", "OP-T:9.9", None, None, None, None, None],
            ["ACT-D", "Bad date", None, "DEPT-A", None, None, "2025-13-01", None, None, None],
            ["ACT-E", "End first", None, "DEPT-A", None, None, D(2025, 6, 1), D(2025, 1, 1), None, None],
            ["ACT-R", "Delayed", None, "DEPT-A", None, None, None, None, "delayed", None],
            ["ACT-C", "Country", None, "DEPT-A", None, "SN, XX", None, None, None, None],
        ],
        Milestones=[["activity", "title_en", "due_date"], ["ACT-OK", "Start", "soon"]],
        Budget=[
            ["activity", "source", "year", "currency", "planned"],
            ["ACT-OK", "regular", 2025, "CHF", "12,000 CHF"],
            ["ACT-OK", "regular", 2026, "CHF", 100],
        ],
    )
    # fmt: on
    before = state()
    report = excel.import_activities(data, actor=system_actor)
    assert [str(error) for error in report.errors] == [
        "Activities!D3 (responsible_unit): no organisational unit has the code NOPE",
        "Activities!E4 (results): the framework OP-T has no node 9.9",
        "Activities!G5 (planned_start): '2025-13-01' is not a date (use a date cell or YYYY-MM-DD)",
        "Activities!H6 (planned_end): The planned end is before the planned start.",
        "Activities!J7 (status_reason): Say why the activity is delayed or cancelled.",
        "Activities!F8 (countries): unknown country code(s): XX (use ISO 3166-1 alpha-2)",
        "Milestones!C2 (due_date): 'soon' is not a date (use a date cell or YYYY-MM-DD)",
        "Budget!E2 (planned): '12,000 CHF' is not a number",
    ]
    assert [(e.sheet, e.row, e.column, e.cell) for e in report.errors][:2] == [
        ("Activities", 3, "responsible_unit", "D3"), ("Activities", 4, "results", "E4"),
    ]  # fmt: skip
    assert report.counts == {}
    assert state() == before


def test_the_model_rules_are_checked_on_rows_that_cannot_be_written(plan, system_actor):
    data = workbook(
        Activities=[
            ["code", "title_en", "responsible_unit", "planned_start", "planned_end", "status"],
            ["ACT-X", None, "NOPE", D(2025, 6, 1), D(2025, 1, 1), "cancelled"],
        ],
        Budget=[["activity", "source", "year", "currency", "planned"], ["ACT-X", "regular", 1800, "XYZ", -5]],
    )
    messages = [str(e) for e in excel.import_activities(data, actor=system_actor).errors]
    assert "Activities!C2 (responsible_unit): no organisational unit has the code NOPE" in messages
    assert "Activities!B2 (title_en): Give the text in at least one language." in messages
    assert "Activities!E2 (planned_end): The planned end is before the planned start." in messages
    # A column the sheet does not have is named without a cell.
    assert "Activities row 2 (status_reason): Say why the activity is delayed or cancelled." in messages
    assert any(m.startswith("Budget!D2 (currency): 'XYZ' is not an ISO 4217") for m in messages)
    assert any(m.startswith("Budget!E2 (planned):") for m in messages)


def test_unknown_columns_and_missing_sheets_stop_the_import(plan, system_actor):
    report = excel.import_activities(workbook(Milestones=[["activity", "due_date"]]), actor=system_actor)
    assert [str(e) for e in report.errors] == ["Activities: the sheet Activities is missing"]
    report = excel.import_activities(
        workbook(Activities=[["code", "responsible_unit", "colour"], ["A", "DEPT-A", "red"]]), actor=system_actor
    )
    assert [str(e) for e in report.errors] == ["Activities!C1 (colour): unknown column 'colour' (see the template's "
                                               "columns)"]  # fmt: skip


def test_a_dry_run_changes_nothing(plan, system_actor):
    before = state()
    report = excel.import_activities(workbook(**VALID), actor=system_actor, dry_run=True)
    assert report.errors == [] and report.dry_run
    assert report.counts == {"activity.created": 2, "milestone.created": 2, "budget_line.created": 2}
    assert state() == before


def test_importing_the_same_file_again_changes_nothing(plan, system_actor):
    data = workbook(**VALID)
    excel.import_activities(data, actor=system_actor)
    before = state()
    versions = dict(Activity.objects.values_list("code", "version"))
    report = excel.import_activities(data, actor=system_actor)
    assert report.errors == []
    assert report.counts == {"activity.unchanged": 2, "milestone.unchanged": 2, "budget_line.unchanged": 2}
    assert state() == before
    assert dict(Activity.objects.values_list("code", "version")) == versions


def test_a_changed_row_updates_its_activity_through_the_service(plan, system_actor):
    excel.import_activities(workbook(**VALID), actor=system_actor)
    changed = {name: [list(row) for row in rows] for name, rows in VALID.items()}
    changed["Activities"][1][1] = "Spectrum training (revised)"
    changed["Activities"][1][6] = "OP-T:1.2"
    changed["Milestones"][2][2] = "2025-05-20"
    changed["Budget"][2][4] = 3000
    before = AuditEvent.objects.count()
    report = excel.import_activities(workbook(**changed), actor=system_actor)
    assert report.errors == []
    assert report.counts == {
        "activity.updated": 1, "activity.unchanged": 1, "milestone.unchanged": 1, "milestone.updated": 1,
        "budget_line.unchanged": 1, "budget_line.updated": 1,
    }  # fmt: skip
    activity = Activity.objects.get(code="NEW-1")
    assert activity.version == 2 and activity.title["en"] == "Spectrum training (revised)"
    assert [n.pk for n in activity.nodes.all()] == [plan.outputs[1].pk]
    assert activity.title["zh-hans"] == "频谱培训"
    events = list(AuditEvent.objects.order_by("seq")[before:])
    assert [(e.object_type, e.action) for e in events] == [
        ("planning.activity", "update"), ("planning.milestone", "update"), ("planning.budgetline", "update"),
    ]  # fmt: skip
    assert set(events[0].changes) == {"title", "nodes"}


def test_columns_left_out_are_left_alone(plan, system_actor):
    excel.import_activities(workbook(**VALID), actor=system_actor)
    report = excel.import_activities(
        workbook(Activities=[["code", "responsible_unit", "title_fr"], ["NEW-1", "DEPT-A", "Formation"]]),
        actor=system_actor,
    )
    assert report.errors == [] and report.counts == {"activity.updated": 1}
    activity = Activity.objects.get(code="NEW-1")
    assert activity.title == {"en": "Spectrum training", "fr": "Formation", "zh-hans": "频谱培训"}
    assert activity.partners == ["Regulator", "Ministry, ICT"] and activity.nodes.count() == 2


def test_rights_are_checked_per_row(plan):
    contributor = make_user("contrib")
    grant(contributor, plan.tree.dept_a, "contributor")
    before = state()
    report = excel.import_activities(workbook(**VALID), actor=contributor)
    assert [(e.sheet, e.row) for e in report.errors] == [("Activities", 3)]  # RO-T is outside DEPT-A
    assert state() == before


def test_round_trip_is_exact(plan, system_actor):
    with transaction.atomic():
        make_activities(plan, system_actor)
        first = excel.export_activities(system_actor)
        transaction.set_rollback(True)
    assert not Activity.all_objects.exists()
    report = excel.import_activities(first, actor=system_actor)
    assert report.errors == []
    assert report.counts == {"activity.created": 2, "milestone.created": 3, "budget_line.created": 3}
    second = excel.export_activities(system_actor)
    assert cells(second) == cells(first)
    rows = cells(first)
    assert rows["Activities"][1][:4] == ("ACT-1", "Broadband workshop", "Atelier haut débit", None)
    assert rows["Activities"][1][excel_column("results")] == "OP-T:1.1, OP-T:1.2"
    assert rows["Activities"][2][excel_column("results")] == "OP-T:D.1"
    assert rows["Activities"][1][excel_column("partners")] == "Ministry of ICT, Senegal; University partner"
    assert rows["Budget"][1][1:7] == ("extra_budgetary", 2024, "USD", 1234567.89, 0, 0)
    assert rows["Budget"][2][1:8] == ("regular", 2024, "CHF", 12000.5, 11000, 10999.99, "Travel")
    assert excel.import_activities(second, actor=system_actor).counts == {
        "activity.unchanged": 2, "milestone.unchanged": 3, "budget_line.unchanged": 3,
    }  # fmt: skip


def excel_column(name):
    return [column.name for column in excel.SHEETS["Activities"]].index(name)


def test_round_trip_of_a_generated_plan(plan, system_actor, cli_context):
    report = generate_plan(actor=system_actor, size="small", seed=4, owner=plan.tree.bdt)
    framework = report.framework_id
    units = list(OrgUnit.objects.filter(path__startswith=plan.tree.bdt.path))
    from orbit.results.models import Framework

    with transaction.atomic():
        generate_operations(Framework.objects.get(pk=framework), units, actor=system_actor, size="small", seed=4)
        first = excel.export_activities(system_actor)
        transaction.set_rollback(True)
    assert len(cells(first)["Activities"]) == 25
    assert excel.import_activities(first, actor=system_actor).errors == []
    assert cells(excel.export_activities(system_actor)) == cells(first)


def test_export_of_one_unit(plan, system_actor):
    make_activities(plan, system_actor)
    rows = cells(excel.export_activities(system_actor, plan.tree.dept_a))
    assert [row[0] for row in rows["Activities"]] == ["code", "ACT-1"]
    assert {row[0] for row in rows["Milestones"][1:]} == {row[0] for row in rows["Budget"][1:]} == {"ACT-1"}
    blank = io.BytesIO()
    excel.blank_workbook().save(blank)
    assert load_workbook(blank).sheetnames == [*excel.SHEETS, "Guide"]


def test_commands(plan, system_actor, tmp_path, capsys):
    make_activities(plan, system_actor)
    path = tmp_path / "plan.xlsx"
    call_command("export", "activities", str(path), "--unit", "BDT")
    assert f"Exported the activities of BDT to {path}" in capsys.readouterr().out
    call_command("import", "activities", str(path), "--dry-run")
    out = capsys.readouterr().out
    assert "no errors (dry run, nothing imported)" in out and "activities: 0 created, 0 updated, 2 unchanged" in out
    call_command("import", "activities", str(path), "--reason", "again")
    assert "activities: 0 created, 0 updated, 2 unchanged" in capsys.readouterr().out
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(workbook(Activities=[["code", "title_en", "responsible_unit"], ["A-9", "Nine", "NOPE"]]))
    with pytest.raises(CommandError, match="1 error; nothing was imported"):
        call_command("import", "activities", str(bad))
    assert "Activities!C2 (responsible_unit): no organisational unit has the code NOPE" in capsys.readouterr().err
    with pytest.raises(CommandError, match="no organisational unit"):
        call_command("export", "activities", str(path), "--unit", "NOPE")
    with pytest.raises(CommandError, match=r"must end in \.xlsx"):
        call_command("export", "activities", str(tmp_path / "plan.csv"))
