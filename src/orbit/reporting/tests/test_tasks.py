"""The background job produces a queued run as its requester, source "job", with the reason it was given."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from orbit.core.context import audit_context
from orbit.governance.models import AuditEvent
from orbit.organisation.tests.factories import grant, make_user
from orbit.reporting import services
from orbit.reporting.content import ReportParams
from orbit.reporting.models import ReportRun
from orbit.reporting.tasks import produce_report
from orbit.results.tests.factories import make_framework, make_indicator, make_node

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def queued(tree):
    reader = make_user("a.reader")
    grant(reader, tree.dept_a, "viewer")
    framework = make_framework(tree.dept_a, "REP", tiers=2)
    make_indicator(make_node(framework, "Connect schools"), "I1")
    with audit_context(source="web"):
        return services.report_request(
            actor=reader, params=ReportParams(framework_id=framework.pk), fmt="html", enqueue=False
        )


def test_the_job_produces_the_run_as_its_requester_with_the_reason(queued):
    result = produce_report.enqueue(queued.pk, "a.reader", "quarterly board pack")
    assert result.return_value == "done"
    assert ReportRun.objects.get(pk=queued.pk).status == "done"
    events = AuditEvent.objects.filter(object_type="reporting.reportrun", source="job").order_by("seq")
    assert [(e.actor_username, e.reason) for e in events] == [("a.reader", "quarterly board pack")] * 2


def test_the_job_refuses_an_unknown_or_inactive_actor_and_leaves_the_run_queued(queued):
    assert produce_report.enqueue(queued.pk, "ghost", "x").status == "FAILED"
    get_user_model().objects.filter(username="a.reader").update(is_active=False)
    assert produce_report.enqueue(queued.pk, "a.reader", "x").status == "FAILED"
    assert ReportRun.objects.get(pk=queued.pk).status == "queued"
