"""Reports over the API: 202 with the run, 400 naming the fields, 404 for others' runs, the history and the file."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from orbit.governance.models import AuditEvent
from orbit.organisation.tests.factories import grant, make_user
from orbit.reporting.models import ReportRun
from orbit.results.tests.factories import make_framework, make_indicator, make_node

pytestmark = pytest.mark.django_db
RUNS = "/api/reports/runs/"


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


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_a_request_answers_202_with_the_run_and_its_links(org):
    client = client_for(org.reader)
    response = client.post(RUNS, {"framework": org.framework.pk, "period": "2025", "format": "html"}, format="json",
                           headers={"Accept-Language": "fr"})  # fmt: skip
    assert response.status_code == 202, response.json()
    body = response.json()
    run = ReportRun.objects.get()
    assert response["Location"].endswith(f"{RUNS}{run.pk}/")
    assert (body["id"], body["status"], body["format"], body["language"], body["progress"]) == (
        run.pk, "done", "html", "fr", 100
    )  # fmt: skip
    assert body["params"]["period"] == "2025" and body["framework_code"] == "REP"
    assert body["links"]["download"].endswith(f"{RUNS}{run.pk}/download/")
    event = AuditEvent.objects.filter(object_type="reporting.reportrun", action="create").get()
    assert (event.source, event.actor_username) == ("api", "a.reader")
    shown = client.get(body["links"]["self"]).json()
    assert shown["status"] == "done" and shown["data_cutoff"]
    file = client.get(body["links"]["download"], {"download": "1"}, HTTP_ACCEPT="application/octet-stream")
    assert file.status_code == 200 and file["Content-Disposition"].startswith("attachment;")
    assert b"Connect schools" in b"".join(file.streaming_content)


def test_bad_parameters_are_400_naming_the_fields(org, tree):
    foreign = make_framework(tree.dept_b, "OTHER")
    client = client_for(org.reader)
    cases = [
        ({"format": "pdf"}, {"framework"}),
        ({"framework": org.framework.pk, "format": "odt"}, {"format"}),
        ({"framework": foreign.pk, "format": "pdf"}, {"framework"}),
        ({"framework": org.framework.pk, "format": "pdf", "period": "1999", "unit": "NOPE"}, {"period", "unit"}),
        ({"framework": org.framework.pk, "format": "pdf", "node": 10**9, "region": "XYZ"}, {"node", "region"}),
        ({"framework": org.framework.pk, "format": "pdf", "language": "de"}, {"language"}),
    ]
    for data, fields in cases:
        response = client.post(RUNS, data, format="json")
        assert response.status_code == 400, (data, response.status_code)
        error = response.json()["error"]
        assert error["code"] == "invalid" and set(error["fields"]) == fields, (data, error)
    assert ReportRun.all_objects.count() == 0


def test_others_runs_are_404_and_listing_is_scoped(org):
    run_id = client_for(org.reader).post(RUNS, {"framework": org.framework.pk, "format": "html"}, format="json").json()[
        "id"
    ]
    other = client_for(org.other)
    for url in (f"{RUNS}{run_id}/", f"{RUNS}{run_id}/download/", f"{RUNS}abc/", f"{RUNS}{10**20}/"):
        response = other.get(url)
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found", url
    assert other.get(RUNS).json()["count"] == 0
    assert client_for(org.reader).get(RUNS).json()["count"] == 1
    assert APIClient().get(RUNS).status_code == 401


def test_the_history_filters_and_its_query_count_does_not_grow(org):
    client = client_for(org.reader)
    for fmt in ("html", "html"):
        client.post(RUNS, {"framework": org.framework.pk, "format": fmt}, format="json")
    with CaptureQueriesContext(connection) as small:
        assert client.get(RUNS, {"file_format": "html", "status": "done"}).json()["count"] == 2
    for _ in range(6):
        client.post(RUNS, {"framework": org.framework.pk, "format": "html"}, format="json")
    with CaptureQueriesContext(connection) as big:
        assert client.get(RUNS, {"file_format": "html", "status": "done"}).json()["count"] == 8
    assert len(small.captured_queries) == len(big.captured_queries)
    assert client.get(RUNS, {"status": "failed"}).json()["count"] == 0
    assert client.get(RUNS, {"file_format": "pdf"}).json()["count"] == 0
    assert client.get(RUNS, {"status": "bogus"}).status_code == 400


def test_the_reports_api_is_in_the_openapi_schema(org):
    schema = client_for(org.reader).get("/api/schema/", HTTP_ACCEPT="application/json").json()
    paths = schema["paths"]
    assert {"/api/reports/runs/", "/api/reports/runs/{id}/", "/api/reports/runs/{id}/download/"} <= set(paths)
    assert "202" in paths["/api/reports/runs/"]["post"]["responses"]
    assert "400" in paths["/api/reports/runs/"]["post"]["responses"]


def test_archive_and_restore_name_the_version_and_are_the_requesters(org, tree):
    client = client_for(org.reader)
    run = client.post(RUNS, {"framework": org.framework.pk, "format": "html"}, format="json").json()
    url = f"{RUNS}{run['id']}/"
    assert client.post(url + "archive/", {"reason": "old"}, format="json").status_code == 428
    boss = make_user("bdt.boss")
    grant(boss, tree.bdt, "manager")
    refused = client_for(boss).post(url + "archive/", {"reason": "old", "version": run["version"]}, format="json")
    assert refused.status_code == 404  # another person's report is not shown to them at all
    stale = client.post(url + "archive/", {"reason": "old", "version": run["version"] - 1}, format="json")
    assert stale.status_code == 409
    if_match = {"If-Match": f'"{run["version"]}"'}
    archived = client.post(url + "archive/", {"reason": "old"}, format="json", headers=if_match)
    assert archived.status_code == 200 and archived.json()["archived"] is True
    assert archived["ETag"] == f'"{run["version"] + 1}"'
    assert client.get(RUNS).json()["count"] == 0 and client.get(RUNS, {"archived": "true"}).json()["count"] == 1
    restored = client.post(url + "restore/", {"version": run["version"] + 1}, format="json")
    assert restored.status_code == 200 and restored.json()["archived"] is False
