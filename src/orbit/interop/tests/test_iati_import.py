"""IATI import: how one activity lands in Orbit, re-imports, dry runs, refusals, rights and the number of queries."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from lxml import etree

from orbit.core.context import audit_context
from orbit.core.errors import NotFound, PermissionDenied
from orbit.governance.models import AuditEvent
from orbit.interop import selectors, services
from orbit.interop.models import IatiLink, ImportRun
from orbit.organisation.services import system_actor
from orbit.organisation.tests.factories import grant, make_user
from orbit.planning.models import Activity, BudgetLine
from orbit.results.models import ActualValue, Dimension, Framework, Indicator, ResultNode, Target
from orbit.results.tests.factories import make_framework, make_node

ACTIVITY = """
 <iati-activity xml:lang="en" last-updated-datetime="2025-06-01T00:00:00" default-currency="USD">
  <iati-identifier>XM-TEST-{code}</iati-identifier>
  <reporting-org ref="XM-TEST" type="40"><narrative>Test publisher</narrative></reporting-org>
  <title>
   <narrative>Schools online {code}</narrative>
   <narrative xml:lang="FR">Écoles connectées {code}</narrative>
   <narrative xml:lang="zh">学校上网 {code}</narrative>
   <narrative xml:lang="sw">Shule mtandaoni</narrative>
  </title>
  <description type="1"><narrative>Connects schools.</narrative></description>
  <participating-org ref="XM-TEST" role="4" type="40"><narrative>Test publisher</narrative></participating-org>
  <participating-org role="2"><narrative>UNICEF</narrative></participating-org>
  <activity-status code="{status}"/>
  <activity-date type="1" iso-date="2025-01-01"/>
  <activity-date type="2" iso-date="2025-02-01"/>
  <activity-date type="3" iso-date="2026-12-31"/>
  <recipient-country code="KE" percentage="60"/>
  <recipient-country code="UG" percentage="40"/>
  <sector vocabulary="8" code="4.4"/>
  <tag vocabulary="3" code="4.4"><narrative>Skills</narrative></tag>
  <budget type="1" status="1">
   <period-start iso-date="2025-01-01"/><period-end iso-date="2025-06-30"/>
   <value currency="USD" value-date="2025-01-01">1000</value>
  </budget>
  <budget type="1" status="1">
   <period-start iso-date="2025-07-01"/><period-end iso-date="2025-12-31"/>
   <value currency="USD" value-date="2025-07-01">500.5</value>
  </budget>
  <result type="2" aggregation-status="1">
   <title><narrative>Schools use the internet</narrative></title>
   <indicator measure="2" ascending="0">
    <title><narrative>Share of schools offline</narrative></title>
    <reference vocabulary="99" code="SCH-1" indicator-uri="https://example.org/sch-1"/>
    <baseline year="2024" iso-date="2024-12-31" value="70"><comment><narrative>Census</narrative></comment></baseline>
    <period>
     <period-start iso-date="2025-01-01"/><period-end iso-date="2025-12-31"/>
     <target value="50"/>
     <target value="45"><dimension name="sex" value="female"/></target>
     <actual value="{actual}"><comment><narrative>Survey</narrative></comment></actual>
    </period>
   </indicator>
  </result>
 </iati-activity>"""


def activity_xml(code: str = "A1", *, status: str = "2", actual: str = "60") -> str:
    return ACTIVITY.format(code=code, status=status, actual=actual)


def iati_file(*activities: str, tail: str = "") -> bytes:
    body = "".join(activities)
    return f'<?xml version="1.0"?>\n<iati-activities version="2.03">{body}{tail}\n</iati-activities>\n'.encode()


def run_import(unit: Any, data: bytes, *, actor: Any = None, **kwargs: Any) -> ImportRun:
    kwargs.setdefault("today", dt.date(2026, 11, 30))
    with audit_context(source="cli", reason="test"):
        return services.iati_import(
            actor=actor or system_actor(), stream=io.BytesIO(data), name="test.xml", unit=unit, **kwargs
        )


@pytest.fixture
def sdg(tree: Any) -> ResultNode:
    framework = make_framework(tree.root, "SDG", tiers=2, kind=Framework.Kind.GLOBAL_GOALS)
    goal = make_node(framework, "Quality education", ref_code="4")
    return make_node(framework, "Skills for employment", parent=goal, ref_code="4.4")


def test_one_activity_lands_in_orbits_model(tree, sdg, settings):
    settings.ORBIT_IATI_SCHEMA_DIR = None
    run = run_import(tree.dept_a, iati_file(activity_xml()))
    assert run.status == ImportRun.Status.APPLIED, (run.message, run.problems)
    assert {k: v["created"] for k, v in run.counts.items()} == {
        "activities": 1, "results": 1, "indicators": 1, "periods": 1,
    }  # fmt: skip
    activity = Activity.objects.get()
    assert activity.code == "A1"  # the identifier without the publisher's prefix
    assert activity.title == {"en": "Schools online A1", "fr": "Écoles connectées A1", "zh-hans": "学校上网 A1"}
    assert activity.responsible_unit == tree.dept_a
    assert (activity.status, activity.planned_start, activity.actual_start, activity.planned_end) == (
        "ongoing", dt.date(2025, 1, 1), dt.date(2025, 2, 1), dt.date(2026, 12, 31),
    )  # fmt: skip
    assert activity.countries == ["KE", "UG"]
    assert activity.partners == ["UNICEF"]  # the reporting organisation is not its own partner
    assert list(activity.sdg_targets.all()) == [sdg]
    languages = sorted(p["message"] for p in run.problems if p["rule"] == "orbit.language")
    assert len(languages) == 2
    assert "title in sw: not kept" in languages[1]  # Swahili is not an Orbit language: said
    assert "FR are written in upper case" in languages[0]  # read as fr
    budget = BudgetLine.objects.get()
    assert (budget.year, budget.currency, budget.planned, budget.source) == (2025, "USD", Decimal("1500.50"), "other")
    framework = run.frameworks.get()
    assert (framework.code, framework.owner_unit, framework.kind) == ("IATI-XM-TEST", tree.dept_a, "other")
    node = ResultNode.objects.get(framework=framework)
    assert list(activity.nodes.all()) == [node]
    assert IatiLink.objects.get(node=node).data["type"] == "2"
    indicator = Indicator.objects.get(node=node)
    assert (indicator.measure, indicator.direction, indicator.unit_aggregation) == ("percentage", "decrease", "ratio")
    assert (indicator.baseline_value, indicator.baseline_date, indicator.baseline_note) == (
        Decimal(70), dt.date(2024, 12, 31), "Census",
    )  # fmt: skip
    assert IatiLink.objects.get(indicator=indicator).data["references"] == [
        ["99", "SCH-1", "https://example.org/sch-1"]
    ]
    targets = sorted(Target.objects.filter(indicator=indicator), key=lambda t: t.category)
    assert [(t.period_type, t.unit_id, t.value, t.category) for t in targets] == [
        ("annual", None, Decimal(50), ""),
        ("annual", None, Decimal(45), "female"),
    ]
    assert targets[1].dimension == Dimension.objects.get(code="IATI-sex")
    assert indicator.dimension_codes == ["IATI-sex"]
    actual = ActualValue.objects.get(indicator=indicator)
    assert (actual.value, actual.numerator, actual.denominator) == (Decimal(60), Decimal(60), Decimal(100))
    assert (actual.status, actual.unit, actual.narrative) == ("approved", tree.dept_a, "Survey")


def test_reimport_changes_nothing_and_a_changed_file_only_what_changed(tree, sdg, settings):
    settings.ORBIT_IATI_SCHEMA_DIR = None
    data = iati_file(activity_xml("A1"), activity_xml("A2"))
    run_import(tree.dept_a, data)
    events = AuditEvent.objects.count()
    again = run_import(tree.dept_a, data)
    assert again.status == ImportRun.Status.APPLIED
    assert {k: v["unchanged"] for k, v in again.counts.items()} == {
        "activities": 2, "results": 2, "indicators": 2, "periods": 2,
    }  # fmt: skip
    assert AuditEvent.objects.count() == events  # nothing written, not even an audit event
    changed = run_import(tree.dept_a, iati_file(activity_xml("A1"), activity_xml("A2", actual="65")))
    assert changed.counts["periods"] == {"created": 0, "updated": 1, "unchanged": 1, "refused": 0, "left_out": 0}
    assert changed.counts["activities"]["updated"] == 0
    new_events = AuditEvent.objects.filter(seq__gt=0).order_by("-seq")[: AuditEvent.objects.count() - events]
    assert [(e.object_type, e.action) for e in new_events] == [("results.actualvalue", "update")]
    assert ActualValue.objects.get(indicator__node__activities__code="A2").value == Decimal(65)


def test_a_dry_run_reports_the_same_and_writes_nothing(tree, sdg, settings):
    settings.ORBIT_IATI_SCHEMA_DIR = None
    data = iati_file(activity_xml("A1"), activity_xml("A2"))
    events = AuditEvent.objects.count()
    dry = run_import(tree.dept_a, data, dry_run=True)
    assert dry.status == ImportRun.Status.DRY_RUN and dry.dry_run
    assert (Activity.objects.count(), IatiLink.objects.count(), AuditEvent.objects.count()) == (0, 0, events)
    real = run_import(tree.dept_a, data)
    assert real.counts == dry.counts
    assert real.problems == dry.problems


def test_a_file_broken_at_the_end_leaves_nothing(tree, settings):
    settings.ORBIT_IATI_SCHEMA_DIR = None
    data = iati_file(*(activity_xml(f"A{n}") for n in range(3)), tail="<iati-activity></broken>")
    run = run_import(tree.dept_a, data, chunk_size=1)  # the first activities were already written
    assert run.status == ImportRun.Status.REFUSED
    assert "test.xml" in run.message and "line" in run.message
    assert Activity.objects.count() == 0 and Framework.objects.count() == 0
    assert all(c["created"] == 0 for c in run.counts.values())
    assert len(run.sha256) == 64 and run.size == len(data)


def test_a_bad_activity_is_refused_and_the_good_ones_imported(tree, settings):
    settings.ORBIT_IATI_SCHEMA_DIR = None
    bad = activity_xml("BAD").replace("<narrative>Schools online BAD</narrative>", "<narrative> </narrative>")
    bad = re.sub(r"<narrative xml:lang=\"(FR|zh|sw)\">[^<]*</narrative>", "", bad, count=3)
    run = run_import(tree.dept_a, iati_file(activity_xml("A1"), bad))
    assert run.status == ImportRun.Status.PARTIAL
    assert run.counts["activities"] == {"created": 1, "updated": 0, "unchanged": 0, "refused": 1, "left_out": 0}
    assert run.counts["periods"]["refused"] == 1  # with its activity
    refused = [p for p in run.problems if p["outcome"] == "refused"]
    assert {(p["identifier"], p["rule"], p["severity"]) for p in refused} == {("XM-TEST-BAD", "4.3.1", "error")}
    assert all(p["line"] for p in refused)
    assert list(Activity.objects.values_list("code", flat=True)) == ["A1"]


def test_a_bad_part_is_left_out_and_its_activity_imported(tree, sdg, settings):
    settings.ORBIT_IATI_SCHEMA_DIR = None
    bad = (
        activity_xml("BAD")
        .replace('type="3" iso-date="2026-12-31"', 'type="3" iso-date="2024-12-31"')  # 11.1.2: before the start
        .replace('<period-end iso-date="2025-06-30"/>', '<period-end iso-date="2027-06-30"/>')  # 7.5.3
        .replace('<target value="50"/>', '<target value="fifty"/>')  # 8.9.2
        .replace('<reference vocabulary="99"', '<reference vocabulary="77"')  # 9.74.1
        .replace('<recipient-country code="UG"', '<recipient-country code="U1"')  # 9.50.1
        .replace('<recipient-country code="KE" percentage="60"/>', '<recipient-country code="KE" percentage="70"/>')
    )
    run = run_import(tree.dept_a, iati_file(activity_xml("A1"), bad))
    assert run.status == ImportRun.Status.PARTIAL
    assert run.counts["activities"] == {"created": 2, "updated": 0, "unchanged": 0, "refused": 0, "left_out": 3}
    assert run.counts["indicators"]["left_out"] == 1 and run.counts["periods"]["left_out"] == 1
    outcomes = {p["rule"]: p["outcome"] for p in run.problems if p["identifier"] == "XM-TEST-BAD"}
    assert outcomes == {
        "11.1.2": "left out", "7.5.3": "left out", "8.9.2": "left out", "9.74.1": "left out",
        "9.50.1": "left out", "3.1.2": "imported as is", "orbit.language": "left out",
    }  # fmt: skip
    for problem in run.problems:
        if problem["rule"][0].isdigit():
            assert "Orbit: " in problem["message"]
    activity = Activity.objects.get(code="BAD")
    assert (activity.planned_start, activity.planned_end) == (dt.date(2025, 1, 1), None)
    assert activity.countries == ["KE"]
    assert [(b.year, b.planned) for b in BudgetLine.objects.filter(activity=activity)] == [(2025, Decimal("500.50"))]
    indicator = Indicator.objects.get(node__activities=activity)
    assert IatiLink.objects.get(indicator=indicator).data["references"] == []
    assert list(Target.objects.filter(indicator=indicator).values_list("category", flat=True)) == ["female"]
    again = run_import(tree.dept_a, iati_file(activity_xml("A1"), bad))  # the same file again changes nothing
    assert {k: v["unchanged"] for k, v in again.counts.items()} == {
        "activities": 2, "results": 2, "indicators": 2, "periods": 2,
    }  # fmt: skip


def test_every_rule_orbit_checks_has_its_handling():
    from orbit.interop import codelists, iati_import, iati_rules

    for rule_id in iati_rules.implemented_rule_ids():
        handling = iati_import.handling_of(rule_id, "error")
        assert handling.note, rule_id
    for mapped in codelists.mapping():
        path = mapped.path.removeprefix("//iati-activity/").removeprefix("//")
        handling = iati_import.handling_of(mapped.rule, mapped.severity, None, path)
        assert handling.action in (iati_import.LEFT_OUT, iati_import.AS_IS), path
    assert iati_import.handling_of("0.3.1", "critical").action == iati_import.REFUSED
    transaction_value = etree.fromstring("<transaction><value>1</value></transaction>")[0]
    budget_value = etree.fromstring("<budget><value>1</value></budget>")[0]
    assert iati_import.handling_of("7.8.1", "error", transaction_value).action == iati_import.LEFT_OUT
    assert iati_import.handling_of("7.8.1", "error", budget_value).action == iati_import.LEFT_OUT
    assert iati_import.handling_of("99.9.9", "error").action == iati_import.REFUSED  # unknown errors refuse
    assert iati_import.handling_of("99.9.9", "warning").action == iati_import.AS_IS


def test_results_attach_to_a_chosen_framework_within_its_cycle(tree, settings):
    settings.ORBIT_IATI_SCHEMA_DIR = None
    framework = make_framework(tree.dept_a, "OP", cycle_start=dt.date(2026, 1, 1), cycle_end=dt.date(2027, 12, 31))
    run = run_import(tree.dept_a, iati_file(activity_xml()), framework=framework)
    assert list(run.frameworks.all()) == [framework]
    assert ResultNode.objects.filter(framework=framework, tier=0).count() == 1
    assert run.counts["periods"]["refused"] == 1  # 2025 lies before the framework's cycle
    assert [p["rule"] for p in run.problems if p["rule"] == "orbit.cycle"] == ["orbit.cycle"]
    assert Framework.objects.count() == 1  # no framework of the reporting organisation


def test_rights_are_checked_before_anything_is_read(tree, settings):
    settings.ORBIT_IATI_SCHEMA_DIR = None
    viewer, outsider = make_user(), make_user()
    grant(viewer, tree.dept_a, "viewer")
    with pytest.raises(PermissionDenied):
        run_import(tree.dept_a, iati_file(activity_xml()), actor=viewer)
    with pytest.raises(NotFound):
        run_import(tree.dept_a, iati_file(activity_xml()), actor=outsider)
    assert ImportRun.objects.count() == 0


def test_a_new_framework_needs_the_right_to_create_one(tree, settings):
    settings.ORBIT_IATI_SCHEMA_DIR = None
    contributor = make_user()
    grant(contributor, tree.dept_a, "contributor")
    run = run_import(tree.dept_a, iati_file(activity_xml()), actor=contributor)
    assert run.status == ImportRun.Status.REFUSED
    assert "approve" in run.message
    assert Activity.objects.count() == 0
    assert list(selectors.import_run_restrict(contributor)) == [run]
    outsider = make_user()
    assert list(selectors.import_run_restrict(outsider)) == []


def _queries(unit: Any, count: int, offset: int) -> tuple[int, ImportRun]:
    data = iati_file(*(activity_xml(f"Q{offset + n}") for n in range(count)))
    with CaptureQueriesContext(connection) as captured:
        run = run_import(unit, data)
    return len(captured.captured_queries), run


def test_queries_do_not_grow_with_the_activities(tree, sdg, settings):
    settings.ORBIT_IATI_SCHEMA_DIR = None
    run_import(tree.dept_a, iati_file(activity_xml("Q-SETUP")))  # the framework exists from now on
    few, run = _queries(tree.dept_a, 3, 0)
    assert run.counts["activities"]["created"] == 3
    more, run = _queries(tree.dept_a, 6, 100)
    assert run.counts["activities"]["created"] == 6
    assert more == few
    # 30 activities make 240 links: SQLite splits a bulk insert at its limit of parameters, so a few statements
    # more; writing each activity on its own would take at least 8 statements per activity.
    many, run = _queries(tree.dept_a, 30, 200)
    assert run.counts["activities"]["created"] == 30
    assert many - few <= 12
    unchanged_few, _ = _queries(tree.dept_a, 3, 0)
    unchanged_more, run = _queries(tree.dept_a, 6, 100)
    assert run.counts["activities"]["unchanged"] == 6
    assert unchanged_more == unchanged_few


def test_a_record_the_database_refuses_refuses_the_file(tree, settings, monkeypatch):
    from django.db import IntegrityError

    from orbit.interop import iati_import

    settings.ORBIT_IATI_SCHEMA_DIR = None
    original = iati_import.Importer.apply
    calls = []

    def second_chunk_fails(self: Any, chunk: Any) -> None:
        calls.append(chunk)
        if len(calls) == 2:
            raise IntegrityError("UNIQUE constraint failed")
        original(self, chunk)

    monkeypatch.setattr(iati_import.Importer, "apply", second_chunk_fails)
    run = run_import(tree.dept_a, iati_file(activity_xml("A1"), activity_xml("A2")), chunk_size=1)
    assert run.status == ImportRun.Status.REFUSED
    assert "XM-TEST-A2" in run.message and "UNIQUE constraint failed" in run.message
    assert Activity.objects.count() == 0  # the first chunk, already written, is rolled back too


def test_an_sdg_indicator_sector_links_its_target(tree, sdg, settings):
    settings.ORBIT_IATI_SCHEMA_DIR = None
    xml = (
        activity_xml()
        .replace('<sector vocabulary="8" code="4.4"/>', '<sector vocabulary="9" code="4.4.1"/>')
        .replace('<tag vocabulary="3" code="4.4"><narrative>Skills</narrative></tag>', "")
    )
    assert "4.4.1" in xml and 'vocabulary="3"' not in xml
    run = run_import(tree.dept_a, iati_file(xml))
    assert run.status == ImportRun.Status.APPLIED, run.problems
    assert list(Activity.objects.get().sdg_targets.all()) == [sdg]


def test_a_changed_budget_updates_its_line(tree, settings):
    settings.ORBIT_IATI_SCHEMA_DIR = None
    run_import(tree.dept_a, iati_file(activity_xml()))
    changed = run_import(tree.dept_a, iati_file(activity_xml().replace(">500.5<", ">600<")))
    assert changed.counts["activities"] == {"created": 0, "updated": 1, "unchanged": 0, "refused": 0, "left_out": 0}
    assert changed.counts["periods"]["unchanged"] == 1
    line = BudgetLine.objects.get()  # the same line, updated
    assert (line.planned, line.version) == (Decimal("1600.00"), 2)


TRANSACTIONS = """
  <transaction><transaction-type code="1"/><transaction-date iso-date="2025-01-10"/>
   <value value-date="2025-01-10">9999</value></transaction>
  <transaction><transaction-type code="2"/><transaction-date iso-date="2025-02-01"/>
   <value value-date="2025-02-01">1200</value></transaction>
  <transaction><transaction-type code="3"/><transaction-date iso-date="2025-03-01"/>
   <value currency="USD" value-date="2025-03-01">300.255</value></transaction>
  <transaction><transaction-type code="4"/><transaction-date iso-date="2025-09-01"/>
   <value value-date="2025-09-01">200</value></transaction>
  <transaction><transaction-type code="4"/><transaction-date iso-date="2026-02-01"/>
   <value currency="EUR" value-date="2026-02-01">50</value></transaction>
  <transaction><transaction-type code="4"/><transaction-date iso-date="2027-01-01"/>
   <value value-date="2026-06-01">70</value></transaction>
  <transaction><transaction-type code="2"/><transaction-date iso-date="2026-03-01"/>
   <value currency="CHF" value-date="2026-03-01">-40</value></transaction>"""


def test_commitments_and_spending_land_in_the_budget_lines(tree, settings):
    settings.ORBIT_IATI_SCHEMA_DIR = None
    data = iati_file(activity_xml().replace('\n  <result type="2"', TRANSACTIONS + '\n  <result type="2"', 1))
    run = run_import(tree.dept_a, data)
    assert run.status == ImportRun.Status.PARTIAL, (run.message, run.problems)  # parts were left out
    lines = {(b.year, b.currency): (b.planned, b.committed, b.spent) for b in BudgetLine.objects.all()}
    assert lines == {
        (2025, "USD"): (Decimal("1500.50"), Decimal("1200.00"), Decimal("500.26")),  # incoming funds (1) left aside
        (2026, "EUR"): (Decimal(0), Decimal(0), Decimal(50)),  # a year and currency without a budget
    }
    problems = {(p["rule"], p["outcome"]) for p in run.problems}
    assert ("11.2.1", "left out") in problems  # the transaction of 2027 is in the future
    assert ("orbit.transaction", "left out") in problems  # the negative CHF commitment
    assert run.counts["activities"]["left_out"] >= 1

    assert run_import(tree.dept_a, data).counts["activities"]["unchanged"] == 1  # the same file again
    without = iati_file(activity_xml())  # the file no longer reports transactions: Orbit's amounts stay
    assert run_import(tree.dept_a, without).counts["activities"]["unchanged"] == 1
    assert BudgetLine.objects.get(year=2025).committed == Decimal("1200.00")


def test_progress_counts_the_activities_read(tree, settings):
    settings.ORBIT_IATI_SCHEMA_DIR = None
    seen: list[int] = []
    run = run_import(tree.dept_a, iati_file(activity_xml("A1"), activity_xml("A2")), progress=seen.append)
    assert seen == [1, 2] and run.activities_read == 2


def test_every_imported_record_has_its_own_create_event_on_a_verified_chain(tree, sdg, settings):
    """The bulk writes record what a create one at a time would: the record's fields, label, parent and scope."""
    from orbit.governance.chain import verify_database
    from orbit.governance.services import snapshot

    settings.ORBIT_IATI_SCHEMA_DIR = None
    kinds = (Framework, Activity, ResultNode, Indicator, Target, ActualValue, BudgetLine, IatiLink, Dimension)
    before = {model: set(model.all_objects.values_list("pk", flat=True)) for model in kinds}
    last = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    run = run_import(tree.dept_a, iati_file(activity_xml("E1"), activity_xml("E2"), activity_xml("E3")))
    assert run.counts["activities"]["created"] == 3
    created = {(e.object_type, e.object_id): e for e in AuditEvent.objects.filter(seq__gt=last, action="create")}
    checked: dict[str, int] = {}
    for model in kinds:
        new = set(model.all_objects.values_list("pk", flat=True)) - before[model]
        for record in model.all_objects.filter(pk__in=new):
            event = created.pop((record._meta.label_lower, str(record.pk)))  # exactly one create event each
            parent = record.audit_parent()
            assert event.object_label == record.audit_label()[:200]
            assert event.scope_path == record.audit_scope_path()
            assert (event.parent_type, event.parent_id) == (
                (parent._meta.label_lower, str(parent.pk)) if parent is not None else ("", "")
            )
            wanted = {k: [None, v] for k, v in snapshot(record).items() if v not in (None, "", {}, [])}
            recorded = {k: v for k, v in event.changes.items() if k not in ("nodes", "sdg_targets")}
            assert recorded.keys() == wanted.keys()
            for name, (_, value) in wanted.items():  # a decimal read back may carry more trailing zeros
                assert _decimal_or_same(recorded[name][1]) == _decimal_or_same(value), name
            assert event.object_version == 1 and event.source == "cli"
            checked[model.__name__] = checked.get(model.__name__, 0) + 1
    assert created == {}  # no create event without its record
    assert checked["Activity"] == 3 and checked["Target"] >= 3 and checked["ActualValue"] >= 3, checked
    result = verify_database()
    assert result.ok, result


def _decimal_or_same(value: Any) -> Any:
    if isinstance(value, str) and re.fullmatch(r"-?\d+(\.\d+)?", value):
        return Decimal(value)
    return value
