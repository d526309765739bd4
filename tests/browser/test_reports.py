"""A results report in PDF, asked for in the Chinese interface, produced by the background worker and downloaded.

bdt.manager gives the demo's sample operational plan a Chinese name, switches the interface to Chinese, asks for
its results report in PDF from the report form (the language defaults to the interface's), watches the run's
progress panel until the worker is done, and downloads the file.  The PDF's text (read with pypdfium2) holds the
Chinese name, an indicator title of the plan and the demo's evidence caption; its first page is rendered to PNG
and kept in ``test-artifacts/`` (git-ignored) as a test artefact.
"""

from __future__ import annotations

import importlib.util
import re
import time
from pathlib import Path

import pytest
from tests.browser.test_results import DESKTOP, _log_in, _option_value, _switch_language

pytestmark = pytest.mark.browser

ARTEFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
FRAMEWORK = "BDT-OP-SAMPLE"
CHINESE_NAME = "国际电联发展局业务计划（示例）"
#: The caption the demo gives its illustrative pictures (orbit/planning/demo.py).
CAPTION = "Sample image (illustrative)"


def _words(text: str) -> str:
    """PDF text with its line breaks and runs of spaces made single spaces (titles wrap across lines)."""
    return " ".join(text.split())


def _pdf_text(path: Path) -> tuple[str, int]:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        return "\n".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf))), len(pdf)
    finally:
        pdf.close()


def _first_page_png(path: Path, target: Path) -> None:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        pdf[0].render(scale=1.5).to_pil().save(target)
    finally:
        pdf.close()


def _give_chinese_name(page, url: str, framework_id: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{url}/results/{framework_id}/edit/")
    page.locator('input[name^="name_"][lang="zh-hans"]').fill(CHINESE_NAME)
    with page.expect_navigation():
        page.locator("main form.panel button[type=submit]").first.click()
    errors = page.locator(".errorlist, .error-summary")
    assert errors.count() == 0, errors.first.inner_text()


def _indicator_titles(page, url: str, framework_id: str) -> list[str]:  # type: ignore[no-untyped-def]
    response = page.request.get(f"{url}/api/results/indicators/?framework={framework_id}&page_size=500")
    assert response.ok, response.status
    return [str(item["title"]["en"]) for item in response.json()["results"] if item["title"].get("en")]


def _watch_progress(page, timeout: float = 180) -> list[str]:  # type: ignore[no-untyped-def]
    """The states the progress panel showed (status and percent), until it says done or failed."""
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    panel = page.locator("#run-progress")
    while time.monotonic() < deadline:
        status = panel.get_attribute("data-status")
        percent = panel.locator(".run-percent").inner_text() if panel.locator(".run-percent").count() else ""
        state = f"{status} {percent}".strip()
        if not seen or seen[-1] != state:
            seen.append(state)
        if status in ("done", "failed"):
            return seen
        page.wait_for_timeout(250)
    raise AssertionError(f"the report did not finish within {timeout} s; the panel showed {seen}")


def test_a_pdf_report_from_the_chinese_interface(orbit_url: str, browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=DESKTOP, accept_downloads=True)
    page = context.new_page()
    try:
        _log_in(page, orbit_url, "bdt.manager")
        _switch_language(page, "zh-hans")
        page.goto(orbit_url + "/reports/new/")
        framework_id = _option_value(page, "#id_framework", FRAMEWORK)
        _give_chinese_name(page, orbit_url, framework_id)
        titles = _indicator_titles(page, orbit_url, framework_id)
        assert titles, "the demo plan has indicators"

        page.goto(orbit_url + "/reports/new/")
        assert page.locator("#id_language").input_value() == "zh-hans", "the report's language defaults to the UI's"
        page.locator("#id_framework").select_option(framework_id)
        page.locator("#id_format").select_option("pdf")
        with page.expect_navigation():
            page.locator("form.report-form button[type=submit]").click()
        assert re.search(r"/reports/\d+/$", page.url), page.url
        assert page.locator(".errorlist, .error-summary").count() == 0

        seen = _watch_progress(page)
        assert seen[-1].startswith("done"), f"the run failed: {page.locator('.run-error').all_inner_texts()} {seen}"
        assert len(seen) > 1, f"the panel never showed the run before it was done: {seen}"

        with page.expect_download() as info:
            page.locator("#download-link").click()
        download = info.value
        assert download.suggested_filename.endswith(".pdf"), download.suggested_filename
        pdf_path = tmp_path / download.suggested_filename
        download.save_as(str(pdf_path))
        assert pdf_path.read_bytes()[:5] == b"%PDF-"

        text, pages = _pdf_text(pdf_path)
        words = _words(text)
        assert CHINESE_NAME in words, "the Chinese name of the framework"
        assert any(_words(title) in words for title in titles), "an indicator title of the plan"
        demo = importlib.util.find_spec("orbit.planning.demo")
        assert demo and demo.origin and CAPTION in Path(demo.origin).read_text(encoding="utf-8")
        assert CAPTION in words, "the demo's evidence caption"

        ARTEFACTS.mkdir(exist_ok=True)
        png = ARTEFACTS / "report-zh-hans-page-1.png"
        _first_page_png(pdf_path, png)
        assert png.stat().st_size > 10_000 and pages >= 2
        print(f"report: {pages} pages, progress seen {seen}, first page kept as {png}")
    finally:
        context.close()
