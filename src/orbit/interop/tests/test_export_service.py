"""IATI exports as records: requested, written by the background job, checked, and kept with their file."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import pytest
from conftest import shared_path
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from lxml import etree

from orbit.core.context import audit_context
from orbit.core.errors import NotFound, PermissionDenied
from orbit.governance.models import AuditEvent
from orbit.interop import selectors, services
from orbit.interop.models import IatiExport
from orbit.interop.tests.test_iati_export import PREFIX, TODAY, plan  # noqa: F401 - the plan fixture
from orbit.organisation.tests.factories import grant, make_user
from orbit.planning import services as planning
from orbit.results.tests.factories import make_framework

pytestmark = pytest.mark.django_db


def _request(actor: Any, **kwargs: Any) -> IatiExport:
    kwargs.setdefault("prefix", PREFIX)
    kwargs.setdefault("reporting_org_ref", PREFIX)
    with audit_context(source="web", reason="test"):
        return services.iati_export_request(actor=actor, **kwargs)


def test_an_export_is_written_checked_and_kept(plan):  # noqa: F811
    schema = shared_path("data", "iati", "schema")
    with override_settings(ORBIT_IATI_SCHEMA_DIR=schema):
        export = _request(plan.actor)
    assert export.status == IatiExport.Status.DONE, export.message
    assert (export.activities, export.valid, export.schema_checked) == (1, True, True)
    assert export.problems == []
    with default_storage.open(export.file, "rb") as handle:
        body = handle.read()
    assert len(body) == export.size
    root = etree.fromstring(body)
    assert root.findtext("iati-activity/iati-identifier") == f"{PREFIX}-DS-1"
    assert root.find("iati-activity/reporting-org").get("ref") == PREFIX
    assert AuditEvent.objects.filter(object_type="interop.iatiexport", object_id=str(export.pk)).count() >= 2


def test_an_invalid_export_names_the_activity_and_rule(plan):  # noqa: F811
    with audit_context(source="cli", reason="test data"):  # an actual start in the future breaks rule 11.1.4
        planning.activity_update(
            actor=plan.actor,
            activity=plan.activity,
            expected_version=plan.activity.version,
            actual_start=TODAY + dt.timedelta(days=400),
            planned_end=TODAY + dt.timedelta(days=800),
        )
    export = _request(plan.actor)
    assert export.status == IatiExport.Status.DONE
    assert export.valid is False
    assert export.schema_checked is False  # no schema folder configured in the test settings
    failing = [p for p in export.problems if p["severity"] in ("critical", "error")]
    assert {(p["activity"], p["rule"]) for p in failing} >= {("DS-1", "11.1.4")}
    assert failing[0]["identifier"] == f"{PREFIX}-DS-1"


def test_the_configured_publisher_is_the_default(plan):  # noqa: F811
    with override_settings(
        ORBIT_IATI_PUBLISHER_PREFIX="XM-CONF", ORBIT_IATI_REPORTING_ORG_REF="XM-CONF", ORBIT_IATI_REPORTING_ORG_NAME=""
    ):
        export = _request(plan.actor, prefix="", reporting_org_ref="")
    assert (export.prefix, export.reporting_org_ref, export.reporting_org_name) == ("XM-CONF", "XM-CONF", "Orbit")


def test_bad_parameters_are_named(plan):  # noqa: F811
    with pytest.raises(ValidationError) as caught:
        _request(plan.actor, prefix="has space", reporting_org_ref="", reporting_org_type="999")
    assert set(caught.value.message_dict) == {"prefix", "reporting_org_ref", "reporting_org_type"}
    assert not IatiExport.objects.exists()


def test_a_user_without_a_role_cannot_export(plan):  # noqa: F811
    with pytest.raises(PermissionDenied):
        _request(make_user("nobody"))


def test_a_framework_out_of_sight_is_not_found(plan):  # noqa: F811
    outsider = make_user("outsider")
    grant(outsider, plan.tree.dept_b, "viewer")
    hidden = make_framework(plan.tree.dept_a, "HID")
    with pytest.raises(NotFound):
        _request(outsider, framework=hidden)


def test_exports_are_seen_by_their_requester_only(plan):  # noqa: F811
    export = _request(plan.actor)
    other = make_user("other")
    grant(other, plan.tree.bdt, "manager")
    assert list(selectors.iati_export_restrict(plan.actor)) == [export]
    assert list(selectors.iati_export_restrict(other)) == []
    with pytest.raises(NotFound):
        selectors.iati_export_get(user=other, pk=export.pk)


def test_a_failure_is_recorded_not_lost(plan, monkeypatch):  # noqa: F811
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise OSError("disk full")

    monkeypatch.setattr(services.iati_export, "export_activities", broken)
    export = _request(plan.actor)
    assert export.status == IatiExport.Status.FAILED
    assert "disk full" in export.message
    assert not export.file


def test_an_export_runs_once(plan):  # noqa: F811
    export = _request(plan.actor)
    with pytest.raises(ValidationError), audit_context(source="job", reason="again"):
        services.iati_export_run(actor=plan.actor, export=export)


def test_the_command_takes_the_configured_publisher(plan, tmp_path):  # noqa: F811
    path = tmp_path / "plan.xml"
    with pytest.raises(CommandError, match="--prefix is required"):
        call_command("iati", "export", "-o", str(path), stdout=StringIO())
    with override_settings(ORBIT_IATI_PUBLISHER_PREFIX="XM-CONF", ORBIT_IATI_REPORTING_ORG_REF="XM-CONF"):
        call_command("iati", "export", "-o", str(path), "--today", TODAY.isoformat(), stdout=StringIO())
    root = etree.parse(str(path)).getroot()
    assert root.findtext("iati-activity/iati-identifier") == "XM-CONF-DS-1"
    assert root.find("iati-activity/reporting-org").get("ref") == "XM-CONF"


def test_publisher_settings_are_checked_at_start_up(monkeypatch):
    from orbit import config

    monkeypatch.setenv("ORBIT_IATI_PUBLISHER_PREFIX", "XM-DAC-41120")
    monkeypatch.setenv("ORBIT_IATI_REPORTING_ORG_REF", "XM-DAC-41120")
    monkeypatch.setenv("ORBIT_IATI_REPORTING_ORG_NAME", " ITU ")
    monkeypatch.delenv("ORBIT_IATI_REPORTING_ORG_TYPE", raising=False)
    assert config.iati_publisher() == ("XM-DAC-41120", "XM-DAC-41120", "ITU", "40")
    monkeypatch.setenv("ORBIT_IATI_PUBLISHER_PREFIX", "XM DAC")
    with pytest.raises(config.ConfigError, match="ORBIT_IATI_PUBLISHER_PREFIX"):
        config.iati_publisher()
    monkeypatch.setenv("ORBIT_IATI_PUBLISHER_PREFIX", "XM-DAC-41120")
    monkeypatch.setenv("ORBIT_IATI_REPORTING_ORG_TYPE", "multilateral")
    with pytest.raises(config.ConfigError, match="ORBIT_IATI_REPORTING_ORG_TYPE"):
        config.iati_publisher()
