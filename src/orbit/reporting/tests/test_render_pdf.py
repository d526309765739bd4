"""The report as PDF, read back with pypdfium2: indicators, captions, Chinese and Arabic; nothing fetched
from outside Orbit."""

from __future__ import annotations

import io

import pypdfium2 as pdfium
import pytest

from orbit.reporting.content import ReportParams
from orbit.reporting.render import render_report
from orbit.reporting.tests.report_data import hand_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(tree, system_actor, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return hand_world(tree, system_actor)


def pdf_of(world, **params):
    out = io.BytesIO()
    render_report(user=world.bdt, params=ReportParams(framework_id=world.framework.pk, **params), fmt="pdf", out=out)
    data = out.getvalue()
    assert data.startswith(b"%PDF-")
    document = pdfium.PdfDocument(data)
    pages = [document[index] for index in range(len(document))]
    text = "\n".join(page.get_textpage().get_text_range() for page in pages)
    images = sum(
        1 for page in pages for obj in page.get_objects(max_depth=3) if obj.type == pdfium.raw.FPDF_PAGEOBJ_IMAGE
    )
    size = pages[0].get_size()
    return text, images, size, len(pages)


def squash(text):
    return "".join(text.split())


def test_pdf_holds_indicators_captions_and_photos_on_a4(world):
    text, images, (width, height), pages = pdf_of(world, period="2024")
    assert round(width) == 595 and round(height) == 842  # A4 in points
    assert "Kilometres of fibre" in text and "Open photo" in text and "ITU/Test credit" in text
    assert "Approved narrative A1" in text and "Data cut-off" in text
    assert "No consent photo" not in text and "Draft photo" not in text
    assert images == 2  # the two publishable photos of 2024, from their thumbnails
    assert text.rstrip().endswith(str(pages))  # page numbers


def test_pdf_in_chinese_has_the_chinese_title(world):
    text, _images, _size, _pages = pdf_of(world, language="zh-hans")
    assert "报告计划" in squash(text) and "光纤公里数" in squash(text)


def test_pdf_in_arabic_is_produced(world):
    text, _images, _size, pages = pdf_of(world, language="ar")
    assert pages >= 2 and "Kilometres of fibre" in text


def test_fetcher_serves_only_orbit_media_and_static(world, settings, tmp_path):
    from orbit.reporting.render.pdf import BASE_URL, _fetcher_class

    (tmp_path / "thumbs").mkdir()
    (tmp_path / "thumbs" / "a.png").write_bytes(b"\x89PNG\r\n\x1a\nrest")
    fetcher = _fetcher_class()(timeout=1)
    response = fetcher.fetch(f"{BASE_URL}media/thumbs/a.png")
    assert response.headers["Content-Type"] == "image/png"
    assert b"PNG" in fetcher.fetch(f"{BASE_URL}media/thumbs/a.png").read()
    assert fetcher.fetch(f"{BASE_URL}static/reporting/report.css").read().startswith(b"/*")
    for refused in (
        "https://example.org/x.png", "http://orbit.invalid/media/thumbs/a.png", f"{BASE_URL}media/../secret",
        f"{BASE_URL}other/a.png", "file:///etc/passwd", "data:image/png;base64,AAAA",
    ):  # fmt: skip
        with pytest.raises((ValueError, OSError)):
            fetcher.fetch(refused)


def test_a_large_report_is_laid_out_in_parts_numbered_on(world):
    from orbit.reporting.content import build_report
    from orbit.reporting.render.pdf import parts, write_pdf_parts

    rep = build_report(user=world.bdt, params=ReportParams(framework_id=world.framework.pk, period="2024"))
    assert len(parts(rep.nodes, limit=3)) == len(rep.nodes) >= 4  # each result alone
    assert len(parts(rep.nodes)) == 1
    out = io.BytesIO()
    pages = write_pdf_parts(rep, out, limit=3)
    document = pdfium.PdfDocument(out.getvalue())
    assert len(document) == pages
    texts = [document[index].get_textpage().get_text_range() for index in range(pages)]
    numbers = [text.rstrip().splitlines()[-1].strip() for text in texts]
    assert numbers == [str(n) for n in range(1, pages + 1)]
    joined = "\n".join(texts)
    for expected in ("Kilometres of fibre", "Trainees certified", "Open photo", "Approved narrative A1"):
        assert expected in joined
    assert "Data cut-off" in texts[0] and "Produced by Orbit" in texts[-1]


def test_print_charts_draw_every_period_without_text(world):
    import re

    from orbit.reporting.content import build_report
    from orbit.reporting.render.pdf import print_chart, print_nodes

    rep = build_report(user=world.bdt, params=ReportParams(framework_id=world.framework.pk))
    indicators = [ind for node in print_nodes(rep.nodes) for ind in node.indicators]
    assert indicators and any(len(ind.periods) > 1 for ind in indicators)
    for ind in indicators:
        svg = ind.chart_svg
        assert svg == print_chart(ind) and svg.startswith("<svg") and "<text" not in svg
        marks = re.findall(r'<path d="([^"]*)" fill="([^"]*)"/>', svg)
        targets = sum(1 for p in ind.periods if p.target is not None)
        actuals = sum(1 for p in ind.periods if p.actual is not None)
        assert [d.count("z") for d, _fill in marks] == [n for n in (targets, actuals) if n]
        assert svg.count("<polyline") == (targets > 1) + (actuals > 1)
        assert ("stroke-dasharray=\"2 3\"" in svg) == (ind.baseline is not None)
    # the report's own indicators keep the results engine's chart (the HTML file and Word use it)
    first = next(ind for node in rep.nodes for ind in node.indicators)
    assert "<text" in first.chart_svg
