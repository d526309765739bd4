"""``orbit iati check``: schema, codelists and rules over real and broken files, with the exit status."""

from __future__ import annotations

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
