"""IATI in the browser: an activity file imported with a dry run first, applied, imported again unchanged, and
the imported activity published again as a valid IATI file.

bdt.manager uploads the IATI Standard's annotated activity example (``../shared/data/iati/official``) into a
unit of theirs with "Dry run first" ticked, reads what the import would do, applies the kept file from the dry
run's page, then uploads the same file again without a dry run and sees that nothing changes.  On the export page
they export the framework the import created, watch the background job finish, see it declared valid and
download the file, which holds the example's activity identifier, its result and indicator.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from lxml import etree
from tests.browser.test_results import DESKTOP, _log_in, _option_value
from tests.support import shared_path

pytestmark = pytest.mark.browser

EXAMPLE = ("data", "iati", "official", "activity-standard-example-annotated.xml")
IDENTIFIER = "AA-AAA-123456789-ABC123"
REPORTING_ORG = "AA-AAA-123456789"
RUN_URL = re.compile(r"/iati/import/\d+/$")


def _example() -> Path:
    return shared_path(*EXAMPLE)


def _counts(page) -> dict[str, dict[str, int]]:  # type: ignore[no-untyped-def]
    """The import page's table: records → {new, updated, unchanged, refused, left out}."""
    keys = ("new", "updated", "unchanged", "refused", "left_out")
    table: dict[str, dict[str, int]] = {}
    for row in page.locator("#import-counts tbody tr").all():
        cells = [cell.inner_text().strip() for cell in row.locator("td").all()]
        table[cells[0]] = dict(zip(keys, (int(c) for c in cells[1:]), strict=True))
    return table


def _wait_for_run_page(page, timeout: float = 120) -> None:  # type: ignore[no-untyped-def]
    """An upload lands on its run's page, at once or (for a background import) when the worker is done."""
    deadline = time.monotonic() + timeout
    while not RUN_URL.search(page.url):
        if time.monotonic() > deadline:
            raise AssertionError(f"the import did not finish within {timeout} s: {page.url}")
        errors = page.locator(".errorlist, .error-summary")
        assert errors.count() == 0, errors.first.inner_text()
        page.wait_for_timeout(250)
    page.wait_for_load_state()


def _upload(page, url: str, example: Path, *, dry_run: bool) -> str:  # type: ignore[no-untyped-def]
    page.goto(url + "/iati/import/")
    page.locator("#id_file").set_input_files(str(example))
    unit = page.locator("#id_unit option").nth(1).get_attribute("value")  # the first unit after the blank one
    assert unit, "bdt.manager may change a unit"
    page.locator("#id_unit").select_option(unit)
    page.locator("#id_dry_run").set_checked(dry_run)
    page.locator("#start-import").click()
    _wait_for_run_page(page)
    return unit


def test_import_a_file_with_a_dry_run_then_publish_it_again(orbit_url: str, browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    example = _example()
    context = browser.new_context(viewport=DESKTOP, accept_downloads=True)
    page = context.new_page()
    try:
        _log_in(page, orbit_url, "bdt.manager")

        # A dry run: what the import would do, nothing written.
        _upload(page, orbit_url, example, dry_run=True)
        assert "dry run" in page.locator("h1").inner_text().lower()
        would = _counts(page)
        assert would["Activities"]["new"] == 1, would
        assert would["Results"]["new"] >= 1 and would["Indicators"]["new"] >= 1, would
        page.goto(orbit_url + "/results/")
        assert f"IATI-{REPORTING_ORG}" not in page.locator("main").inner_text(), "a dry run creates no framework"
        page.go_back()

        # Applied from the dry run's page, without a second upload: the same counts, now done.
        with page.expect_navigation():
            page.locator("#apply-import").click()
        _wait_for_run_page(page)
        assert "dry run" not in page.locator("h1").inner_text().lower()
        done = _counts(page)
        assert done == would, (done, would)

        # The same file again: nothing changes.
        _upload(page, orbit_url, example, dry_run=False)
        again = _counts(page)
        assert again["Activities"]["new"] == 0 and again["Activities"]["unchanged"] == 1, again
        assert all(row["new"] == 0 and row["updated"] == 0 for row in again.values()), again

        # The imported activity published again: a background export, checked, valid, downloaded.
        page.goto(orbit_url + "/iati/export/")
        page.locator("#id_framework").select_option(_option_value(page, "#id_framework", f"IATI-{REPORTING_ORG}"))
        for field, value in (
            ("#id_identifier_prefix", "XM-EXAMPLE-ORBIT"),
            ("#id_reporting_org_ref", "XM-EXAMPLE-ORBIT"),
            ("#id_reporting_org_name", "Orbit browser test"),
        ):
            if not page.locator(field).input_value():
                page.locator(field).fill(value)
        with page.expect_navigation():
            page.locator("#start-export").click()
        assert re.search(r"/iati/export/\d+/$", page.url), page.url
        page.locator("#export-valid, #export-invalid, #export-status .error-summary").first.wait_for(timeout=120_000)
        problems = page.locator("#export-problems").inner_text() if page.locator("#export-problems").count() else ""
        assert page.locator("#export-valid").count() == 1, f"the export is not valid: {problems}"
        assert "1" in page.locator("#export-checks li").first.inner_text()

        with page.expect_download() as info:
            page.locator("#download-export").click()
        path = tmp_path / info.value.suggested_filename
        info.value.save_as(str(path))
        root = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True)).getroot()
        assert root.tag == "iati-activities" and root.get("version") == "2.03"
        identifiers = [element.text for element in root.iter("iati-identifier")]
        assert identifiers == [IDENTIFIER], identifiers
        assert root.find("iati-activity/result/indicator/period/target") is not None
        size = path.stat().st_size
        print(f"IATI in the browser: dry run {would}, re-import {again['Activities']}, export of {size} bytes")
    finally:
        context.close()
