"""BPMN uploads into the inventory: preview, atomic apply, idempotent re-import, cross-file calls, refusals."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from conftest import shared_path

from orbit.core.context import audit_context
from orbit.governance.models import AuditEvent
from orbit.organisation.services import system_actor
from orbit.processes import services
from orbit.processes.bpmn_import import plan_import
from orbit.processes.models import (
    BpmnUpload,
    Dependency,
    DependencyKind,
    ExternalParty,
    ItSystem,
    Level,
    Process,
    ProcessParticipant,
    ProcessRole,
)

pytestmark = pytest.mark.django_db


def corpus() -> Path:
    return shared_path("data", "bpm", "bpmn")


def read(*names: str) -> list[tuple[str, bytes]]:
    root = corpus()
    return [(Path(name).name, (root / name).read_bytes()) for name in names]


def real_files() -> list[tuple[str, bytes]]:
    root = corpus()
    paths = sorted(p for p in root.rglob("*.bpmn") if "malformed" not in p.parts)
    return [(str(p.relative_to(root)), p.read_bytes()) for p in paths]


def preview(unit, files):
    with audit_context(source="web", reason="test"):
        return services.bpmn_upload_preview(actor=system_actor(), owner_unit=unit, files=files)


def apply(upload):
    with audit_context(source="web", reason="test"):
        return services.bpmn_upload_apply(actor=system_actor(), upload=upload, expected_version=upload.version)


def test_camunda_pair_preview_then_apply_resolves_the_cross_file_call(tree):
    files = read("camunda/invoice.v2.bpmn", "camunda/reviewInvoice.bpmn")
    before = Process.all_objects.count()
    upload = preview(tree.dept_a, files)
    assert upload.status == BpmnUpload.Status.PREVIEWED
    assert Process.all_objects.count() == before  # a preview writes nothing into the inventory
    calls = upload.report["calls"]
    assert [(c["called_element"], c["status"]) for c in calls] == [("ReviewInvoice", "resolved")]
    counts = upload.report["counts"]
    assert counts["process"]["create"] == 2

    upload = apply(upload)
    assert upload.status == BpmnUpload.Status.APPLIED
    invoice = Process.objects.get(import_key="bpmn:invoice.v2.bpmn#invoice")
    review = Process.objects.get(import_key="bpmn:reviewInvoice.bpmn#ReviewInvoice")
    assert invoice.level == Level.PROCESS and invoice.owner_unit == tree.dept_a
    call = Dependency.objects.get(source=invoice, target=review)
    assert call.kind == DependencyKind.CALLS
    # Lanes became roles, responsible in the process; the data store became an IT system of the process.
    roles = set(ProcessRole.objects.values_list("code", flat=True))
    assert {"TEAM-ASSISTANT", "APPROVER", "ACCOUNTANT"} <= roles
    assert ProcessParticipant.objects.filter(process=invoice, role__code="APPROVER", raci="R").exists()
    assert invoice.it_systems.count() == 1
    parts = Process.objects.filter(parent=invoice)
    assert {p.task_type for p in parts} >= {"userTask", "businessRuleTask", "callActivity"}
    # Every record written is in the audit log.
    assert AuditEvent.objects.filter(object_type="processes.process", action="create").count() == (
        Process.objects.count()
    )


def test_reimporting_the_same_files_changes_nothing(tree):
    files = read("camunda/invoice.v2.bpmn", "camunda/reviewInvoice.bpmn")
    apply(preview(tree.dept_a, files))
    events = AuditEvent.objects.count()
    second = preview(tree.dept_a, files)
    counts = second.report["counts"]
    assert all(c["create"] == 0 and c["update"] == 0 for c in counts.values()), counts
    apply(second)
    # Only the two upload records themselves (preview, apply) were written.
    assert AuditEvent.objects.count() == events + 2


def test_spiff_nested_calls_report_ambiguous_dangling_and_self(tree):
    root = corpus() / "spiff" / "call_activity_nested"
    files = [(p.name, p.read_bytes()) for p in sorted(root.glob("*.bpmn"))]
    upload = preview(tree.dept_a, files)
    statuses = {c["called_element"]: c["status"] for c in upload.report["calls"]}
    assert statuses["Level2"] == "ambiguous"
    assert statuses["Level2b"] == "dangling"
    assert statuses["Level3"] == "self"
    messages = " ".join(i["message"] for i in upload.report["issues"])
    assert "defined more than once" in messages and "calls itself" in messages
    apply(upload)
    level3 = Process.objects.get(import_key="bpmn:call_activity_level_3.bpmn#Level3")
    assert Dependency.objects.filter(source=level3, target=level3, kind="calls").exists()  # the cycle is kept
    assert not Dependency.objects.filter(note__contains="Level2").exists()


def test_a_dangling_call_resolves_against_an_earlier_import(tree):
    apply(preview(tree.dept_a, read("camunda/reviewInvoice.bpmn")))
    upload = preview(tree.dept_a, read("camunda/invoice.v2.bpmn"))
    assert [c["status"] for c in upload.report["calls"]] == ["resolved"]
    apply(upload)
    assert Dependency.objects.filter(kind="calls", target__import_key__endswith="#ReviewInvoice").count() == 1


def test_black_box_pools_become_external_parties_and_message_flows_dependencies(tree):
    upload = apply(preview(tree.dept_a, read("bpmnjs/complex.bpmn")))
    assert upload.status == BpmnUpload.Status.APPLIED
    assert ExternalParty.objects.count() > 0
    assert Process.objects.filter(external_parties__isnull=False).distinct().count() > 0
    assert Dependency.objects.filter(kind=DependencyKind.MESSAGES).count() > 0
    assert ItSystem.objects.filter(name__icontains="HR-Tool").exists()


@pytest.mark.parametrize(
    "name",
    ["error_no-xml.txt", "error_binary.png", "multiple-nested-processes_unbound-prefix.bpmn",
     "error_missing-namespace.bpmn"],
)  # fmt: skip
def test_a_refused_file_refuses_the_whole_upload(tree, name):
    files = read("camunda/reviewInvoice.bpmn") + read(f"bpmnjs/malformed/{name}")
    upload = preview(tree.dept_a, files)
    assert upload.status == BpmnUpload.Status.REFUSED
    refused = [f for f in upload.report["files"] if f["refused"]]
    assert [f["name"] for f in refused] == [name] and refused[0]["refused"]
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        apply(upload)
    assert not Process.objects.exists()


def test_every_real_file_imports_in_one_upload_quickly(tree):
    files = real_files()
    oracle = json.loads((corpus() / "ORACLE_summary.json").read_text(encoding="utf-8"))
    assert len(files) == len([name for name in oracle if "malformed" not in name])
    started = time.perf_counter()
    plan = plan_import(files, owner_unit=tree.dept_a)
    assert plan.ok, [f.refused for f in plan.refused]
    upload = apply(preview(tree.dept_a, files))
    elapsed = time.perf_counter() - started
    print(f"{len(files)} real BPMN files planned, previewed and applied in {elapsed:.2f} s")
    assert upload.status == BpmnUpload.Status.APPLIED
    expected_processes = sum(f.processes for f in plan.files)
    assert Process.objects.filter(level=Level.PROCESS).count() == expected_processes


def test_names_with_stray_white_space_do_not_make_reimports_update(tree):
    # Reference_A.4.1 (exported by Signavio) has names such as "Task 1 " and names broken over lines.
    files = read("miwg/Reference_A.4.1.bpmn")
    apply(preview(tree.dept_a, files))
    again = preview(tree.dept_a, files)
    changed = [r for r in again.report["records"] if r["action"] != "unchanged"]
    assert changed == []
