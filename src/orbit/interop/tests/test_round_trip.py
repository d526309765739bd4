"""Export → import → export: the plan written as IATI, read back into Orbit, and written again is the same file.

The plan is the one the export tests build (an Objective → Outcome → Output framework, an indicator with a
baseline, a target and approved values, an activity with countries, a partner, an SDG target, budgets in two
currencies and a Chinese title). It is imported into a new framework of the same database (the framework Orbit
makes for the reporting organisation), and that framework's activities are exported again with the same prefix.
"""

from __future__ import annotations

import io
from types import SimpleNamespace
from typing import Any

from conftest import shared_path
from lxml import etree

from orbit.core.context import audit_context
from orbit.governance.models import AuditEvent
from orbit.interop import iati, iati_export, services
from orbit.interop.models import IatiLink, ImportRun
from orbit.interop.tests import test_iati_export
from orbit.interop.tests.test_iati_export import PREFIX, TODAY
from orbit.planning.models import Activity
from orbit.results.models import ActualValue, Framework

export_plan = test_iati_export.plan
"""The export tests' plan, as a fixture of this module."""

VOLATILE = {"generated-datetime", "last-updated-datetime"}
"""Attributes that say when a file or activity was written, not what it holds: the second export is later."""


def _export(plan: SimpleNamespace, framework: Framework | None = None) -> bytes:
    stream = io.BytesIO()
    report = iati_export.export_activities(
        stream,
        user=plan.actor,
        framework=framework,
        prefix=PREFIX,
        reporting_org_ref=PREFIX,
        reporting_org_name="Orbit test publisher",
        today=TODAY,
        schema=iati.load_schema(shared_path("data", "iati", "schema")),
    )
    assert report.valid, [str(p) for _, p in report.all_problems()]
    return stream.getvalue()


def _import(plan: SimpleNamespace, data: bytes, **kwargs: Any) -> ImportRun:
    with audit_context(source="cli", reason="round trip"):
        return services.iati_import(
            actor=plan.actor, stream=io.BytesIO(data), name="plan.xml", unit=plan.tree.dept_a, **kwargs
        )


def canonical(element: Any) -> tuple[Any, ...]:
    """An element as a comparable value: attributes and children sorted, white space around text dropped."""
    attributes = tuple(sorted((k, v) for k, v in element.attrib.items() if k not in VOLATILE))
    children = tuple(sorted((canonical(child) for child in element), key=repr))
    return (element.tag, attributes, (element.text or "").strip(), children)


def test_export_import_export_gives_the_same_file(export_plan, settings):
    plan = export_plan
    settings.ORBIT_IATI_SCHEMA_DIR = shared_path("data", "iati", "schema")
    first = _export(plan)
    run = _import(plan, first)
    assert run.status == ImportRun.Status.APPLIED, (run.message, run.problems)
    assert [p for p in run.problems if p["severity"] != "warning"] == []
    framework = Framework.objects.get(pk__in=run.frameworks.values("pk"))
    assert framework.code == f"IATI-{PREFIX}"
    imported = Activity.objects.exclude(pk=plan.activity.pk).get()
    assert imported.code == "DS-1-2"  # DS-1 is taken by the activity that was exported
    second = _export(plan, framework=framework)
    before, after = etree.fromstring(first), etree.fromstring(second)
    assert canonical(before) == canonical(after)
    # The identifier is the one the file gave, not the prefix and the new code.
    assert [e.text for e in after.iter("iati-identifier")] == [f"{PREFIX}-DS-1"]


def test_imported_values_are_approved_and_counted(export_plan, settings):
    plan = export_plan
    settings.ORBIT_IATI_SCHEMA_DIR = None
    run = _import(plan, _export(plan))
    framework = run.frameworks.get()
    values = ActualValue.objects.filter(indicator__node__framework=framework)
    assert [(v.value, v.status, v.unit_id) for v in values] == [(55, "approved", plan.tree.dept_a.pk)]


def test_importing_the_export_again_changes_nothing(export_plan, settings):
    plan = export_plan
    settings.ORBIT_IATI_SCHEMA_DIR = None
    data = _export(plan)
    _import(plan, data)
    events, links = AuditEvent.objects.count(), IatiLink.objects.count()
    again = _import(plan, data)
    assert again.status == ImportRun.Status.APPLIED
    assert again.counts["activities"] == {"created": 0, "updated": 0, "unchanged": 1, "refused": 0, "left_out": 0}
    assert (AuditEvent.objects.count(), IatiLink.objects.count()) == (events, links)


def test_the_export_imported_back_into_its_own_framework_is_recognised(export_plan, settings):
    plan = export_plan
    settings.ORBIT_IATI_SCHEMA_DIR = None
    events = AuditEvent.objects.count()
    run = _import(plan, _export(plan), framework=plan.framework)
    assert run.status == ImportRun.Status.APPLIED, run.message
    assert {kind: counts["unchanged"] for kind, counts in run.counts.items()} == {
        "activities": 1, "results": 1, "indicators": 1, "periods": 1,
    }  # fmt: skip
    assert [p["rule"] for p in run.problems] == ["orbit.own"]
    assert "DS-1" in run.problems[0]["message"]
    assert (Activity.objects.count(), AuditEvent.objects.count()) == (1, events)
