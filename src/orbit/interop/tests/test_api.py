"""The IATI API: imports (multipart upload, dry run, apply) and exports (background, checked, download only when
valid); status codes, named field errors, scoping, and the OpenAPI schema."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest
from conftest import shared_path
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from orbit.core.context import audit_context
from orbit.interop.models import IatiExport, IatiUpload, ImportRun
from orbit.interop.tests.test_iati_export import PREFIX, TODAY, plan  # noqa: F401 - the plan fixture
from orbit.organisation.tests.factories import grant, make_user
from orbit.planning import services as planning
from orbit.planning.models import Activity

pytestmark = pytest.mark.django_db

#: A real AidStream file: 4 activities with 4 results and 12 indicators (counted by hand in the file).
GDI_HUB = "gdihub-GB-COH-11126312_aidstream_results-periods-sdg-sectors.xml"


def api_for(user: Any) -> APIClient:
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(user)
    return client


def member(username: str, unit: Any, role: str) -> Any:
    user = make_user(username)
    grant(user, unit, role)
    return user


def example() -> SimpleUploadedFile:
    path = shared_path("data", "iati", "real", GDI_HUB)
    return SimpleUploadedFile(path.name, path.read_bytes(), content_type="application/xml")


# --- imports ------------------------------------------------------------------------------------------------------


def test_anonymous_is_401():
    assert APIClient().get("/api/iati/imports/").status_code == 401
    assert APIClient().get("/api/iati/exports/").status_code == 401


def test_import_dry_run_then_apply(plan):  # noqa: F811
    client = api_for(plan.actor)
    before = Activity.objects.count()
    response = client.post(
        "/api/iati/imports/", {"file": example(), "unit": plan.tree.dept_a.pk, "dry_run": "true"}, format="multipart"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["dry_run"] is True and body["status"] in ("dry_run", "partial")
    assert (body["counts"]["activities"]["created"], body["counts"]["results"]["created"]) == (4, 4)
    assert response["Location"].endswith(f"/api/iati/imports/{body['id']}/")
    assert Activity.objects.count() == before
    assert client.get(f"/api/iati/imports/{body['id']}/").json()["id"] == body["id"]
    listed = client.get("/api/iati/imports/").json()
    assert [r["id"] for r in listed["results"]] == [body["id"]]
    applied = client.post(f"/api/iati/imports/{body['id']}/apply/", {}, format="json")
    assert applied.status_code == 201, applied.json()
    assert applied.json()["dry_run"] is False
    assert Activity.objects.count() == before + 4
    again = client.post(f"/api/iati/imports/{body['id']}/apply/", {}, format="json")
    assert again.status_code == 400
    assert "upload" in again.json()["error"]["fields"]


def test_import_fields_are_named(plan):  # noqa: F811
    response = api_for(plan.actor).post("/api/iati/imports/", {"unit": "x"}, format="multipart")
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) >= {"file", "unit"}


def test_a_viewer_cannot_import(plan):  # noqa: F811
    viewer = member("viewer", plan.tree.dept_a, "viewer")
    response = api_for(viewer).post(
        "/api/iati/imports/", {"file": example(), "unit": plan.tree.dept_a.pk}, format="multipart"
    )
    assert response.status_code == 403
    assert not ImportRun.objects.exists() and not IatiUpload.objects.exists()


def test_a_unit_out_of_sight_is_a_named_field_error(plan):  # noqa: F811
    outsider = member("outsider", plan.tree.dept_b, "contributor")
    response = api_for(outsider).post(
        "/api/iati/imports/", {"file": example(), "unit": plan.tree.dept_a.pk}, format="multipart"
    )
    assert response.status_code == 400
    assert "unit" in response.json()["error"]["fields"]


def test_another_units_import_is_404(plan):  # noqa: F811
    client = api_for(plan.actor)
    run = client.post(
        "/api/iati/imports/", {"file": example(), "unit": plan.tree.dept_a.pk, "dry_run": "true"}, format="multipart"
    ).json()
    outsider = api_for(member("outsider", plan.tree.dept_b, "contributor"))
    assert outsider.get(f"/api/iati/imports/{run['id']}/").status_code == 404
    assert outsider.post(f"/api/iati/imports/{run['id']}/apply/", {}, format="json").status_code == 404
    assert outsider.get("/api/iati/imports/999999999999999999999/").status_code == 404


def test_a_file_that_is_not_xml_is_a_refused_run_not_a_500(plan):  # noqa: F811
    bad = SimpleUploadedFile("bad.xml", b"this is not XML at all", content_type="application/xml")
    response = api_for(plan.actor).post(
        "/api/iati/imports/", {"file": bad, "unit": plan.tree.dept_a.pk, "dry_run": "true"}, format="multipart"
    )
    assert response.status_code in (201, 400), response.content
    if response.status_code == 201:
        assert response.json()["status"] == "refused" and response.json()["message"]
    else:
        assert "file" in response.json()["error"]["fields"]


# --- exports ------------------------------------------------------------------------------------------------------


def test_export_then_download(plan):  # noqa: F811
    client = api_for(plan.actor)
    response = client.post("/api/iati/exports/", {"prefix": PREFIX, "reporting_org_ref": PREFIX}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["status"], body["valid"], body["activities"]) == ("done", True, 1)
    assert body["download"].endswith(f"/api/iati/exports/{body['id']}/download/")
    download = client.get(body["download"])
    assert download.status_code == 200
    assert f"{PREFIX}-DS-1".encode() in b"".join(download.streaming_content)
    assert [e["id"] for e in client.get("/api/iati/exports/").json()["results"]] == [body["id"]]


def test_an_invalid_export_is_not_downloadable(plan):  # noqa: F811
    with audit_context(source="cli", reason="test data"):
        planning.activity_update(
            actor=plan.actor,
            activity=plan.activity,
            expected_version=plan.activity.version,
            actual_start=TODAY + dt.timedelta(days=400),
            planned_end=TODAY + dt.timedelta(days=800),
        )
    client = api_for(plan.actor)
    body = client.post("/api/iati/exports/", {"prefix": PREFIX, "reporting_org_ref": PREFIX}, format="json").json()
    assert body["valid"] is False and body["download"] is None
    assert any(p["rule"] == "11.1.4" and p["activity"] == "DS-1" for p in body["problems"])
    refused = client.get(f"/api/iati/exports/{body['id']}/download/")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "not_valid"


def test_export_fields_are_named(plan):  # noqa: F811
    response = api_for(plan.actor).post(
        "/api/iati/exports/", {"prefix": "a b", "reporting_org_ref": "", "framework": 0}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) >= {"framework"}
    response = api_for(plan.actor).post("/api/iati/exports/", {"prefix": "a b", "reporting_org_ref": ""}, format="json")
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"prefix", "reporting_org_ref"}
    assert not IatiExport.objects.exists()


def test_someone_elses_export_is_404(plan):  # noqa: F811
    body = api_for(plan.actor).post(
        "/api/iati/exports/", {"prefix": PREFIX, "reporting_org_ref": PREFIX}, format="json"
    ).json()
    other = api_for(member("reader", plan.tree.bdt, "viewer"))
    assert other.get(f"/api/iati/exports/{body['id']}/").status_code == 404
    assert other.get(f"/api/iati/exports/{body['id']}/download/").status_code == 404


def test_a_user_without_any_role_cannot_export(plan):  # noqa: F811
    response = api_for(make_user("nobody")).post(
        "/api/iati/exports/", {"prefix": PREFIX, "reporting_org_ref": PREFIX}, format="json"
    )
    assert response.status_code == 403


def test_the_openapi_schema_describes_the_iati_api(plan):  # noqa: F811
    schema = api_for(plan.actor).get("/api/schema/", {"format": "json"})
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for path in (
        "/api/iati/imports/",
        "/api/iati/imports/{id}/",
        "/api/iati/imports/{id}/apply/",
        "/api/iati/exports/",
        "/api/iati/exports/{id}/",
        "/api/iati/exports/{id}/download/",
    ):
        assert path in paths, path
    assert "multipart/form-data" in paths["/api/iati/imports/"]["post"]["requestBody"]["content"]
    assert "409" in paths["/api/iati/exports/{id}/download/"]["get"]["responses"]


def test_a_large_file_is_accepted_and_polled(plan, monkeypatch):  # noqa: F811
    from orbit.interop import services, tasks

    monkeypatch.setattr(services, "BACKGROUND_BYTES", 1000)  # the file is larger: it goes to the worker
    enqueued: list[tuple[Any, ...]] = []
    real = tasks.run_iati_upload.enqueue
    monkeypatch.setattr(tasks, "run_iati_upload", SimpleNamespace(enqueue=lambda *args: enqueued.append(args)))
    client = api_for(plan.actor)
    response = client.post(
        "/api/iati/imports/", {"file": example(), "unit": plan.tree.dept_a.pk, "dry_run": "true"}, format="multipart"
    )
    assert response.status_code == 202, response.json()
    assert response.json()["status"] == "queued" and response.json()["dry_run"] is None
    real(*enqueued.pop())  # the worker runs it
    upload = client.get(response["Location"]).json()
    assert upload["status"] == "done" and upload["dry_run"] is not None and upload["applied"] is None
    assert client.get(f"/api/iati/imports/{upload['dry_run']}/").json()["dry_run"] is True
    applied = client.post(f"/api/iati/imports/{upload['dry_run']}/apply/", {}, format="json")
    assert applied.status_code == 202
    real(*enqueued.pop())
    assert client.get(applied["Location"]).json()["applied"] is not None
    other = api_for(member("outsider", plan.tree.dept_b, "contributor"))
    assert other.get(response["Location"]).status_code == 404
