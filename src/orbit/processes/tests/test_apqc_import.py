"""``orbit import apqc``: APQC's official cross-industry PCF v7.4 stored as the reference taxonomy.

The expected figures (1,921 elements: 13/72/350/1,297/189 by level, and 3,910 metric definitions) are APQC's own,
stated in ``data/bpm/README.md``, not computed by the code under test.
"""

from __future__ import annotations

import io
import time
from collections import Counter
from pathlib import Path

import pytest
from conftest import shared_path
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook

from orbit.governance.chain import verify_database
from orbit.governance.models import AuditEvent
from orbit.organisation.tests.factories import grant, make_user
from orbit.processes.models import PcfElement, PcfMetric, PcfRelease

pytestmark = pytest.mark.django_db

LEVELS = {1: 13, 2: 72, 3: 350, 4: 1297, 5: 189}


def official() -> Path:
    return shared_path("data", "bpm", "apqc", "apqc-pcf-cross-industry-v7.4.xlsx")


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def import_official(*extra: str) -> tuple[str, float]:
    started = time.perf_counter()
    out = run("import", "apqc", str(official()), *extra)
    return out, time.perf_counter() - started


def test_the_official_pcf_is_stored_with_its_attribution(tree):
    out, elapsed = import_official("--reason", "reference taxonomy")
    print(f"orbit import apqc of {official().name}: {elapsed:.2f} s")
    assert "Imported CROSS INDUSTRY PROCESS CLASSIFICATION FRAMEWORK 7.4 from" in out
    assert "1,921 elements (level 1: 13, level 2: 72, level 3: 350, level 4: 1,297, level 5: 189)" in out
    assert "3,910 metric definitions" in out

    (release,) = PcfRelease.objects.all()
    assert (release.title, release.source_name) == ("CROSS INDUSTRY PROCESS CLASSIFICATION FRAMEWORK", official().name)
    assert release.attribution.startswith("©2024 APQC. ALL RIGHTS RESERVED.")
    assert PcfElement.objects.filter(release=release).count() == 1921
    assert dict(Counter(PcfElement.objects.values_list("level", flat=True))) == LEVELS
    assert PcfMetric.objects.filter(release=release).count() == 3910
    # Every element below the categories hangs from its parent in the stored tree.
    assert not PcfElement.objects.filter(level__gt=1, parent__isnull=True).exists()
    recruit = PcfElement.objects.get(hierarchy_id="7.2")
    assert recruit.parent is not None
    assert (recruit.name, recruit.parent.hierarchy_id) == ("Recruit, source, and select employees", "7.0")
    # Each stored row is in the audit log, under the import source and the reason given, and the chain holds.
    created = AuditEvent.objects.filter(source="import", action="create", object_type="processes.pcfelement")
    assert created.count() == 1921 and set(created.values_list("reason", flat=True)) == {"reference taxonomy"}
    result = verify_database()
    assert result.ok, result
    assert result.count == AuditEvent.objects.count()


def test_a_second_import_finds_the_release_and_changes_nothing(tree):
    import_official()
    events = AuditEvent.objects.count()
    out, _elapsed = import_official()
    assert "CROSS INDUSTRY PROCESS CLASSIFICATION FRAMEWORK 7.4 is already stored" in out
    assert "nothing changed" in out
    assert AuditEvent.objects.count() == events
    assert PcfRelease.objects.count() == 1 and PcfElement.objects.count() == 1921
    assert verify_database().ok


def test_a_bad_workbook_prints_every_problem_and_stores_nothing(tree, tmp_path):
    book = Workbook()
    intro = book.active
    assert intro is not None
    intro.title = "Introduction"
    intro["B2"] = "CROSS INDUSTRY PROCESS CLASSIFICATION FRAMEWORK"
    intro["B3"] = "VERSION NUMBER 7.4"
    combined = book.create_sheet("Combined")
    combined.append(["PCF ID", "Hierarchy ID", "Name", "Difference Index", "Change details", "Metrics available?"])
    combined.append([10002, "1.0", "Plan the work", None, None, "N"])
    combined.append([10003, "1.1", "", None, None, "N"])  # row 3: no name
    combined.append(["x", "1.2", "Decide", None, None, "N"])  # row 4: a PCF ID that is not a number
    book.create_sheet("Metrics").append(["Process Element ID", "Metric Category", "Metric ID", "Metric name"])
    book.create_sheet("Copyright and attribution")["B2"] = "COPYRIGHT AND ATTRIBUTION\n©2024 Test owner."
    path = tmp_path / "broken-pcf.xlsx"
    book.save(path)
    err = io.StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("import", "apqc", str(path), stdout=io.StringIO(), stderr=err)
    lines = err.getvalue().strip().splitlines()
    assert lines == [
        "Combined!C3 (Name): the name is empty.",
        'Combined!A4 (PCF ID): the PCF ID must be a positive whole number, not "x".',
    ]
    assert "broken-pcf.xlsx: 2 problems; nothing was imported" in str(caught.value)
    assert not PcfRelease.objects.exists() and not PcfElement.objects.exists()


def test_not_a_workbook_and_not_an_administrator(tree, tmp_path):
    text = tmp_path / "pcf.xlsx"
    text.write_text("PCF ID,Name\n1,Plan\n", encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import", "apqc", str(text), stdout=io.StringIO(), stderr=err)
    assert err.getvalue().startswith(f"{text}: this is a text file")
    manager = make_user("manager")
    grant(manager, tree.dept_a, "manager")
    with pytest.raises(CommandError, match="administrator"):
        run("import", "apqc", str(official()), "--actor", "manager")
    assert not PcfRelease.objects.exists()
