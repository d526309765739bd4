"""The report as a Word document, read back with python-docx."""

from __future__ import annotations

import io

import docx
import pytest
from docx.oxml.ns import qn

from orbit.reporting.content import ReportParams
from orbit.reporting.render import render_report
from orbit.reporting.tests.report_data import hand_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(tree, system_actor, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return hand_world(tree, system_actor)


def docx_of(world, **params):
    out = io.BytesIO()
    rep = render_report(
        user=world.bdt, params=ReportParams(framework_id=world.framework.pk, **params), fmt="docx", out=out
    )
    return rep, docx.Document(io.BytesIO(out.getvalue()))


def test_word_document_has_headings_tables_charts_narratives_and_photos(world):
    rep, document = docx_of(world, period="2024")
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert "1 Connectivity" in headings and "1.1 Networks built" in headings and "2.1 People trained" in headings
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    assert "I1 Kilometres of fibre (km)" in cells and "88" in cells and "88 %" in cells and "At risk" in cells
    texts = [p.text for p in document.paragraphs]
    assert "Approved narrative A1" in texts
    assert "Open photo — Photo: ITU/Test credit" in texts
    assert not any("No consent photo" in t or "Draft" in t for t in texts)
    # Every chart (overview and one per indicator) and every photo is a picture.
    assert len(document.inline_shapes) == len(rep.charts) + len(rep.indicators) + len(rep.photos)
    assert document.core_properties.title == rep.title


def test_arabic_word_document_is_right_to_left(world):
    _rep, document = docx_of(world, language="ar")
    body = [p for p in document.paragraphs if p.text]
    assert body and all(p._p.pPr is not None and p._p.pPr.find(qn("w:bidi")) is not None for p in body)
