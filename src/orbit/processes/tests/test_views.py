"""Inventory pages: list, process page, edit forms, impact analysis, graph, BPMN upload preview and apply."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import shared_path
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from orbit.core.context import audit_context
from orbit.organisation.services import system_actor
from orbit.organisation.tests.factories import grant
from orbit.organisation.tests.factories import make_user as _make_user
from orbit.processes import services
from orbit.processes.models import BpmnUpload, Dependency, Process

pytestmark = pytest.mark.django_db


def make_process(unit, code, **values):
    with audit_context(source="cli", reason="test data"):
        return services.process_create(actor=system_actor(), owner_unit=unit, code=code, name={"en": code}, **values)


def link(source, target, kind="hands_over"):
    with audit_context(source="cli", reason="test data"):
        return services.dependency_create(actor=system_actor(), source=source, target=target, kind=kind)


def make_user(username, *, role, unit):
    user = _make_user(username)
    grant(user, unit, role)
    return user


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def chain(tree):
    a = make_process(tree.dept_a, "A")
    b = make_process(tree.dept_a, "B")
    c = make_process(tree.dept_b, "C")
    d = make_process(tree.dept_b, "D")
    link(a, b)
    link(b, c)
    link(c, b, "messages")  # a cycle B ⇄ C
    link(d, a, "shares_data")
    return a, b, c, d


def test_pages_need_a_sign_in(chain):
    response = Client().get("/processes/")
    assert response.status_code == 302 and "/login" in response["Location"]


def test_inventory_and_process_pages_render_for_a_viewer(tree, chain):
    viewer = make_user("viewer", role="viewer", unit=tree.dept_b)
    client = client_for(viewer)
    page = client.get("/processes/")
    assert page.status_code == 200
    text = page.content.decode()
    for code in ("A", "B", "C", "D"):
        assert f">{code}</a>" in text
    detail = client.get(f"/processes/{chain[0].pk}/")
    assert detail.status_code == 200
    body = detail.content.decode()
    assert "Impact analysis" in body and "Edit" not in body  # a viewer of another unit reads, cannot edit


def test_impact_page_lists_downstream_and_upstream_with_distances(tree, chain):
    a, b, c, d = chain
    client = client_for(make_user("m", role="manager", unit=tree.bdt))
    page = client.get(f"/processes/{a.pk}/impact/")
    assert page.status_code == 200
    body = page.content.decode()
    downstream = body.split('id="downstream"')[1].split("</table>")[0]
    upstream = body.split('id="upstream"')[1].split("</table>")[0]
    # A → B (1) → C (2); D shares data with A, so a change reaches it both ways (1).
    assert downstream.count("<tr>") == 1 + 3
    assert f'href="/processes/{c.pk}/"' in downstream and f'href="/processes/{d.pk}/"' in upstream
    assert "<svg" in body
    filtered = client.get(f"/processes/{a.pk}/impact/", {"kind": "hands_over", "max_distance": 1}).content.decode()
    only = filtered.split('id="downstream"')[1].split("</table>")[0]
    assert f'href="/processes/{b.pk}/"' in only and f'href="/processes/{c.pk}/"' not in only


def test_graph_page_shows_cycles_and_waves(tree, chain):
    client = client_for(make_user("m", role="manager", unit=tree.bdt))
    body = client.get("/processes/graph/").content.decode()
    assert "<svg" in body and "Cycles" in body and "Suggested waves" in body
    assert client.get("/processes/graph/", {"group_by": "wave", "unit": tree.dept_a.pk}).status_code == 200


def test_create_and_edit_a_process_through_the_forms(tree):
    contributor = make_user("c", role="contributor", unit=tree.dept_a)
    client = client_for(contributor)
    assert client.get("/processes/new/").status_code == 200
    response = client.post(
        "/processes/new/",
        {"name_0": "Travel requests", "owner_unit": tree.dept_a.pk, "level": 3, "nature": "support",
         "change_authority": "process_owner", "digitisation": "paper", "transformation_status": "documented",
         "cost_per_case": "12.50", "currency": ""},
    )  # fmt: skip
    assert response.status_code == 200  # a cost without a currency is refused next to the field
    assert "ISO 4217" in response.content.decode()
    assert not Process.objects.exists()
    response = client.post(
        "/processes/new/",
        {"name_0": "Travel requests", "owner_unit": tree.dept_a.pk, "level": 3, "nature": "support",
         "change_authority": "process_owner", "digitisation": "paper", "transformation_status": "documented",
         "cost_per_case": "12.50", "currency": "chf"},
    )  # fmt: skip
    process = Process.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/processes/{process.pk}/"
    assert process.currency == "CHF" and process.code == "DEPT-A-P001"
    edit = client.post(
        f"/processes/{process.pk}/edit/",
        {"version": process.version, "name_0": "Travel requests and approval", "owner_unit": tree.dept_a.pk,
         "level": 3, "nature": "support", "change_authority": "unit_management", "digitisation": "digital",
         "transformation_status": "documented", "currency": "CHF"},
    )  # fmt: skip
    assert edit.status_code == 302
    process.refresh_from_db()
    assert process.digitisation == "digital" and process.version == 2


def test_editing_a_process_keeps_the_archived_it_system_it_names_and_offers_no_other(tree):
    from orbit.processes.models import ItSystem

    client = client_for(make_user("c", role="contributor", unit=tree.dept_a))
    with audit_context(source="cli", reason="test data"):
        actor = system_actor()
        old, gone, new = (
            services.dictionary_entry_create(actor=actor, dictionary="it_systems", code=code, name={"en": name})
            for code, name in (("OLD-HR", "Old HR"), ("GONE", "Gone"), ("NEW-HR", "New HR"))
        )
        process = make_process(tree.dept_a, "HIRE", it_systems=[old])
        services.dictionary_entry_archive(actor=actor, entry=old, expected_version=1, reason="Replaced")
        services.dictionary_entry_archive(actor=actor, entry=gone, expected_version=1, reason="Retired")

    page = client.get(f"/processes/{process.pk}/").content.decode()
    assert "Old HR" in page and "(archived)" in page
    form = client.get(f"/processes/{process.pk}/edit/").content.decode()
    systems = form[form.index('name="it_systems"') :]
    systems = systems[: systems.index("</select>")]
    assert f'value="{old.pk}" selected' in systems and f'value="{new.pk}"' in systems  # kept; the active one offered
    assert f'value="{gone.pk}"' not in systems  # another archived entry is not offered
    process.refresh_from_db()
    edit = client.post(
        f"/processes/{process.pk}/edit/",
        {"version": process.version, "name_0": "Hire staff", "owner_unit": tree.dept_a.pk, "level": 3,
         "nature": "support", "change_authority": "process_owner", "digitisation": "digital",
         "transformation_status": "documented", "it_systems": [old.pk, new.pk]},
    )  # fmt: skip
    assert edit.status_code == 302, edit.content.decode()[:2000]
    assert set(ItSystem.all_objects.filter(processes=process).values_list("code", flat=True)) == {"OLD-HR", "NEW-HR"}
    refused = client.post(
        f"/processes/{process.pk}/edit/",
        {"version": process.version + 1, "name_0": "Hire staff", "owner_unit": tree.dept_a.pk, "level": 3,
         "nature": "support", "change_authority": "process_owner", "digitisation": "digital",
         "transformation_status": "documented", "it_systems": [old.pk, gone.pk]},
    )  # fmt: skip
    assert refused.status_code == 200 and "Select a valid choice" in refused.content.decode()


def test_a_contributor_of_another_unit_cannot_edit(tree, chain):
    client = client_for(make_user("c", role="contributor", unit=tree.dept_b))
    assert client.get(f"/processes/{chain[0].pk}/edit/").status_code == 403


def test_dependency_form_refuses_a_duplicate(tree, chain):
    a, b, _c, _d = chain
    client = client_for(make_user("c", role="contributor", unit=tree.dept_a))
    response = client.post(f"/processes/{a.pk}/dependencies/new/", {"target": b.pk, "kind": "hands_over",
                                                                     "strength": 2})  # fmt: skip
    assert response.status_code == 200 and "already linked" in response.content.decode()
    response = client.post(f"/processes/{a.pk}/dependencies/new/", {"target": b.pk, "kind": "shares_role",
                                                                     "strength": 1})  # fmt: skip
    assert response.status_code == 302
    assert Dependency.objects.filter(source=a, target=b).count() == 2


def test_inventory_query_count_does_not_grow_with_processes(tree):
    client = client_for(make_user("v", role="viewer", unit=tree.bdt))
    for index in range(5):
        make_process(tree.dept_a, f"P{index}")
    with CaptureQueriesContext(connection) as small:
        assert client.get("/processes/").status_code == 200
    for index in range(5, 40):
        make_process(tree.dept_a, f"P{index}")
    with CaptureQueriesContext(connection) as large:
        assert client.get("/processes/").status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)


def test_bpmn_upload_preview_then_apply_in_the_browser_flow(tree):
    folder = shared_path("data", "bpm", "bpmn", "camunda")
    client = client_for(make_user("c", role="contributor", unit=tree.dept_a))
    files = [SimpleUploadedFile(p.name, p.read_bytes(), content_type="application/xml")
             for p in sorted(Path(folder).glob("*.bpmn"))]  # fmt: skip
    response = client.post("/processes/import/", {"owner_unit": tree.dept_a.pk, "files": files})
    assert response.status_code == 302
    upload = BpmnUpload.objects.get()
    preview = client.get(response["Location"]).content.decode()
    assert "Import preview" in preview and "ReviewInvoice" in preview and "resolved" in preview
    assert not Process.objects.exists()
    applied = client.post(response["Location"], {"version": upload.version})
    assert applied.status_code == 302
    page = client.get(applied["Location"]).content.decode()
    assert "Import applied" in page and "impact analysis" in page
    assert Process.objects.filter(level=3).count() == 2
    # Applying twice is refused with a message, not an error page.
    again = client.post(applied["Location"], {"version": upload.version + 1})
    assert again.status_code == 200 and "Only a previewed upload" in again.content.decode()


def test_a_binary_file_is_refused_with_its_name_and_nothing_changes(tree):
    client = client_for(make_user("c", role="contributor", unit=tree.dept_a))
    png = SimpleUploadedFile("diagram.bpmn", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    response = client.post("/processes/import/", {"owner_unit": tree.dept_a.pk, "files": [png]})
    page = client.get(response["Location"]).content.decode()
    assert "Import refused" in page and "diagram.bpmn" in page and "apply-upload" not in page
    assert not Process.objects.exists()


LEAVE_BPMN = (
    b'<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="urn:test">'
    b'<process id="P1" name="Approve leave" isExecutable="false"><startEvent id="s"/><task id="t" name="Check"/>'
    b'<endEvent id="e"/><sequenceFlow id="f1" sourceRef="s" targetRef="t"/>'
    b'<sequenceFlow id="f2" sourceRef="t" targetRef="e"/></process></definitions>'
)


def test_past_uploads_are_listed_under_the_form_for_the_units_one_may_change(tree):
    a = client_for(make_user("ca", role="contributor", unit=tree.dept_a))
    b = client_for(make_user("cb", role="contributor", unit=tree.dept_b))
    first = a.post("/processes/import/", {"owner_unit": tree.dept_a.pk,
                                          "files": [SimpleUploadedFile("leave.bpmn", LEAVE_BPMN)]})  # fmt: skip
    upload = BpmnUpload.objects.get()
    assert a.post(first["Location"], {"version": upload.version}).status_code == 302
    a.post("/processes/import/", {"owner_unit": tree.dept_a.pk,
                                  "files": [SimpleUploadedFile("broken.bpmn", b"\x89PNG\r\n\x1a\n")]})  # fmt: skip

    with CaptureQueriesContext(connection) as two:
        page = a.get("/processes/import/").content.decode()
    history = page[page.index('id="upload-history"') :]
    rows = history.split("<tr data-status=")[1:]
    assert [row.split('"')[1] for row in rows] == ["refused", "applied"]  # newest first
    assert "broken.bpmn" in rows[0] and "leave.bpmn" in rows[1] and tree.dept_a.code in rows[1]
    assert '<td class="num">1</td>' in rows[1]  # the new process of the applied upload
    assert "No uploads yet" in b.get("/processes/import/").content.decode()  # another unit's uploads are not shown

    for index in range(3):
        a.post("/processes/import/", {"owner_unit": tree.dept_a.pk,
                                      "files": [SimpleUploadedFile(f"x{index}.bpmn", b"not xml")]})  # fmt: skip
    with CaptureQueriesContext(connection) as five:
        a.get("/processes/import/")
    assert len(five.captured_queries) == len(two.captured_queries)


def test_upload_without_files_says_so(tree):
    client = client_for(make_user("c", role="contributor", unit=tree.dept_a))
    response = client.post("/processes/import/", {"owner_unit": tree.dept_a.pk})
    assert response.status_code == 200 and "Choose one or more BPMN files" in response.content.decode()


def test_inventory_downloads_as_excel_and_as_archi_csv(tree, chain):
    import io
    import zipfile

    from openpyxl import load_workbook

    client = client_for(make_user("v", role="viewer", unit=tree.bdt))
    response = client.get("/processes/export.xlsx", {"unit": tree.dept_a.pk})
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content))["Processes"]
    codes = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert {"A", "B"} <= codes and "C" not in codes  # the list's filter applies to the download
    archive = zipfile.ZipFile(io.BytesIO(client.get("/processes/export-archi.zip").content))
    assert sorted(archive.namelist()) == ["elements.csv", "properties.csv", "relations.csv"]
    assert archive.read("elements.csv").startswith(b"\xef\xbb\xbf")


def small_pcf():
    from orbit.processes import apqc

    elements = [
        apqc.PcfElement(10007, "7.0", "Develop and manage human capital", 1, None, "", "", "", False),
        apqc.PcfElement(10473, "7.2", "Recruit, source, and select employees", 2, "7.0", "Hiring.", "", "", True),
    ]
    metrics = [apqc.PcfMetric(10473, "7.2", "Recruit, source, and select employees", "Cycle Time", "100001",
                              "Cycle time in days to fill a position", "days from approval to acceptance", "days")]
    workbook = apqc.PcfWorkbook(title="TEST PCF", version="1.0", attribution="Test attribution (test data)",
                                elements=elements, metrics=metrics)  # fmt: skip
    with audit_context(source="cli", reason="test data"):
        return services.pcf_import(actor=system_actor(), workbook=workbook, source_name="test.xlsx")


def test_pcf_pages_and_metric_templates_for_a_kpi(tree):
    from orbit.processes.models import PcfElement, ProcessIndicator

    result = small_pcf()
    assert result.created and result.elements == 2 and result.metrics == 1
    recruit = PcfElement.objects.get(hierarchy_id="7.2")
    process = make_process(tree.dept_a, "REC", pcf_element=recruit)
    manager = make_user("m", role="manager", unit=tree.dept_a)
    client = client_for(manager)
    browse = client.get("/processes/pcf/").content.decode()
    assert "Develop and manage human capital" in browse and "Test attribution (test data)" in browse
    row = browse.split('id="pcf-elements"')[1].split("</tr>")[1]
    assert row.endswith("<td>10007</td><td>1</td><td>0</td>")  # one part; the metric is its part's
    child = client.get("/processes/pcf/", {"parent": recruit.parent_id}).content.decode()
    assert "Recruit, source, and select employees" in child
    assert "<td>10473</td><td>0</td><td>1</td>" in child  # counted without a join's duplicates
    metrics_page = client.get("/processes/pcf/", {"parent": recruit.pk}).content.decode()
    assert "Cycle time in days to fill a position" in metrics_page
    page = client.get(f"/processes/{process.pk}/kpis/new/").content.decode()
    assert 'id="metric-templates"' in page
    metric = recruit.metrics.get()
    filled = client.get(f"/processes/{process.pk}/kpis/new/", {"metric": metric.pk}).content.decode()
    assert "PCF-100001" in filled and "Cycle time in days to fill a position" in filled
    response = client.post(
        f"/processes/{process.pk}/kpis/new/",
        {"code": "PCF-100001", "title_0": "Cycle time in days to fill a position", "measure": "number",
         "direction": "decrease", "unit_label": "days", "baseline_value": "120", "baseline_date": "2026-01-01",
         "target_value": "90", "target_year": "2027"},
    )  # fmt: skip
    assert response.status_code == 302
    link = ProcessIndicator.objects.get(process=process)
    assert link.indicator.node.framework.code == "PP-DEPT-A"
    assert [str(t.value).rstrip("0").rstrip(".") for t in link.indicator.targets.all()] == ["90"]
    # A contributor (not a manager) cannot set targets.
    contributor = client_for(make_user("c", role="contributor", unit=tree.dept_a))
    assert contributor.get(f"/processes/{process.pk}/kpis/new/").status_code == 403


def test_submissions_from_a_workbook_all_or_nothing(tree):
    from orbit.processes import capture_excel
    from orbit.processes.models import Submission

    client = client_for(make_user("v", role="viewer", unit=tree.dept_b))
    template = client.get("/processes/submissions/template.xlsx")
    assert template.status_code == 200 and template.content.startswith(b"PK")
    columns = [c.name for c in capture_excel.COLUMNS]
    good = {columns[0]: "pain_point", columns[1]: "Paper forms", columns[2]: "We print and scan.",
            columns[3]: tree.dept_a.code}  # fmt: skip
    bad = {columns[0]: "complaint", columns[1]: "", columns[2]: "x", columns[3]: "NOPE"}
    workbook = capture_excel.template_workbook([good, bad])
    response = client.post("/processes/submissions/import/",
                           {"file": SimpleUploadedFile("s.xlsx", workbook)})  # fmt: skip
    page = response.content.decode()
    assert response.status_code == 200 and "Nothing was sent" in page and "Submissions!" in page
    assert not Submission.objects.exists()
    response = client.post("/processes/submissions/import/",
                           {"file": SimpleUploadedFile("s.xlsx", capture_excel.template_workbook([good]))})  # fmt: skip
    assert response.status_code == 302
    assert Submission.objects.get().title == "Paper forms"
    not_xlsx = client.post("/processes/submissions/import/", {"file": SimpleUploadedFile("s.xlsx", b"hello")})
    assert not_xlsx.status_code == 200 and "Nothing was sent" in not_xlsx.content.decode()
