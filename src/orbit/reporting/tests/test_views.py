"""Report pages: the form (errors shown, never a 500), the run's page and its progress panel, the download and the
history, scoped, with query counts that do not grow with the history."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from orbit.core.context import audit_context
from orbit.organisation.tests.factories import grant, make_user
from orbit.reporting import services
from orbit.reporting.content import ReportParams
from orbit.reporting.models import ReportRun
from orbit.results.tests.factories import make_framework, make_indicator, make_node

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def org(tree):
    people = SimpleNamespace(reader=make_user("a.reader"), other=make_user("b.reader"))
    grant(people.reader, tree.dept_a, "viewer")
    grant(people.other, tree.dept_b, "viewer")
    framework = make_framework(tree.dept_a, "REP", tiers=2)
    objective = make_node(framework, "Connect schools")
    make_indicator(objective, "I1", unit_label="schools")
    return SimpleNamespace(tree=tree, framework=framework, objective=objective, **people.__dict__)


def request_runs(org, count: int, *, fmt: str = "html", queued: bool = False) -> list[ReportRun]:
    with audit_context(source="cli"):
        return [
            services.report_request(
                actor=org.reader, params=ReportParams(framework_id=org.framework.pk), fmt=fmt, enqueue=not queued
            )
            for _ in range(count)
        ]


def count_queries(client, url: str, **params) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200, response.content[:500]
    return len(ctx.captured_queries), response


def test_the_form_makes_a_run_and_shows_its_page_with_a_download(client, org):
    client.force_login(org.reader)
    page = client.get(reverse("reporting:report-new"))
    assert page.status_code == 200 and b'value="REP"' not in page.content  # frameworks are chosen by id
    assert f'<option value="{org.framework.pk}"'.encode() in page.content
    response = client.post(reverse("reporting:report-new"), {
        "framework": org.framework.pk, "period": "2025", "node": org.objective.pk, "format": "html", "language": "fr",
    })  # fmt: skip
    run = ReportRun.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("reporting:run-detail", args=[run.pk])
    assert (run.status, run.language, run.params["period"], run.params["node_id"]) == (
        "done", "fr", "2025", org.objective.pk
    )  # fmt: skip
    detail = client.get(response["Location"]).content.decode()
    assert 'data-status="done"' in detail and reverse("reporting:run-download", args=[run.pk]) in detail
    assert "hx-trigger" not in detail  # a finished run is not polled
    assert "1 Connect schools" in detail and "2025" in detail  # the filters, in words
    download = client.get(reverse("reporting:run-download", args=[run.pk]), {"download": "1"})
    assert download.status_code == 200 and download["Content-Disposition"].startswith("attachment;")
    assert b"Connect schools" in b"".join(download.streaming_content)
    inline = client.get(reverse("reporting:run-download", args=[run.pk]))
    assert inline["Content-Disposition"].startswith("inline;") and "default-src 'none'" in inline[
        "Content-Security-Policy"
    ]


def test_the_form_defaults_to_the_interface_language(client, org):
    client.force_login(org.reader)
    page = client.get(reverse("reporting:report-new"), headers={"Accept-Language": "zh-hans"})
    assert '<option value="zh-hans" selected>' in page.content.decode()


def test_form_errors_are_shown_on_their_fields_not_a_500(client, org, tree):
    foreign = make_framework(tree.dept_b, "OTHER")
    client.force_login(org.reader)
    cases = [
        ({"framework": foreign.pk, "format": "pdf", "language": "en"}, "framework"),  # not readable: not a choice
        ({"framework": org.framework.pk, "format": "pdf", "language": "en", "period": "1999"}, "period"),
        ({"framework": org.framework.pk, "format": "pdf", "language": "en", "period": "20x4"}, "period"),
        ({"framework": org.framework.pk, "format": "odt", "language": "en"}, "format"),
        ({"framework": org.framework.pk, "format": "pdf", "language": "en", "unit": "NOPE"}, "unit"),
    ]
    for data, field in cases:
        response = client.post(reverse("reporting:report-new"), data)
        assert response.status_code == 200, (field, response.status_code)
        assert field in response.context["form"].errors, (field, response.context["form"].errors)
        assert b"errorlist" in response.content
    assert ReportRun.all_objects.count() == 0


def test_a_running_run_is_polled_and_the_panel_answers_alone(client, org):
    run = request_runs(org, 1, queued=True)[0]
    client.force_login(org.reader)
    detail = client.get(reverse("reporting:run-detail", args=[run.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in detail and 'data-status="queued"' in detail
    panel = client.get(reverse("reporting:run-progress", args=[run.pk]), headers={"HX-Request": "true"})
    body = panel.content.decode()
    assert body.lstrip().startswith('<div id="run-progress"') and "<html" not in body
    assert panel["Cache-Control"] == "no-store"
    assert client.get(reverse("reporting:run-download", args=[run.pk])).status_code == 404  # no file yet


def test_others_get_404_for_a_run_and_its_file(client, org):
    run = request_runs(org, 1)[0]
    client.force_login(org.other)
    for name in ("run-detail", "run-progress", "run-download", "run-archive"):
        assert client.get(reverse(f"reporting:{name}", args=[run.pk])).status_code == 404, name
    assert client.get(reverse("reporting:run-list")).context["page"].paginator.count == 0


def test_the_history_filters_by_format_and_status(client, org):
    request_runs(org, 2, fmt="html")
    request_runs(org, 1, fmt="html", queued=True)
    client.force_login(org.reader)
    listing = client.get(reverse("reporting:run-list"), {"format": "html", "status": "done"})
    assert listing.context["page"].paginator.count == 2
    assert client.get(reverse("reporting:run-list"), {"status": "queued"}).context["page"].paginator.count == 1
    assert client.get(reverse("reporting:run-list"), {"format": "pdf"}).context["page"].paginator.count == 0
    assert client.get(reverse("reporting:run-list"), {"status": "bogus"}).status_code == 200


def test_archiving_a_run_from_its_page(client, org):
    run = request_runs(org, 1)[0]
    client.force_login(org.reader)
    response = client.post(reverse("reporting:run-archive", args=[run.pk]), {"version": run.version, "reason": "old"})
    assert response.status_code == 302
    run.refresh_from_db()
    assert run.is_archived
    assert client.get(reverse("reporting:run-list")).context["page"].paginator.count == 0
    assert client.get(reverse("reporting:run-list"), {"archived": "1"}).context["page"].paginator.count == 1


def test_query_counts_do_not_grow_with_the_history(client, org):
    client.force_login(org.reader)
    request_runs(org, 2)
    small_list, _ = count_queries(client, reverse("reporting:run-list"))
    small_form, _ = count_queries(client, reverse("reporting:report-new"))
    first = ReportRun.objects.order_by("pk").first()
    small_detail, _ = count_queries(client, reverse("reporting:run-detail", args=[first.pk]))
    small_panel, _ = count_queries(client, reverse("reporting:run-progress", args=[first.pk]))
    request_runs(org, 30)
    make_node(org.framework, "Another objective")
    big_list, response = count_queries(client, reverse("reporting:run-list"))
    assert len(response.context["page"].object_list) == 25
    big_form, _ = count_queries(client, reverse("reporting:report-new"))
    big_detail, _ = count_queries(client, reverse("reporting:run-detail", args=[first.pk]))
    big_panel, _ = count_queries(client, reverse("reporting:run-progress", args=[first.pk]))
    assert (small_list, small_form, small_detail, small_panel) == (big_list, big_form, big_detail, big_panel)
    # session and user, scope (memberships), then: count and page; the form's five choices; the run; the run
    assert (big_list, big_form, big_detail, big_panel) == (6, 8, 5, 3)
