"""The web shell in a real browser: log in, switch language (中文, العربية right to left), open a unit's history.

The ``orbit_url`` and ``browser`` fixtures (``orbit demo`` and ``orbit serve`` in a temporary data
directory, Debian's Chromium through Playwright) live in ``conftest.py``.  Screenshots go to the
temporary directory for a person to look at.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 740}


def _log_in(page, url: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(url + "/")
    assert "/accounts/login/" in page.url, "pages other than /healthz need a login"
    page.get_by_label("Username").fill("admin")
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


def test_login_languages_rtl_and_history(browser, orbit_url: str, tmp_path_factory) -> None:  # type: ignore[no-untyped-def]
    shots = Path(tempfile.gettempdir())
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    _log_in(page, orbit_url)
    nav = page.get_by_role("navigation", name="Main")
    assert nav.get_by_role("link", name="Units").is_visible()
    assert page.locator("html").get_attribute("dir") == "ltr"
    page.screenshot(path=str(shots / "orbit-shell-home-en-desktop.png"), full_page=True)

    _switch_language(page, "zh-hans")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.locator(".main-nav").get_by_role("link", name="首页").is_visible()
    assert page.locator(".main-nav").get_by_role("link", name="单位").is_visible()
    assert page.get_by_role("heading", level=1).inner_text() == "最近活动"
    page.screenshot(path=str(shots / "orbit-shell-home-zh-desktop.png"))

    _switch_language(page, "ar")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("html").get_attribute("lang") == "ar"
    assert page.locator(".main-nav").get_by_role("link", name="الوحدات").is_visible()
    page.screenshot(path=str(shots / "orbit-shell-home-ar-desktop.png"), full_page=True)

    # Open a unit from the list, then its history.
    page.locator(".main-nav").get_by_role("link", name="الوحدات").click()
    page.locator("#unit-q").fill("RO-AFR")
    page.locator("form.filters button[type=submit]").click()
    page.get_by_role("link", name="RO-AFR", exact=True).click()
    assert "(RO-AFR)" in page.get_by_role("heading", level=1).inner_text()
    page.screenshot(path=str(shots / "orbit-shell-unit-ar-desktop.png"), full_page=True)
    page.locator(".actions").get_by_role("link", name="السجل").click()
    assert "/history/organisation.orgunit/" in page.url
    rows = page.locator("main table tbody tr")
    assert rows.count() >= 1, "the unit's history lists its events"
    assert "RO-AFR" in page.locator("main h1").inner_text()
    created = rows.last.inner_text()
    # The creation event shows each field, named in Arabic, with its value: "code" is الرمز, "— → RO-AFR".
    assert "الرمز: — → RO-AFR" in created, f"the creation event shows its field values: {created}"

    _switch_language(page, "en")
    assert page.locator("html").get_attribute("dir") == "ltr"
    context.close()

    # A phone: nothing scrolls sideways, in English and in Arabic.
    phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = phone.new_page()
    _log_in(page, orbit_url)
    _no_horizontal_scroll(page)
    page.screenshot(path=str(shots / "orbit-shell-home-en-phone.png"), full_page=True)
    page.goto(orbit_url + "/units/")
    _no_horizontal_scroll(page)
    page.get_by_role("link", name="RO-AFR", exact=True).click()
    _no_horizontal_scroll(page)
    page.screenshot(path=str(shots / "orbit-shell-unit-en-phone.png"), full_page=True)
    _switch_language(page, "ar")
    assert page.locator("html").get_attribute("dir") == "rtl"
    _no_horizontal_scroll(page)
    page.screenshot(path=str(shots / "orbit-shell-unit-ar-phone.png"), full_page=True)
    page.goto(orbit_url + "/")
    _no_horizontal_scroll(page)
    page.screenshot(path=str(shots / "orbit-shell-home-ar-phone.png"), full_page=True)
    phone.close()
