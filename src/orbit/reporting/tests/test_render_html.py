"""The report as one HTML document: standalone when downloaded, in the report's language and direction."""

from __future__ import annotations

import io
import re

import pytest

from orbit.reporting.content import ReportError, ReportParams
from orbit.reporting.render import CONTENT_TYPES, EXTENSIONS, FORMATS, render_report
from orbit.reporting.tests.report_data import hand_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(tree, system_actor, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return hand_world(tree, system_actor)


def html_of(world, **params):
    out = io.BytesIO()
    steps = []
    rep = render_report(
        user=world.bdt, params=ReportParams(framework_id=world.framework.pk, **params), fmt="html", out=out,
        progress=lambda percent, label: steps.append((percent, label)),
    )  # fmt: skip
    return rep, out.getvalue().decode("utf-8"), steps


def test_downloaded_html_stands_alone(world):
    rep, html, steps = html_of(world, period="2024")
    assert html.startswith("<!doctype html>") and '<html lang="en" dir="ltr">' in html
    assert rep.title in html and "Data cut-off" in html
    # Charts inline, photos embedded as data: URIs of the thumbnails; no link to anything outside the file.
    assert html.count("<svg") >= 1 + len(rep.indicators)
    images = re.findall(r'<img src="([^"]+)"', html)
    assert len(images) == len(rep.photos) == 2 and all(src.startswith("data:image/") for src in images)
    assert not re.search(r'(src|href)="(https?:|/)', html)
    assert "<style>" in html and "@page" in html
    # Indicators with their figures, captions with credits, approved narratives; nothing unpublishable.
    assert "Kilometres of fibre" in html and "88 %" in html and "Approved narrative A1" in html
    assert "Open photo" in html and "ITU/Test credit" in html
    for hidden in ("No consent photo", "Draft photo", "Archived photo", "Draft narrative"):
        assert hidden not in html
    assert [p for p, _label in steps] == sorted(p for p, _label in steps) and steps[-1][0] == 100


def test_the_body_shows_inside_an_orbit_page_with_photos_through_the_evidence_view(world):
    from django.template.loader import render_to_string
    from django.urls import reverse

    from orbit.reporting.content import build_report
    from orbit.reporting.render.html import BODY_TEMPLATE, screen_context

    rep = build_report(user=world.bdt, params=ReportParams(framework_id=world.framework.pk, period="2024"))
    body = render_to_string(BODY_TEMPLATE, screen_context(rep))
    assert not body.lstrip().startswith("<!doctype") and "Kilometres of fibre" in body
    sources = sorted(re.findall(r'<img src="([^"]+)"', body))
    assert sources == sorted(reverse("planning:evidence-thumb", args=[p.evidence_id]) for p in rep.photos)


def test_arabic_html_reads_right_to_left_and_chinese_is_chinese(world):
    _rep, html, _steps = html_of(world, language="ar")
    assert '<html lang="ar" dir="rtl">' in html
    _rep, html, _steps = html_of(world, language="zh-hans")
    assert '<html lang="zh-hans" dir="ltr">' in html and "报告计划" in html and "光纤公里数" in html


def test_text_is_escaped(world, system_actor):
    from orbit.core.context import audit_context
    from orbit.results.services import node_update

    with audit_context(source="cli", reason="test data"):
        node_update(actor=system_actor, node=world.o2, expected_version=world.o2.version,
                    title={"en": "Skills <script>alert(1)</script>"})  # fmt: skip
    _rep, html, _steps = html_of(world)
    assert "<script>" not in html and "Skills &lt;script&gt;" in html


def test_formats_and_unknown_format(world):
    assert FORMATS == ("html", "pdf", "docx", "xlsx")
    assert set(CONTENT_TYPES) == set(EXTENSIONS) == set(FORMATS)
    with pytest.raises(ReportError, match="format: unknown format 'odt'"):
        render_report(user=world.bdt, params=ReportParams(framework_id=world.framework.pk), fmt="odt", out=io.BytesIO())


@pytest.mark.parametrize(("language", "expected"), [("en", "20,160"), ("fr", "20\xa0160"), ("zh-hans", "20,160")])
def test_counts_are_printed_grouped_in_the_report_language(language, expected):
    from django.template import Context, Template
    from django.utils import translation

    with translation.override(language):
        assert Template("{% load report_numbers %}{{ n|report_number }}").render(Context({"n": 20160})) == expected
