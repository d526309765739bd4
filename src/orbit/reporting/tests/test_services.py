"""Report runs: requested, produced in a background job, failed with a message, audited, scoped."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage

from orbit.core.context import audit_context
from orbit.core.errors import NotFound, PermissionDenied
from orbit.governance.models import AuditEvent
from orbit.organisation.tests.factories import grant, make_user
from orbit.reporting import selectors, services
from orbit.reporting.content import ReportError, ReportParams
from orbit.reporting.models import ReportRun
from orbit.results.tests.factories import make_framework, make_indicator, make_node

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def org(tree):
    people = SimpleNamespace(
        reader=make_user("a.reader"), other=make_user("b.reader"), boss=make_user("bdt.boss")
    )
    grant(people.reader, tree.dept_a, "viewer")
    grant(people.other, tree.dept_b, "viewer")
    grant(people.boss, tree.bdt, "manager")
    framework = make_framework(tree.dept_a, "REP", tiers=2)
    objective = make_node(framework, "Connect schools")
    make_indicator(objective, "I1", unit_label="schools")
    return SimpleNamespace(tree=tree, framework=framework, objective=objective, **people.__dict__)


def params(org, **values) -> ReportParams:
    values.setdefault("framework_id", org.framework.pk)
    return ReportParams(**values)


def events_of(run: ReportRun) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(object_type="reporting.reportrun", object_id=str(run.pk)).order_by("seq"))


def test_a_requested_report_runs_in_a_job_and_is_kept_with_its_file(org):
    with audit_context(source="web"):
        run = services.report_request(actor=org.reader, params=params(org, period="2025"), fmt="html")
    assert run.status == ReportRun.Status.DONE, run.error
    assert run.progress == 100 and run.started_at and run.finished_at and run.data_cutoff
    assert run.file.name.startswith(f"reports/{run.requested_at:%Y}/{run.pk}-") and run.file.name.endswith(".html")
    assert run.size == default_storage.size(run.file.name) > 0
    with default_storage.open(run.file.name) as handle:
        assert "Connect schools" in handle.read().decode()
    assert run.params == params(org, period="2025").to_json() and run.task_id
    actions = [(e.action, e.source, e.actor_username, json.loads(e.changes_json).get("status")) for e in events_of(run)]
    assert actions == [
        ("create", "web", "a.reader", [None, "queued"]),
        ("update", "job", "a.reader", ["queued", "running"]),
        ("update", "job", "a.reader", ["running", "done"]),
    ]
    assert all("progress" not in e.changes and "step" not in e.changes for e in events_of(run))


def test_progress_ticks_are_written_but_not_audited(org, monkeypatch):
    seen: list[tuple[int, str]] = []

    def render(*, user, params, fmt, out, progress=None):
        for percent in (0, 10, 10, 10, 50, 90):
            progress(percent, f"step {percent}")
            seen.append((ReportRun.objects.get().progress, ReportRun.objects.get().step))
        out.write(b"report")
        return SimpleNamespace(title="Made", cutoff=None)

    monkeypatch.setattr(services, "render_report", render)
    monkeypatch.setattr(services, "PROGRESS_INTERVAL", 3600)
    before = AuditEvent.objects.count()
    run = services.report_request(actor=org.reader, params=params(org), fmt="pdf")
    assert run.status == "done" and run.title == "Made" and run.size == 6
    # each percent change is written at once; a repeated percent with a new step waits for the interval
    assert seen == [(0, "step 0"), (10, "step 10"), (10, "step 10"), (10, "step 10"), (50, "step 50"),
                    (90, "step 90")]  # fmt: skip
    assert AuditEvent.objects.count() - before == 3  # requested, started, done


def test_a_report_error_fails_the_run_with_its_message_and_is_audited(org, monkeypatch):
    def render(**kwargs):
        kwargs["progress"](30, "Indicators")
        raise ReportError("node_id: the node is archived.")

    monkeypatch.setattr(services, "render_report", render)
    run = services.report_request(actor=org.reader, params=params(org), fmt="docx")
    assert (run.status, run.error, run.progress, bool(run.file)) == (
        "failed", "node_id: the node is archived.", 30, False
    )  # fmt: skip
    assert run.finished_at is not None
    last = events_of(run)[-1]
    assert last.changes["status"] == ["running", "failed"] and last.source == "job"


def test_an_unexpected_error_never_leaves_a_run_running(org, monkeypatch):
    def render(**kwargs):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(services, "render_report", render)
    run = services.report_request(actor=org.reader, params=params(org), fmt="xlsx")
    assert run.status == "failed" and "unexpected error" in run.error and "boom" not in run.error


def test_an_interrupted_run_is_marked_failed_and_the_interruption_goes_on(org, monkeypatch):
    def render(**kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(services, "render_report", render)
    with audit_context(source="cli"):
        run = services.report_request(actor=org.reader, params=params(org), fmt="pdf", enqueue=False)
        with pytest.raises(KeyboardInterrupt):
            services.report_run(actor=org.reader, run_id=run.pk)
    run.refresh_from_db()
    assert run.status == "failed" and "interrupted" in run.error


def test_bad_parameters_name_their_field_and_create_nothing(org, tree):
    foreign = make_framework(tree.dept_b, "OTHER")
    cases = {
        "framework": params(org, framework_id=foreign.pk),
        "node": params(org, node_id=999999),
        "unit": params(org, unit_code="NOPE"),
        "region": params(org, region="XYZ"),
        "language": params(org, language="de"),
        "period": params(org, period="1999"),
        "period ": params(org, period="20x4"),
    }
    for name, bad in cases.items():
        with pytest.raises(ValidationError) as caught:
            services.report_request(actor=org.reader, params=bad, fmt="pdf")
        assert list(caught.value.message_dict) == [name.strip()], (name, caught.value.message_dict)
    with pytest.raises(ValidationError) as caught:
        services.report_request(actor=org.reader, params=params(org, unit_code="NOPE"), fmt="odt")
    assert set(caught.value.message_dict) == {"unit", "format"}
    assert ReportRun.all_objects.count() == 0


def test_only_the_requester_produces_a_queued_run(org):
    with audit_context(source="cli"):
        run = services.report_request(actor=org.reader, params=params(org), fmt="html", enqueue=False)
        with pytest.raises(PermissionDenied):
            services.report_run(actor=org.other, run_id=run.pk)
        with pytest.raises(NotFound):
            services.report_run(actor=org.reader, run_id=run.pk + 1000)
        done = services.report_run(actor=org.reader, run_id=run.pk)
        assert done.status == "done"
        with pytest.raises(ValidationError):
            services.report_run(actor=org.reader, run_id=run.pk)


def test_runs_are_seen_by_their_requester_only(org, django_user_model):
    with audit_context(source="cli"):
        run = services.report_request(actor=org.reader, params=params(org), fmt="html", enqueue=False)
    assert selectors.report_run_get(org.reader, run.pk) == run
    # BDT's manager reads DEPT-A's framework, but a report holds what its requester may read: not shown to others
    for someone in (org.boss, org.other):
        with pytest.raises(NotFound):
            selectors.report_run_get(someone, run.pk)
        assert list(selectors.report_run_list(someone)) == []
    admin = django_user_model.objects.create_superuser("report.admin", password="x")
    assert selectors.report_run_get(admin, run.pk) == run


def test_archive_keeps_the_run_and_refuses_a_run_in_progress(org):
    with audit_context(source="cli"):
        queued = services.report_request(actor=org.reader, params=params(org), fmt="html", enqueue=False)
        with pytest.raises(ValidationError):
            services.report_archive(actor=org.reader, run=queued, expected_version=queued.version, reason="old")
        done = services.report_run(actor=org.reader, run_id=queued.pk)
        with pytest.raises(PermissionDenied):
            services.report_archive(actor=org.boss, run=done, expected_version=done.version, reason="old")
        archived = services.report_archive(actor=org.reader, run=done, expected_version=done.version, reason="old")
    assert archived.is_archived and ReportRun.all_objects.filter(pk=done.pk).exists()
    assert list(selectors.report_run_list(org.reader)) == []
    assert list(selectors.report_run_list(org.reader, include_archived=True)) == [archived]
    assert default_storage.exists(archived.file.name)


def test_a_run_the_queue_refuses_is_failed_not_left_queued(org, monkeypatch):
    from orbit.reporting import tasks

    def refuse(*args, **kwargs):
        raise ConnectionError("queue down")

    monkeypatch.setattr(tasks, "produce_report", SimpleNamespace(enqueue=refuse))
    with audit_context(source="web"):
        run = services.report_request(actor=org.reader, params=params(org), fmt="pdf")
    assert run.status == "failed" and "background worker" in run.error
    assert [e.changes.get("status") for e in events_of(run)] == [[None, "queued"], ["queued", "failed"]]
