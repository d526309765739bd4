"""Report runs are never deleted, change only through their services, and keep progress as bookkeeping."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from orbit.core.errors import BulkUpdateForbidden, HardDeleteForbidden
from orbit.organisation.tests.factories import make_user
from orbit.reporting.models import ReportRun
from orbit.results.tests.factories import make_framework

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(tree):
    framework = make_framework(tree.dept_a, "REP")
    return ReportRun.objects.create(
        framework=framework, format="pdf", language="en", title="Results report", requested_by=make_user("a.reader"),
        file="reports/2026/1-abc/REP-20261201-0100.pdf",
    )  # fmt: skip


def test_a_run_is_never_deleted_nor_changed_in_bulk_except_its_progress(run):
    with pytest.raises(HardDeleteForbidden):
        run.delete()
    with pytest.raises(HardDeleteForbidden):
        ReportRun.objects.filter(pk=run.pk).delete()
    with pytest.raises(BulkUpdateForbidden):
        ReportRun.objects.filter(pk=run.pk).update(status="done")
    run.progress, run.step = 40, "Charts"
    ReportRun.all_objects.filter(pk=run.pk).bulk_update_derived([run], ["progress", "step"])
    run.refresh_from_db()
    assert (run.progress, run.step, run.status) == (40, "Charts", "queued")
    with pytest.raises(BulkUpdateForbidden):
        ReportRun.all_objects.filter(pk=run.pk).bulk_update_derived([run], ["status"])


def test_progress_is_a_percent(run):
    run.progress = 101
    with pytest.raises(IntegrityError), transaction.atomic():
        ReportRun.all_objects.filter(pk=run.pk).bulk_update_derived([run], ["progress"])


def test_what_a_run_says_of_itself(run, tree):
    assert run.download_name == "REP-20261201-0100.pdf"
    assert run.audit_scope_path() == tree.dept_a.path and run.audit_parent() == run.framework
    assert "progress" in ReportRun.audit_exclude and "status" not in ReportRun.audit_exclude
    assert not run.is_finished and f"#{run.pk}" in run.audit_label()


def test_a_running_run_without_progress_for_long_is_stalled(run):
    import datetime as dt

    from django.utils import timezone

    assert not run.is_stalled  # queued
    run.status, run.started_at = "running", timezone.now() - dt.timedelta(minutes=30)
    run.progress_at = timezone.now() - dt.timedelta(minutes=2)
    assert not run.is_stalled
    run.progress_at = timezone.now() - dt.timedelta(minutes=11)
    assert run.is_stalled
