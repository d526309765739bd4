"""The process inventory in a real browser, on the demo's sample inventory.

bdt.manager, acting as a transformation analyst, uploads the Camunda invoice pair (two BPMN files whose call
activity crosses them), reads the preview, applies it, opens the dependency graph and the impact analysis of
the invoice process, opens an assessment round, scores three processes and reads the quick-win list.
Screenshots of the preview, the graph and the round are kept in the temporary directory as test artefacts.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from tests.browser.test_planning import _no_errors
from tests.browser.test_results import DESKTOP, _log_in, _option_value
from tests.support import shared_path

pytestmark = pytest.mark.browser

SHOTS = Path(tempfile.gettempdir())


def test_analyst_imports_bpmn_analyses_impact_and_finds_quick_wins(browser, orbit_url):  # type: ignore[no-untyped-def]
    folder = shared_path("data", "bpm", "bpmn", "camunda")
    files = [str(folder / "invoice.v2.bpmn"), str(folder / "reviewInvoice.bpmn")]
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    _log_in(page, orbit_url)

    # Upload both files as one set and read the preview.
    page.goto(orbit_url + "/processes/import/")
    page.locator("#id_owner_unit").select_option(_option_value(page, "#id_owner_unit", "BDT —"))
    page.locator("#id_files").set_input_files(files)
    with page.expect_navigation():
        page.get_by_role("button", name="Preview").click()
    _no_errors(page)
    assert page.locator("h1").inner_text() == "Import preview"
    assert page.locator("#upload-files tbody tr").count() == 2
    calls = page.locator("#upload-calls").inner_text()
    assert "ReviewInvoice" in calls and "resolved" in calls
    page.screenshot(path=str(SHOTS / "orbit-processes-preview.png"), full_page=True)

    # Apply it: the two processes are in the inventory, with the call between them.
    with page.expect_navigation():
        page.locator("#apply-upload").click()
    assert page.locator("h1").inner_text() == "Import applied"
    invoice_link = page.get_by_role("link", name="impact analysis").first
    assert page.get_by_text("Invoice Receipt").count() >= 1

    # The dependency graph of the unit shows both imported processes.
    page.get_by_role("link", name="Dependency graph").last.click()
    page.wait_for_load_state()
    figure = page.locator("#dependency-graph-figure svg")
    assert figure.count() == 1 and figure.is_visible()
    assert "Invoice Receipt" in (figure.text_content() or "")
    page.screenshot(path=str(SHOTS / "orbit-processes-graph.png"), full_page=True)

    # Impact analysis of the invoice process: the review process is downstream (it is called).
    page.go_back()
    page.wait_for_load_state()
    invoice_link = page.get_by_role("link", name="impact analysis").first
    with page.expect_navigation():
        invoice_link.click()
    assert page.locator("h1").inner_text().startswith("Impact analysis")
    downstream = page.locator("#downstream").inner_text()
    assert "Review Invoice" in downstream

    # A new value/effort round, three processes scored, the quick-win list.
    page.goto(orbit_url + "/processes/rounds/")
    page.get_by_label("Name").fill("Browser round")
    page.locator("select[name=owner_unit]").select_option(_option_value(page, "select[name=owner_unit]", "BDT —"))
    page.locator("input[name=model_key][value=value_effort]").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Open the round").click()
    _no_errors(page)
    scores = (("S-EVT-VISA", "8", "2"), ("S-FEL", "5", "6"))
    invoice_code = None
    for option in page.locator("select[name=process] option").all():
        if "Invoice Receipt" in option.inner_text():
            invoice_code = option.inner_text().split(" — ")[0]
    assert invoice_code, "the imported invoice process is offered for scoring"
    for code, value, effort in (*scores, (invoice_code, "7", "2")):
        page.locator("select[name=process]").select_option(_option_value(page, "select[name=process]", code))
        page.locator("[name='answers.value']").fill(value)
        page.locator("[name='answers.effort']").fill(effort)
        with page.expect_navigation():
            page.get_by_role("button", name="Save the score").click()
        _no_errors(page)
    quick_wins = page.locator("ol.quick-win-list").inner_text()
    assert "S-EVT-VISA" in quick_wins
    assert invoice_code not in quick_wins and "S-FEL" not in quick_wins
    ranking = page.locator(f"#ranking ~ * tr:has-text('{invoice_code}')").first.inner_text()
    assert "owner" in ranking.lower()  # the imported process has no owner yet: the ranking says so
    page.screenshot(path=str(SHOTS / "orbit-processes-round.png"), full_page=True)
    context.close()
