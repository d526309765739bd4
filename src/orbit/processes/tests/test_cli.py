"""The process inventory's commands: ``orbit import bpmn``, ``orbit import submissions``, the submissions template,
``orbit export processes`` and ``orbit export archi``.

Expected BPMN figures come from ``bpmn/ORACLE_summary.json`` (an independent lxml scan of the files), not from
the reader under test.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from conftest import shared_path
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook, load_workbook

from orbit.core.context import audit_context
from orbit.governance.models import AuditEvent
from orbit.organisation.services import org_unit_archive, system_actor
from orbit.organisation.tests.factories import grant, make_user
from orbit.processes import services
from orbit.processes.capture_excel import COLUMNS, SHEET
from orbit.processes.models import Dependency, DependencyKind, Level, Process, Submission

pytestmark = pytest.mark.django_db


def camunda(name: str) -> Path:
    return shared_path("data", "bpm", "bpmn", "camunda", name)


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def oracle() -> dict[str, dict[str, object]]:
    data: dict[str, dict[str, object]] = json.loads(
        shared_path("data", "bpm", "bpmn", "ORACLE_summary.json").read_text(encoding="utf-8")
    )
    return data


# --- orbit import bpmn ---------------------------------------------------------------------------------------


def test_bpmn_dry_run_prints_the_plan_and_writes_nothing(tree):
    invoice, review = camunda("invoice.v2.bpmn"), camunda("reviewInvoice.bpmn")
    facts = oracle()["camunda/invoice.v2.bpmn"]
    events = AuditEvent.objects.count()
    out, _err = run("import", "bpmn", str(invoice), str(review), "--unit", "DEPT-A", "--dry-run")
    assert Process.all_objects.count() == 0
    assert AuditEvent.objects.count() == events
    tasks = sum(facts["task_counts"].values())  # type: ignore[attr-defined]
    lanes = len(facts["lanes"])  # type: ignore[arg-type]
    assert (
        f"invoice.v2.bpmn: 1 process, 1 pool, 0 black-box pools, {lanes} lanes, {tasks} tasks, 1 call activity, "
        "0 message flows (made with Camunda Modeler 3.5.0)"
    ) in out
    assert "reviewInvoice.bpmn: 1 process, 0 pools, 0 black-box pools, 0 lanes, 2 tasks, 0 call activities" in out
    assert "dry run, nothing imported" in out
    # Two processes and one cross-file call would be created.
    assert "processes: 2 to create, 0 to update, 0 unchanged" in out
    assert "dependencies: 1 to create, 0 to update, 0 unchanged" in out


def test_bpmn_import_applies_then_a_second_run_changes_nothing(tree):
    invoice, review = camunda("invoice.v2.bpmn"), camunda("reviewInvoice.bpmn")
    out, _err = run("import", "bpmn", str(invoice), str(review), "--unit", "DEPT-A", "--reason", "inventory")
    assert "Imported:" in out and "processes: 2 created, 0 updated, 0 unchanged" in out
    caller = Process.objects.get(import_key="bpmn:invoice.v2.bpmn#invoice")
    called = Process.objects.get(import_key="bpmn:reviewInvoice.bpmn#ReviewInvoice")
    assert caller.owner_unit == tree.dept_a and caller.level == Level.PROCESS
    assert Dependency.objects.filter(source=caller, target=called, kind=DependencyKind.CALLS).count() == 1
    # The parts: the oracle's 4 tasks of invoice.v2 and its call activity, and the 2 user tasks of reviewInvoice.
    assert Process.objects.filter(parent=caller).count() == 4 + 1
    assert Process.objects.filter(parent=called).count() == 2
    created = AuditEvent.objects.filter(source="import", action="create", object_type="processes.process")
    assert created.count() == Process.objects.count()
    assert set(created.values_list("reason", flat=True)) == {"inventory"}

    events, processes = AuditEvent.objects.count(), Process.objects.count()
    out, _err = run("import", "bpmn", str(invoice), str(review), "--unit", "DEPT-A")
    assert "processes: 0 created, 0 updated, 2 unchanged" in out
    assert AuditEvent.objects.count() == events and Process.objects.count() == processes


def test_a_malformed_file_refuses_the_whole_import(tree):
    malformed = shared_path("data", "bpm", "bpmn", "bpmnjs", "malformed", "error_no-xml.txt")
    events = AuditEvent.objects.count()
    err = io.StringIO()
    with pytest.raises(CommandError) as caught:
        call_command(
            "import", "bpmn", str(camunda("reviewInvoice.bpmn")), str(malformed), "--unit", "DEPT-A",
            stdout=io.StringIO(), stderr=err,
        )  # fmt: skip
    assert "error_no-xml.txt" in err.getvalue() and "not an XML document" in err.getvalue()
    assert "nothing was imported" in str(caught.value)
    assert Process.all_objects.count() == 0 and AuditEvent.objects.count() == events


def test_an_unbound_prefix_is_reported_with_its_line_and_column(tree):
    malformed = shared_path(
        "data", "bpm", "bpmn", "bpmnjs", "malformed", "multiple-nested-processes_unbound-prefix.bpmn"
    )
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import", "bpmn", str(malformed), "--unit", "DEPT-A", stdout=io.StringIO(), stderr=err)
    assert "multiple-nested-processes_unbound-prefix.bpmn: the XML is malformed at line" in err.getvalue()
    assert ", column " in err.getvalue()


def test_bpmn_import_refuses_an_unknown_unit_a_missing_file_and_a_reader(tree, tmp_path):
    review = str(camunda("reviewInvoice.bpmn"))
    with pytest.raises(CommandError, match="--unit 'NOPE'"):
        run("import", "bpmn", review, "--unit", "NOPE")
    with pytest.raises(CommandError, match="no such file"):
        run("import", "bpmn", str(tmp_path / "absent.bpmn"), "--unit", "DEPT-A")
    reader = make_user("reader")
    grant(reader, tree.dept_a, "viewer")
    with pytest.raises(CommandError):
        run("import", "bpmn", review, "--unit", "DEPT-A", "--actor", "reader")
    assert not Process.all_objects.exists()


# --- orbit import submissions ----------------------------------------------------------------------------------


def workbook(rows: list[list[object]], header: list[str] | None = None) -> Workbook:
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = SHEET
    ws.append(header or [column.name for column in COLUMNS])
    for row in rows:
        ws.append(row)
    return book


def save(book: Workbook, path: Path) -> Path:
    book.save(path)
    return path


def test_the_template_has_the_columns_a_help_sheet_and_a_list_of_kinds(tmp_path):
    path = tmp_path / "template.xlsx"
    out, _err = run("export", "submissions-template", "-o", str(path))
    assert str(path) in out
    book = load_workbook(path)
    assert book.sheetnames == ["Submissions", "Guide"]
    ws = book["Submissions"]
    assert [c.value for c in ws[1]] == ["Kind", "Title", "Description", "Unit code", "Process code"]
    assert ws.max_row == 1
    (validation,) = ws.data_validations.dataValidation
    assert validation.type == "list" and validation.formula1 == '"process,pain_point,idea"'
    assert str(validation.sqref).startswith("A2:A")
    guide = list(book["Guide"].iter_rows(min_row=2, values_only=True))
    assert [row[1] for row in guide] == ["Kind", "Title", "Description", "Unit code", "Process code"]
    with pytest.raises(CommandError, match=r"must end in \.xlsx"):
        run("export", "submissions-template", "-o", str(tmp_path / "template.csv"))


def test_submissions_dry_run_then_import(tree, tmp_path):
    with audit_context(source="cli", reason="test data"):
        process = services.process_create(
            actor=system_actor(), owner_unit=tree.dept_a, code="DEPT-A-P001", name={"en": "Leave requests"}
        )
    rows = [
        ["process", "Mission travel", "Forms are signed three times.", "DEPT-A", None],
        ["Pain point", "Slow approvals", "Leave requests wait a week.", "DEPT-A", "DEPT-A-P001"],
        ["idea", "Online form", "Replace the paper form.", "DEPT-B", ""],
    ]
    # Filled in from the template the command writes, as people would (its Guide sheet stays in the file).
    path = tmp_path / "capture.xlsx"
    run("export", "submissions-template", "-o", str(path))
    book = load_workbook(path)
    for row in rows:
        book["Submissions"].append(row)
    book.save(path)
    out, _err = run("import", "submissions", str(path), "--dry-run")
    assert "it would create 3 submissions" in out
    assert not Submission.objects.exists()
    out, _err = run("import", "submissions", str(path), "--reason", "workshop")
    assert "Imported" in out and "3 submissions" in out
    found = {s.title: s for s in Submission.objects.all()}
    assert set(found) == {"Mission travel", "Slow approvals", "Online form"}
    assert found["Slow approvals"].kind == "pain_point" and found["Slow approvals"].process == process
    assert found["Online form"].unit == tree.dept_b and found["Online form"].process is None
    assert all(s.status == Submission.Status.NEW for s in found.values())
    events = AuditEvent.objects.filter(object_type="processes.submission", action="create")
    assert events.count() == 3 and set(events.values_list("source", flat=True)) == {"import"}


def test_bad_submissions_report_every_cell_and_import_nothing(tree, tmp_path):
    with audit_context(source="cli", reason="test data"):
        org_unit_archive(actor=system_actor(), unit=tree.dept_b, expected_version=tree.dept_b.version, reason="x")
    rows = [
        ["process", "Fine", "A good row.", "DEPT-A", None],  # row 2
        ["complaint", "", "Kind and title wrong.", "DEPT-A", None],  # row 3
        ["idea", "x" * 301, None, "NOPE", "NO-SUCH-PROCESS"],  # row 4
        [None, None, None, None, None],  # row 5: blank, skipped
        ["idea", "Archived unit", "Unit is archived.", "DEPT-B", None],  # row 6
    ]
    path = save(workbook(rows), tmp_path / "bad.xlsx")
    err = io.StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("import", "submissions", str(path), stdout=io.StringIO(), stderr=err)
    lines = err.getvalue().strip().splitlines()
    assert lines == [
        "Submissions!A3 (Kind): 'complaint' is not a kind of submission; write process, pain_point or idea",
        "Submissions!B3 (Title): required",
        "Submissions!B4 (Title): the text is 301 characters long; at most 300 are kept",
        "Submissions!C4 (Description): required",
        "Submissions!D4 (Unit code): no organisational unit has the code NOPE",
        "Submissions!E4 (Process code): no process of the inventory has the code NO-SUCH-PROCESS",
        "Submissions!D6 (Unit code): the unit DEPT-B is archived",
    ]
    assert "7 errors; nothing was imported" in str(caught.value)
    assert not Submission.objects.exists()


def test_a_workbook_without_the_sheet_or_with_an_unknown_column_is_refused(tree, tmp_path):
    other = Workbook()
    assert other.active is not None
    other.active.title = "Sheet1"
    with pytest.raises(CommandError):
        run("import", "submissions", str(save(other, tmp_path / "other.xlsx")))
    err = io.StringIO()
    book = workbook([["idea", "T", "D", "DEPT-A", None, "x"]], header=[*(c.name for c in COLUMNS), "Priority"])
    with pytest.raises(CommandError):
        call_command(
            "import", "submissions", str(save(book, tmp_path / "extra.xlsx")), stdout=io.StringIO(), stderr=err
        )
    assert err.getvalue().startswith("Submissions!F1 (Priority): unknown column 'Priority'")
    assert not Submission.objects.exists()


# --- the inventory exports from the command line -----------------------------------------------------------------


def test_export_processes_and_archi_from_the_command_line(tree, tmp_path):
    run("import", "bpmn", str(camunda("invoice.v2.bpmn")), str(camunda("reviewInvoice.bpmn")), "--unit", "DEPT-A")
    path = tmp_path / "inventory.xlsx"
    out, _err = run("export", "processes", "-o", str(path))
    assert str(path) in out
    book = load_workbook(path)
    codes = [row[0] for row in book["Processes"].iter_rows(min_row=2, values_only=True)]
    assert sorted(codes) == sorted(Process.objects.values_list("code", flat=True))
    deps = list(book["Dependencies"].iter_rows(min_row=2, values_only=True))
    assert [(d[2]) for d in deps] == ["calls"]

    folder = tmp_path / "archi"
    out, _err = run("export", "archi", str(folder), "--name", "Invoices")
    assert sorted(p.name for p in folder.iterdir()) == ["elements.csv", "properties.csv", "relations.csv"]
    first_rows = (folder / "elements.csv").read_bytes().split(b"\r\n")[:2]
    assert first_rows[1].startswith(b'"id-orbit-model","ArchimateModel","Invoices",')

    with pytest.raises(CommandError, match="--unit 'NOPE'"):
        run("export", "processes", "-o", str(path), "--unit", "NOPE")
    run("export", "processes", "-o", str(path), "--unit", "DEPT-B")
    assert load_workbook(path)["Processes"].max_row == 1  # DEPT-B owns no process
