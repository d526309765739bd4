"""IATI pages: the export page (written in the background, offered only when valid), the upload page (dry run,
then apply without a second upload), the histories, permissions, and every invalid corpus file shown, never a 500."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest
from conftest import SHARED, shared_path
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from orbit.core.context import audit_context
from orbit.interop import services
from orbit.interop.models import IatiExport, IatiUpload, ImportRun
from orbit.interop.tests.test_iati_export import PREFIX, TODAY, plan  # noqa: F401 - the plan fixture
from orbit.organisation.tests.factories import grant, make_user
from orbit.planning import services as planning
from orbit.planning.models import Activity

pytestmark = pytest.mark.django_db

#: A real AidStream file: 4 activities with 4 results and 12 indicators (counted by hand in the file).
GDI_HUB = "gdihub-GB-COH-11126312_aidstream_results-periods-sdg-sectors.xml"
OFFICIAL = "activity-standard-example-annotated.xml"


def client_for(user: Any) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def member(username: str, unit: Any, role: str) -> Any:
    user = make_user(username)
    grant(user, unit, role)
    return user


def export_form(**values: Any) -> dict[str, Any]:
    return {
        "framework": "",
        "identifier_prefix": PREFIX,
        "reporting_org_ref": PREFIX,
        "reporting_org_name": "Orbit test publisher",
        "reporting_org_type": "40",
        **values,
    }


# --- export -------------------------------------------------------------------------------------------------------


def test_pages_need_a_sign_in(plan):  # noqa: F811
    for url in ("/iati/export/", "/iati/import/"):
        response = Client().get(url)
        assert response.status_code == 302 and "/login" in response["Location"]


def test_export_page_writes_checks_and_offers_a_valid_file(plan):  # noqa: F811
    client = client_for(plan.actor)
    page = client.get("/iati/export/")
    assert page.status_code == 200
    response = client.post("/iati/export/", export_form())
    assert response.status_code == 302
    export = IatiExport.objects.get()
    assert response["Location"] == f"/iati/export/{export.pk}/"
    detail = client.get(response["Location"])
    body = detail.content.decode()
    assert detail.status_code == 200
    assert 'id="export-valid"' in body and 'id="download-export"' in body
    assert "Not checked against the IATI schema" in body
    download = client.get(f"/iati/export/{export.pk}/download/")
    assert download.status_code == 200
    xml = b"".join(download.streaming_content)
    assert f"{PREFIX}-DS-1".encode() in xml
    assert 'filename="iati-activities-' in download["Content-Disposition"]


def test_an_invalid_export_lists_activity_and_rule_and_is_not_offered_as_valid(plan):  # noqa: F811
    with audit_context(source="cli", reason="test data"):  # an actual start in the future breaks rule 11.1.4
        planning.activity_update(
            actor=plan.actor,
            activity=plan.activity,
            expected_version=plan.activity.version,
            actual_start=TODAY + dt.timedelta(days=400),
            planned_end=TODAY + dt.timedelta(days=800),
        )
    client = client_for(plan.actor)
    response = client.post("/iati/export/", export_form())
    detail = client.get(response["Location"]).content.decode()
    assert 'id="export-invalid"' in detail and 'id="download-export"' not in detail
    assert "11.1.4" in detail and "DS-1" in detail
    export = IatiExport.objects.get()
    assert client.get(f"/iati/export/{export.pk}/download/").status_code == 404
    inspect = client.get(f"/iati/export/{export.pk}/download/?inspect=1")
    assert inspect.status_code == 200 and "INVALID" in inspect["Content-Disposition"]


def test_export_form_names_bad_fields(plan):  # noqa: F811
    values = export_form(identifier_prefix="has space", reporting_org_type="999")
    response = client_for(plan.actor).post("/iati/export/", values)
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"identifier_prefix", "reporting_org_type"}
    assert not IatiExport.objects.exists()


def test_someone_elses_export_is_not_found(plan):  # noqa: F811
    client_for(plan.actor).post("/iati/export/", export_form())
    export = IatiExport.objects.get()
    other = client_for(member("reader", plan.tree.bdt, "viewer"))
    assert other.get(f"/iati/export/{export.pk}/").status_code == 404
    assert other.get(f"/iati/export/{export.pk}/download/").status_code == 404


def test_running_export_polls_with_htmx(plan):  # noqa: F811
    with audit_context(source="web", reason="test"):
        export = IatiExport.objects.create(requested_by=plan.actor, prefix=PREFIX, reporting_org_ref=PREFIX)
    client = client_for(plan.actor)
    page = client.get(f"/iati/export/{export.pk}/").content.decode()
    assert 'hx-trigger="every 2s"' in page
    part = client.get(f"/iati/export/{export.pk}/", headers={"HX-Request": "true"})
    assert part.status_code == 200 and b"<html" not in part.content


def test_export_history_query_count_does_not_grow(plan):  # noqa: F811
    client = client_for(plan.actor)
    client.post("/iati/export/", export_form())
    with CaptureQueriesContext(connection) as one:
        assert client.get("/iati/export/").status_code == 200
    for _ in range(4):
        client.post("/iati/export/", export_form())
    with CaptureQueriesContext(connection) as five:
        page = client.get("/iati/export/")
    assert page.content.decode().count('href="/iati/export/') >= 5
    assert len(five) == len(one)


# --- import -------------------------------------------------------------------------------------------------------


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/xml")


def _import(client: Client, unit: Any, path: Any, *, dry_run: bool) -> Any:
    values: dict[str, Any] = {"file": upload(path.name, path.read_bytes()), "unit": unit.pk, "framework": ""}
    if dry_run:
        values["dry_run"] = "on"
    return client.post("/iati/import/", values)


def test_a_viewer_cannot_import(plan):  # noqa: F811
    viewer = client_for(member("viewer", plan.tree.dept_a, "viewer"))
    assert viewer.get("/iati/import/").status_code == 403


def test_a_unit_without_the_change_right_is_not_a_choice(plan):  # noqa: F811
    contributor = member("contrib", plan.tree.dept_b, "contributor")
    path = shared_path("data", "iati", "real", GDI_HUB)
    response = _import(client_for(contributor), plan.tree.dept_a, path, dry_run=True)
    assert response.status_code == 200
    assert "unit" in response.context["form"].errors
    assert not ImportRun.objects.exists()


def test_missing_file_is_named(plan):  # noqa: F811
    response = client_for(plan.actor).post("/iati/import/", {"unit": plan.tree.dept_a.pk})
    assert response.status_code == 200
    assert "file" in response.context["form"].errors


def test_dry_run_then_apply_without_a_second_upload(plan):  # noqa: F811
    client = client_for(plan.actor)
    path = shared_path("data", "iati", "real", GDI_HUB)
    before = Activity.objects.count()
    response = _import(client, plan.tree.dept_a, path, dry_run=True)
    assert response.status_code == 302, response.content[:2000]
    run = ImportRun.objects.get()
    assert run.dry_run and Activity.objects.count() == before
    upload_record = IatiUpload.objects.get()
    assert upload_record.dry_run == run and upload_record.path.startswith("iati/uploads/")
    assert upload_record.sha256 in upload_record.path
    detail = client.get(response["Location"])
    assert detail.status_code == 200
    assert b'id="import-counts"' in detail.content and b'id="apply-import"' in detail.content
    assert run.counts["activities"]["created"] == 4 and run.counts["indicators"]["created"] == 12
    assert "<tr><td>Activities</td><td>4</td>" in detail.content.decode()
    applied = client.post(response["Location"])
    assert applied.status_code == 302
    upload_record.refresh_from_db()
    assert upload_record.applied is not None and not upload_record.applied.dry_run
    assert applied["Location"] == f"/iati/import/{upload_record.applied.pk}/"
    assert Activity.objects.count() == before + 4
    again = client.post(response["Location"])  # applying twice is refused, not a 500
    assert again.status_code == 200 and b"already been applied" in again.content


def test_another_units_import_is_not_found(plan):  # noqa: F811
    path = shared_path("data", "iati", "real", GDI_HUB)
    response = _import(client_for(plan.actor), plan.tree.dept_a, path, dry_run=True)
    outsider = client_for(member("outsider", plan.tree.dept_b, "contributor"))
    assert outsider.get(response["Location"]).status_code == 404
    assert outsider.post(response["Location"]).status_code == 404


INVALID_NAMES = sorted(p.name for p in (SHARED / "data" / "iati" / "invalid").glob("*.xml")) or ["(corpus absent)"]


@pytest.mark.parametrize("name", INVALID_NAMES)
def test_every_invalid_file_is_reported_never_a_500(plan, name):  # noqa: F811
    path = shared_path("data", "iati", "invalid", name)
    client = client_for(plan.actor)
    response = _import(client, plan.tree.dept_a, path, dry_run=True)
    assert response.status_code in (200, 302), response.status_code
    if response.status_code == 302:
        detail = client.get(response["Location"])
        assert detail.status_code == 200
        run = ImportRun.objects.get()
        assert run.status in (ImportRun.Status.REFUSED, ImportRun.Status.DRY_RUN, ImportRun.Status.PARTIAL)
        if run.status == ImportRun.Status.REFUSED:
            assert run.message and b'id="import-message"' in detail.content
    else:
        assert response.context["form"].errors


def test_import_history_query_count_does_not_grow(plan):  # noqa: F811
    client = client_for(plan.actor)
    path = shared_path("data", "iati", "real", GDI_HUB)
    _import(client, plan.tree.dept_a, path, dry_run=True)
    with CaptureQueriesContext(connection) as one:
        assert client.get("/iati/import/").status_code == 200
    for unit in (plan.tree.dept_a, plan.tree.dept_b, plan.tree.bdt, plan.tree.div_a1):
        _import(client, unit, path, dry_run=True)
    with CaptureQueriesContext(connection) as five:
        page = client.get("/iati/import/")
    assert page.content.decode().count('href="/iati/import/') >= 5
    assert len(five) == len(one)


def test_the_service_refuses_a_user_without_the_change_right(plan):  # noqa: F811
    from orbit.core.errors import PermissionDenied

    viewer = member("viewer2", plan.tree.dept_a, "viewer")
    path = shared_path("data", "iati", "real", GDI_HUB)
    with pytest.raises(PermissionDenied), open(path, "rb") as stream, audit_context(source="web", reason="t"):
        services.iati_upload(actor=viewer, stream=stream, name=path.name, unit=plan.tree.dept_a, dry_run=True)
    assert not ImportRun.objects.exists() and not IatiUpload.objects.exists()


def test_a_failed_export_shows_its_message(plan, monkeypatch):  # noqa: F811
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise OSError("disk full")

    monkeypatch.setattr(services.iati_export, "export_activities", broken)
    client = client_for(plan.actor)
    response = client.post("/iati/export/", export_form())
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert b"disk full" in page.content and b'id="download-export"' not in page.content


def test_an_import_from_the_command_line_shows_without_apply(plan):  # noqa: F811
    path = shared_path("data", "iati", "real", GDI_HUB)
    with open(path, "rb") as stream, audit_context(source="cli", reason="test"):
        run = services.iati_import(actor=plan.actor, stream=stream, name=path.name, unit=plan.tree.dept_a, dry_run=True)
    page = client_for(plan.actor).get(f"/iati/import/{run.pk}/")
    assert page.status_code == 200
    assert b'id="import-counts"' in page.content and b'id="apply-import"' not in page.content


def test_a_large_file_is_imported_in_the_background_and_followed(plan, monkeypatch):  # noqa: F811
    monkeypatch.setattr(services, "BACKGROUND_BYTES", 1000)  # the file is larger: it goes to the worker
    enqueued: list[tuple[Any, ...]] = []
    from orbit.interop import tasks

    real = tasks.run_iati_upload.enqueue
    monkeypatch.setattr(tasks, "run_iati_upload", SimpleNamespace(enqueue=lambda *args: enqueued.append(args)))
    client = client_for(plan.actor)
    path = shared_path("data", "iati", "real", GDI_HUB)
    response = _import(client, plan.tree.dept_a, path, dry_run=True)
    upload_record = IatiUpload.objects.get()
    assert response["Location"] == f"/iati/import/upload/{upload_record.pk}/"
    assert upload_record.status == IatiUpload.Status.QUEUED and not ImportRun.objects.exists()
    waiting = client.get(response["Location"])
    assert waiting.status_code == 200 and b'hx-trigger="every 2s"' in waiting.content
    real(*enqueued.pop())  # the worker runs it
    upload_record.refresh_from_db()
    assert upload_record.status == IatiUpload.Status.DONE and upload_record.dry_run is not None
    polled = client.get(response["Location"], headers={"HX-Request": "true"})
    assert polled["HX-Redirect"] == f"/iati/import/{upload_record.dry_run.pk}/"
    applied = client.post(polled["HX-Redirect"])  # applying a large file goes to the worker too
    assert applied["Location"] == response["Location"]
    real(*enqueued.pop())
    upload_record.refresh_from_db()
    assert upload_record.applied is not None and Activity.objects.filter(code__isnull=False).exists()
    assert client.get(response["Location"])["Location"] == f"/iati/import/{upload_record.applied.pk}/"


def test_the_report_says_what_happened_to_each_problem_and_counts_parts_left_out(plan):  # noqa: F811
    """The official example breaks 8.11.1 (its result-level references are left out) and 9.86.1 in a transaction
    region (a part Orbit does not import): the page says which was left out and which imported as is."""
    client = client_for(plan.actor)
    response = _import(client, plan.tree.dept_a, shared_path("data", "iati", "official", OFFICIAL), dry_run=True)
    assert response.status_code == 302, response.content[:2000]
    run = ImportRun.objects.get()
    left_out = sum(int(c.get("left_out") or 0) for c in run.counts.values())
    assert left_out >= 1
    page = client.get(response["Location"]).content.decode()
    rows = {row.split("</td>")[1].removeprefix("<td>"): row for row in page.split("<tr>") if "</td>" in row}
    assert "left out" in rows["8.11.1"] and "imported as is" in rows["9.86.1"]
    assert "Parts left out" in page
