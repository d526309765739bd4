"""A planner builds a small results framework in a real browser and watches the roll-up change.

bdt.manager creates a framework (two tiers), an outcome and an output, three indicators with annual
targets, reports values, and sees the indicator statuses, the totals and the node roll-ups change on
the tree page.  Then the output is linked to SDG target 9.c through the SDG link form and, in the
Chinese interface, its page shows the target's Chinese title from the reference data.  Screenshots of
the tree (desktop and phone; English, Chinese, Arabic) go to the temporary directory.
"""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

import pytest

import orbit.results

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 740}
SHOTS = Path(tempfile.gettempdir())
CODE = "BROWSER-PLAN"
AS_OF = "2025-12-31"


def _sdg_title(ref_code: str, language: str) -> str:
    data = json.loads((Path(orbit.results.__file__).parent / "data" / "sdg.json").read_text(encoding="utf-8"))
    node = next(n for n in data["nodes"] if n.get("ref_code") == ref_code)
    return str(node["title"][language])


def _log_in(page, url: str, username: str = "bdt.manager") -> None:  # type: ignore[no-untyped-def]
    page.goto(url + "/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("orbit-demo")
    page.locator("main button[type=submit]").click()
    page.wait_for_url(url + "/")


def _switch_language(page, code: str) -> None:  # type: ignore[no-untyped-def]
    page.locator("#language-select").select_option(code)
    with page.expect_navigation():
        page.locator("#language-select ~ button[type=submit]").click()


def _no_horizontal_scroll(page) -> None:  # type: ignore[no-untyped-def]
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.viewport_size["width"]
    assert width <= viewport, f"{page.url} scrolls sideways: {width}px content in a {viewport}px viewport"


def _save(page) -> None:  # type: ignore[no-untyped-def]
    with page.expect_navigation():
        page.locator("main form.panel button[type=submit]").first.click()
    errors = page.locator(".errorlist, .error-summary")
    assert errors.count() == 0, errors.first.inner_text()


def _option_value(page, select: str, starts_with: str) -> str:  # type: ignore[no-untyped-def]
    for option in page.locator(f"{select} option").all():
        if option.inner_text().strip().startswith(starts_with):
            return str(option.get_attribute("value"))
    raise AssertionError(f"no option starting with {starts_with!r} in {select}")


def _totals(page) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return {span.get_attribute("data-status"): int(span.inner_text()) for span in page.locator("#totals .count").all()}


def _node_state(page, title: str) -> str:  # type: ignore[no-untyped-def]
    """The roll-up text of a node's summary line: its achievement and status label."""
    summary = page.locator("#outline summary", has_text=title).first
    return " ".join(summary.locator(".node-state").inner_text().split())


def _tree_as_of(page, tree_url: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(tree_url)
    page.locator("#as-of").fill(AS_OF)
    with page.expect_navigation():
        page.locator("form.as-of button[type=submit]").click()
    assert f"as_of={AS_OF}" in page.url


def _add_indicator(page, tree_url: str, nth: int, code: str, title: str) -> str:  # type: ignore[no-untyped-def]
    page.goto(tree_url)
    page.locator("#outline").get_by_role("link", name="Add indicator").nth(nth).click()
    page.locator("#id_code").fill(code)
    page.locator("#id_title_0").fill(title)
    page.locator("#id_unit_label").fill("countries")
    _save(page)
    assert re.search(r"/results/indicators/\d+/$", page.url), page.url
    indicator_url = page.url
    page.get_by_role("link", name="Add target").click()
    for year, value in (("2025", "10"), ("2026", "20")):
        page.locator("#id_period_type").select_option("annual")
        page.locator("#id_period_start").fill(f"{year}-01-01")
        page.locator("#id_value").fill(value)
        with page.expect_navigation():
            page.locator("main form.panel button[name=another]").click()
        assert page.locator(".errorlist, .error-summary").count() == 0
    page.goto(indicator_url)
    assert page.locator("#targets tbody tr").count() == 2, "two annual targets"
    return str(indicator_url)


def _report(page, indicator_url: str, value: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(indicator_url)
    form = page.locator("form.value-entry")
    form.locator("#id_period_type").select_option("annual")
    form.locator("#id_period_start").fill("2025-01-01")
    form.locator("#id_unit").select_option(_option_value(page, "#id_unit", "BDT —"))
    form.locator("#id_value").fill(value)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert page.locator(".errorlist, .error-summary").count() == 0
    assert page.locator("#values tbody tr").count() == 1
    # Only approved values count in roll-ups: the planner (a manager of the reporting unit) approves it.
    with page.expect_navigation():
        page.locator("#values tbody tr").first.get_by_role("button", name="Approve").click()
    assert page.locator("#values tbody tr").first.get_by_text("Approved").count() == 1


def test_planner_builds_a_framework_and_sees_the_roll_up(browser, orbit_url: str) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    _log_in(page, orbit_url)
    page.locator(".main-nav").get_by_role("link", name="Results").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Results frameworks"

    # The framework: two tiers, owned by BDT.
    page.get_by_role("link", name="New framework").click()
    page.locator("#id_code").fill(CODE)
    page.locator("#id_name_0").fill("Browser test plan")
    page.locator("#id_cycle_start").fill("2025-01-01")
    page.locator("#id_cycle_end").fill("2027-12-31")
    page.locator("#id_owner_unit").select_option(_option_value(page, "#id_owner_unit", "BDT —"))
    page.locator("#id_status").select_option("active")
    page.locator("#id_tiers").fill("Outcome\nen: Output | zh-hans: 产出")
    _save(page)
    assert re.search(r"/results/\d+/$", page.url), page.url
    tree_url = page.url
    assert CODE in page.get_by_role("heading", level=1).inner_text()

    # An outcome, and an output below it.
    page.get_by_role("link", name="Add a node (Outcome)").click()
    page.locator("#id_title_0").fill("Browser outcome")
    _save(page)
    page.locator("#outline").get_by_role("link", name="Add below").first.click()
    page.locator("#id_title_0").fill("Browser output")
    _save(page)
    assert _node_state(page, "Browser output").endswith("No data")

    # Three indicators (two on the output, one on the outcome), each with targets for 2025 and 2026.
    first = _add_indicator(page, tree_url, 1, "B1", "Countries with a broadband plan")
    second = _add_indicator(page, tree_url, 1, "B2", "Countries with an emergency plan")
    third = _add_indicator(page, tree_url, 0, "B3", "Countries with a digital skills plan")

    _tree_as_of(page, tree_url)
    assert _totals(page) == {"on_track": 0, "at_risk": 0, "off_track": 0, "no_data": 3}
    assert _node_state(page, "Browser outcome").endswith("No data")

    # Values for 2025: 10 of 10 (on track), then 7 of 10 (at risk), then 2 of 10 (off track).
    _report(page, first, "10")
    _tree_as_of(page, tree_url)
    assert _totals(page) == {"on_track": 1, "at_risk": 0, "off_track": 0, "no_data": 2}
    assert _node_state(page, "Browser output") == "Achievement: 100% ● On track"

    _report(page, second, "7")
    _report(page, third, "2")
    _tree_as_of(page, tree_url)
    assert _totals(page) == {"on_track": 1, "at_risk": 1, "off_track": 1, "no_data": 0}
    assert _node_state(page, "Browser output") == "Achievement: 85% ▲ At risk", "mean of 100% and 70%"
    assert _node_state(page, "Browser outcome") == "Achievement: 63% ▲ At risk", "mean of 100%, 70% and 20%"
    rows = page.locator("#outline table.indicators tbody tr")
    assert rows.count() == 3
    statuses = [" ".join(rows.nth(i).locator("td").last.inner_text().split()) for i in range(3)]
    assert statuses == ["■ Off track", "● On track", "▲ At risk"], "B3 on the outcome, then B1 and B2"
    _no_horizontal_scroll(page)
    page.screenshot(path=str(SHOTS / "orbit-results-tree-en-desktop.png"), full_page=True)

    # The indicator page draws the series.
    page.goto(first)
    assert page.locator("svg.line-chart circle.point.actual").count() == 1
    assert page.locator("svg.line-chart rect.point.target").count() == 2

    # Link the output to SDG target 9.c, then read its Chinese title in the Chinese interface.
    page.goto(tree_url + "sdg/")
    if page.locator("#sdg-goal").count() == 0:
        reason = "no SDG framework in the demo data, so no SDG target can be linked"
        print(f"SDG assertion skipped: {reason}")
        pytest.skip(reason)
    page.locator("#sdg-goal").select_option(_option_value(page, "#sdg-goal", "9 "))
    with page.expect_navigation():
        page.get_by_role("button", name="Show its targets").click()
    page.locator("#id_source").select_option(_option_value(page, "#id_source", "1.1 "))
    page.locator("#id_target").select_option(_option_value(page, "#id_target", "9.c "))
    with page.expect_navigation():
        page.get_by_role("button", name="Add link").click()
    assert page.locator("table.matrix td.mark").count() == 1

    _switch_language(page, "zh-hans")
    page.locator("table.matrix th[scope=row] a", has_text="1.1").click()
    contributions = page.locator("#links")
    assert _sdg_title("9.c", "zh-hans") in contributions.inner_text()
    assert _sdg_title("9.c", "en") not in contributions.inner_text()
    page.screenshot(path=str(SHOTS / "orbit-results-node-zh-desktop.png"), full_page=True)

    _tree_as_of(page, tree_url)
    assert page.locator("#outline .status-at_risk").first.inner_text().strip().endswith("有风险")
    _no_horizontal_scroll(page)
    page.screenshot(path=str(SHOTS / "orbit-results-tree-zh-desktop.png"), full_page=True)
    _switch_language(page, "ar")
    assert page.locator("html").get_attribute("dir") == "rtl"
    _no_horizontal_scroll(page)
    page.screenshot(path=str(SHOTS / "orbit-results-tree-ar-desktop.png"), full_page=True)
    _switch_language(page, "en")
    context.close()

    # A phone: the tree fits the screen in English, Chinese and Arabic.
    phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = phone.new_page()
    _log_in(page, orbit_url)
    for language in ("en", "zh-hans", "ar"):
        if language != "en":
            _switch_language(page, language)
        _tree_as_of(page, tree_url)
        _no_horizontal_scroll(page)
        page.screenshot(path=str(SHOTS / f"orbit-results-tree-{language}-phone.png"), full_page=True)
    _switch_language(page, "en")
    phone.close()
