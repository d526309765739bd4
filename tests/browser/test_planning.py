"""The whole planning loop in a real browser, on the demo's sample plan.

afr.contributor (Regional Office for Africa) plans an activity under output 1.1.1 of the sample operational
plan, writes a progress update with two photos and a PDF, reports a value of the output's indicator and
submits both.  A contributor of a sibling office (asp.contributor) gets a 404 for the draft.  afr.manager
returns the update with a note; the contributor corrects it and resubmits; the manager approves the update
and the value.  The dashboard (approved values only) then shows the activity as ongoing and the indicator's
status changed, and the gallery shows the photos.  Screenshots of the dashboard and the gallery are kept in
the temporary directory as test artefacts.
"""

from __future__ import annotations

import re
import struct
import tempfile
import zlib
from pathlib import Path

import pytest
from tests.browser.test_results import DESKTOP, _log_in, _option_value

pytestmark = pytest.mark.browser

SHOTS = Path(tempfile.gettempdir())
OUTPUT = "BDT-OP-SAMPLE 1.1.1"
INDICATOR = "S2"


def _png(path: Path, width: int, height: int, rgb: tuple[int, int, int]) -> Path:
    """A small valid PNG written by hand (a plain colour with a stripe), so the test needs no image library."""
    rows = b""
    for y in range(height):
        colour = (255, 255, 255) if height // 3 <= y < height // 3 + 4 else rgb
        rows += b"\x00" + bytes(colour) * width

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows))
                     + chunk(b"IEND", b""))  # fmt: skip
    return path


def _pdf(path: Path) -> Path:
    body = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    path.write_bytes(body + b"trailer<</Root 1 0 R>>\n%%EOF\n")
    return path


def _no_errors(page) -> None:  # type: ignore[no-untyped-def]
    errors = page.locator(".errorlist, .error-summary, .message.error")
    assert errors.count() == 0, errors.first.inner_text()


def _submit_form(page, form_selector: str = "main form.panel") -> None:  # type: ignore[no-untyped-def]
    with page.expect_navigation():
        page.locator(f"{form_selector} button[type=submit]").first.click()
    _no_errors(page)


def _upload(page, path: Path, caption: str, credit: str) -> None:  # type: ignore[no-untyped-def]
    form = page.locator("form.evidence-form")
    form.locator("#id_file").set_input_files(str(path))
    form.locator("#id_caption").fill(caption)
    form.locator("#id_credit").fill(credit)
    _submit_form(page, "form.evidence-form")


def _transition(page, name: str, note: str = "") -> None:  # type: ignore[no-untyped-def]
    form = page.locator(f"form.transition-{name}")
    if note:
        form.locator("textarea[name=note]").fill(note)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    _no_errors(page)


def _totals(page) -> dict[str, int]:  # type: ignore[no-untyped-def]
    found = {}
    for item in page.locator("#kpi-title ~ ul.totals li").all():
        status = item.locator(".status").get_attribute("class") or ""
        found[status.split("status-")[-1]] = int(item.locator(".count").inner_text())
    return found


def _activity_counts(page) -> dict[str, int]:  # type: ignore[no-untyped-def]
    found = {}
    for item in page.locator("#act-title ~ ul.totals li").all():
        status = item.locator(".astatus").get_attribute("class") or ""
        found[status.split("astatus-")[-1]] = int(item.locator(".count").inner_text())
    return found


def test_the_planning_loop(browser, orbit_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    photo_1 = _png(tmp_path / "workshop-opening.png", 320, 200, (11, 79, 138))
    photo_2 = _png(tmp_path / "group-work.png", 240, 240, (30, 107, 58))
    report = _pdf(tmp_path / "mission-report.pdf")

    manager = browser.new_context(viewport=DESKTOP).new_page()
    _log_in(manager, orbit_url, "afr.manager")
    manager.goto(orbit_url + "/plan/dashboard/")
    before_totals = _totals(manager)
    before_activities = _activity_counts(manager)

    # The contributor plans an activity under an output of the bureau's plan.
    page = browser.new_context(viewport=DESKTOP).new_page()
    _log_in(page, orbit_url, "afr.contributor")
    page.locator(".main-nav").get_by_role("link", name="Plan").click()
    page.get_by_role("link", name="New activity").click()
    page.locator("#id_title_0").fill("Broadband plan validation workshop (browser test)")
    page.locator("#id_responsible_unit").select_option(_option_value(page, "#id_responsible_unit", "RO-AFR —"))
    page.locator("#id_nodes").select_option(_option_value(page, "#id_nodes", OUTPUT))
    page.locator("#id_type").select_option("event")
    page.locator("#id_planned_start").fill("2026-10-05")
    page.locator("#id_planned_end").fill("2026-10-09")
    page.locator("#id_countries").fill("ET")
    _submit_form(page)
    assert re.search(r"/plan/activities/\d+/$", page.url), page.url
    activity_url = page.url
    code = page.locator("h1 .node-code").inner_text()
    assert code.startswith("RO-AFR-2026-")

    # A progress update with two photos and a PDF.
    page.get_by_role("link", name="New progress update").click()
    page.locator("#id_date").fill("2026-10-09")
    page.locator("#id_narrative_0").fill("Workshop held with 24 participants from 3 ministries.")
    page.locator("#id_new_status").select_option("ongoing")
    _submit_form(page)
    assert re.search(r"/plan/updates/\d+/$", page.url), page.url
    update_url = page.url
    _upload(page, photo_1, "Opening session", "© sample / browser test")
    _upload(page, photo_2, "Group work", "© sample / browser test")
    _upload(page, report, "Mission report", "RO-AFR")
    assert page.locator("#evidence .gallery-item").count() == 3
    assert page.locator("#evidence img").count() == 2, "both photos are shown as thumbnails"

    # A sibling office cannot see the draft, nor the activity.
    sibling = browser.new_context(viewport=DESKTOP).new_page()
    _log_in(sibling, orbit_url, "asp.contributor")
    assert sibling.goto(update_url).status == 404
    assert sibling.goto(activity_url).status == 404

    _transition(page, "submit")
    assert "Submitted" in page.locator("h1").inner_text()

    # The contributor also reports a value of the output's indicator and submits it.
    page.goto(activity_url)
    page.locator("#links-title ~ ul a", has_text=OUTPUT).first.click()
    page.locator("a", has_text=INDICATOR).first.click()
    form = page.locator("form.value-entry")
    form.locator("#id_period_type").select_option("quarter")
    form.locator("#id_period_start").fill("2026-10-01")
    form.locator("#id_unit").select_option(_option_value(page, "#id_unit", "RO-AFR —"))
    form.locator("#id_value").fill("8")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    _no_errors(page)
    row = page.locator("#values tbody tr", has_text="2026 Q4").filter(has_text="RO-AFR")
    with page.expect_navigation():
        row.locator("button[value=submit]").click()
    _no_errors(page)

    # The manager returns the update with a note.
    manager.goto(orbit_url + "/plan/review/")
    assert manager.locator("#qu-title ~ table a", has_text=code).count() == 1
    manager.goto(update_url)
    _transition(manager, "return", note="Please add the list of ministries.")
    assert "Returned" in manager.locator("h1").inner_text()

    # The contributor sees the note, corrects and resubmits.
    page.goto(orbit_url + "/plan/my-work/")
    page.locator("#returned-title ~ ul a", has_text=code).first.click()
    assert "Please add the list of ministries." in page.locator("#review-note").inner_text()
    page.get_by_role("link", name="Edit the text").click()
    page.locator("#id_narrative_0").fill("Workshop held with 24 participants from the ministries of ICT, "
                                         "education and finance.")  # fmt: skip
    _submit_form(page)
    _transition(page, "submit")

    # The manager approves the update and the value.
    manager.goto(update_url)
    _transition(manager, "approve")
    assert "Approved" in manager.locator("h1").inner_text()
    manager.goto(orbit_url + "/plan/review/")
    value_row = manager.locator("#qv-title ~ table tbody tr", has_text=INDICATOR).filter(has_text="RO-AFR")
    with manager.expect_navigation():
        value_row.locator("button[value=approve]").click()
    _no_errors(manager)

    # The dashboard changed: one more ongoing activity, and the indicator moved between statuses.
    manager.goto(orbit_url + "/plan/dashboard/")
    after_activities = _activity_counts(manager)
    assert after_activities.get("ongoing", 0) == before_activities.get("ongoing", 0) + 1
    after_totals = _totals(manager)
    assert sum(after_totals.values()) == sum(before_totals.values())
    assert after_totals != before_totals, (before_totals, after_totals)
    assert after_totals.get("on_track", 0) == before_totals.get("on_track", 0) + 1
    manager.screenshot(path=str(SHOTS / "orbit-planning-dashboard.png"), full_page=True)

    # The activity shows the photos in its gallery, approved.
    manager.goto(activity_url)
    assert manager.locator("#gallery img").count() == 2
    assert "ongoing" in manager.locator(".astatus").first.inner_text().lower()
    manager.locator("#gallery").screenshot(path=str(SHOTS / "orbit-planning-gallery.png"))


def test_planning_pages_fit_a_phone_in_english_and_arabic(browser, orbit_url: str) -> None:  # type: ignore[no-untyped-def]
    from tests.browser.test_results import PHONE, _no_horizontal_scroll, _switch_language

    page = browser.new_context(viewport=PHONE).new_page()
    _log_in(page, orbit_url, "afr.manager")
    for language in ("en", "ar"):
        _switch_language(page, language)
        for path in ("/plan/", "/plan/dashboard/", "/plan/initiatives/", "/plan/my-work/", "/plan/review/",
                     "/plan/new/", "/plan/locks/"):  # fmt: skip
            page.goto(orbit_url + path)
            _no_horizontal_scroll(page)
        page.goto(orbit_url + "/plan/")
        page.locator("table.plan tbody a").first.click()
        _no_horizontal_scroll(page)
    page.screenshot(path=str(SHOTS / "orbit-planning-activity-ar-phone.png"), full_page=True)
