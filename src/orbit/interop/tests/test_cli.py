"""``orbit iati check``: schema, codelists and rules over real and broken files, with the exit status."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from conftest import shared_path
from django.core.management import call_command
from django.core.management.base import CommandError


def check(*args: str) -> str:
    out = StringIO()
    call_command("iati", "check", *args, stdout=out)
    return out.getvalue()


def test_a_clean_real_file_passes_with_the_schema():
    path = shared_path("data", "iati", "real", "3fi-DK-CVR-31378028_sdg-sector.xml")
    schema = shared_path("data", "iati", "schema")
    out = check(str(path), "--schema", str(schema), "--today", "2026-11-30")
    assert "1 activities (0 not readable), 0 critical, 0 errors" in out


def test_rule_failures_are_listed_by_activity_and_fail_the_command():
    path = shared_path("data", "iati", "invalid", "jsvalidator-iati-act-dateOrder-error.xml")
    out = StringIO()
    with pytest.raises(CommandError, match="errors"):
        call_command("iati", "check", str(path), "--today", "2026-11-30", stdout=out)
    listed = out.getvalue()
    for rule in ("11.1.2", "11.1.4", "11.2.1"):
        assert f" {rule} error" in listed


def test_a_file_that_is_not_iati_is_refused_with_its_reason():
    path = shared_path("data", "iati", "invalid", "jsvalidator-xml-but-not-iati.xml")
    with pytest.raises(CommandError, match="refused"):
        check(str(path))


def test_bad_arguments_are_named(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        check("/nonexistent/file.xml")
    path = shared_path("data", "iati", "real", "3fi-DK-CVR-31378028_sdg-sector.xml")
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        check(str(path), "--today", "yesterday")
    with pytest.raises(CommandError, match=r"iati-activities-schema\.xsd"):
        check(str(path), "--schema", str(tmp_path))


# ``orbit iati import``


def _run_import(*args: str) -> tuple[str, int]:
    out = StringIO()
    try:
        call_command("iati", "import", *args, stdout=out)
    except CommandError as exc:
        return out.getvalue() + str(exc), exc.returncode
    return out.getvalue(), 0


def test_import_prints_the_report_and_exits_0(tree, settings):
    settings.ORBIT_IATI_SCHEMA_DIR = shared_path("data", "iati", "schema")
    path = shared_path("data", "iati", "real", "3fi-DK-CVR-31378028_sdg-sector.xml")
    out, status = _run_import(str(path), "--unit", tree.bdt.code, "--reason", "partner data")
    assert status == 0, out
    assert re.search(r"^activities\s+1\s+0\s+0\s+0$", out, re.MULTILINE)  # created, updated, unchanged, refused
    assert "1 activities read" in out and "activities/s" in out
    again, status = _run_import(str(path), "--unit", tree.bdt.code, "--dry-run")
    assert status == 0
    assert re.search(r"^activities\s+0\s+0\s+1\s+0$", again, re.MULTILINE)
    assert "dry run, nothing written" in again


def test_import_exits_1_naming_the_refused_activity_rule_and_line(tree, settings):
    settings.ORBIT_IATI_SCHEMA_DIR = shared_path("data", "iati", "schema")
    path = shared_path("data", "iati", "invalid", "jsvalidator-iati-dup-activity-ids.xml")
    out, status = _run_import(str(path), "--unit", tree.bdt.code)
    assert status == 1
    refused = [line for line in out.splitlines() if " 1.1.2 error: " in line]
    assert len(refused) == 1 and refused[0].startswith("AA-AAA-123456789-ABC123: ") and "(line 56)" in refused[0]
    assert "not imported" in refused[0]
    assert "partly applied" in out
    broken = shared_path("data", "iati", "invalid", "jsvalidator-not-xml.xml")
    out, status = _run_import(str(broken), "--unit", tree.bdt.code)
    assert status == 1 and "not XML" in out


def test_import_of_parts_orbit_does_not_import_reports_them_and_exits_0(tree, settings):
    settings.ORBIT_IATI_SCHEMA_DIR = shared_path("data", "iati", "schema")
    path = shared_path("data", "iati", "invalid", "real-usaid-3-activities_one-with-validator-errors.xml")
    out, status = _run_import(str(path), "--unit", tree.bdt.code)
    assert status == 0, out
    reported = [line for line in out.splitlines() if " 9.90.1 error: " in line]
    assert reported
    assert all(line.startswith("US-GOV-1-") and "Orbit does not import this part" in line for line in reported)
    assert re.search(r"^activities\s+3\s+0\s+0\s+0$", out, re.MULTILINE)


def test_import_exits_2_on_bad_arguments(tree, tmp_path):
    path = shared_path("data", "iati", "real", "3fi-DK-CVR-31378028_sdg-sector.xml")
    for args, words in (
        (("/nonexistent.xml", "--unit", tree.bdt.code), "no such file"),
        ((str(path), "--unit", "NOPE"), "--unit 'NOPE'"),
        ((str(path), "--unit", tree.bdt.code, "--framework", "NOPE"), "--framework 'NOPE'"),
        ((str(path), "--unit", tree.bdt.code, "--user", "nobody"), "nobody"),
    ):
        out, status = _run_import(*args)
        assert (status, words in out) == (2, True), out
