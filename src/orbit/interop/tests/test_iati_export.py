"""IATI 2.03 export of the operational plan: schema-valid, rule-clean, faithful to the database, streaming."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from io import StringIO
from types import SimpleNamespace
from typing import Any

import pytest
from conftest import shared_path
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from lxml import etree

from orbit.core.context import audit_context
from orbit.interop import iati, iati_export
from orbit.organisation.services import system_actor as get_system_actor
from orbit.planning import services as planning
from orbit.planning.models import Activity
from orbit.planning.tests.factories import make_activity
from orbit.results import services as results
from orbit.results.models import Framework
from orbit.results.tests.factories import make_framework, make_indicator, make_node

TODAY = dt.date.today()  # last-updated-datetime is the real time of the test data
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
PREFIX = "XM-ORBIT"


def _approve(actual: Any) -> Any:
    with audit_context(source="cli", reason="test data"):
        for action in ("submit", "approve"):
            actual = results.actual_transition(
                actor=get_system_actor(), actual=actual, action=action, expected_version=actual.version, note="ok"
            )
    return actual


@pytest.fixture
def plan(tree: Any) -> SimpleNamespace:
    """A framework Objective → Outcome → Output with one indicator, an SDG target and one activity (test data)."""
    actor = get_system_actor()
    framework = make_framework(tree.bdt, "OP")
    objective = make_node(framework, "Connect everyone")
    outcome = make_node(framework, "People use the internet", parent=objective)
    output = make_node(framework, "Digital skills courses", parent=outcome)
    indicator = make_indicator(
        output,
        "I1",
        title={"en": "People trained", "fr": "Personnes formées"},
        baseline_value=Decimal("10"),
        baseline_date=dt.date(2024, 1, 1),
    )
    sdg = make_framework(tree.bdt, "SDG", tiers=2, kind=Framework.Kind.GLOBAL_GOALS)
    goal = make_node(sdg, "Quality education", ref_code="4")
    sdg_target = make_node(sdg, "Skills for employment", parent=goal, ref_code="4.4")
    with audit_context(source="cli", reason="test data"):
        results.target_create(
            actor=actor,
            indicator=indicator,
            period_type="annual",
            period_start=dt.date(2025, 1, 1),
            period_end=dt.date(2025, 12, 31),
            value=Decimal("100"),
        )
        counted = [
            results.actual_create(
                actor=actor,
                indicator=indicator,
                unit=unit,
                period_type="quarter",
                period_start=start,
                period_end=end,
                value=value,
            )
            for unit, start, end, value in (
                (tree.dept_a, dt.date(2025, 1, 1), dt.date(2025, 3, 31), Decimal("30")),
                (tree.dept_b, dt.date(2025, 4, 1), dt.date(2025, 6, 30), Decimal("25")),
            )
        ]
        results.actual_create(  # a draft: not counted
            actor=actor,
            indicator=indicator,
            unit=tree.dept_a,
            period_type="quarter",
            period_start=dt.date(2025, 7, 1),
            period_end=dt.date(2025, 9, 30),
            value=Decimal("1000"),
        )
    for actual in counted:
        _approve(actual)
    activity = make_activity(
        tree.dept_a,
        "Digital skills for youth",
        code="DS-1",
        countries=["KE", "UG", "TZ"],
        partners=["UNESCO"],
        status="ongoing",
        actual_start=dt.date(2025, 2, 1),
        nodes=[output],
        sdg_targets=[sdg_target],
    )
    with audit_context(source="cli", reason="test data"):
        activity = planning.activity_update(
            actor=actor,
            activity=activity,
            expected_version=activity.version,
            title={"en": "Digital skills for youth", "zh-hans": "青年数字技能"},
        )
        for year, source, currency, planned, committed, spent in (
            (2025, "regular", "CHF", "1000", "800", "700.25"),
            (2025, "extra_budgetary", "CHF", "500", "500", "100"),
            (2025, "ict_df", "USD", "300", "300", "300"),
            (2026, "regular", "CHF", "200", "150", "0"),
        ):
            planning.budget_line_create(
                actor=actor, activity=activity, source=source, year=year, currency=currency, planned=Decimal(planned),
                committed=Decimal(committed), spent=Decimal(spent),
            )  # fmt: skip
    return SimpleNamespace(
        tree=tree, framework=framework, output=output, indicator=indicator, activity=activity, actor=actor
    )


def _export(plan: SimpleNamespace, **kwargs: Any) -> tuple[bytes, iati_export.ExportReport]:
    stream = io.BytesIO()
    kwargs.setdefault("schema", iati.load_schema(shared_path("data", "iati", "schema")))
    report = iati_export.export_activities(
        stream,
        user=plan.actor,
        prefix=PREFIX,
        reporting_org_ref=PREFIX,
        reporting_org_name="Orbit test publisher",
        today=TODAY,
        **kwargs,
    )
    return stream.getvalue(), report


def test_the_export_is_schema_valid_and_breaks_no_rule(plan):
    data, report = _export(plan)
    assert report.activities == 1
    assert report.valid, [str(p) for _, p in report.all_problems()]
    assert report.problems == {}
    schema = iati.load_schema(shared_path("data", "iati", "schema"))
    document = etree.fromstring(data)
    assert document.get("version") == "2.03"
    assert schema.validate(document), schema.error_log
    identifiers = [e.text for e in document.iter("iati-identifier")]
    assert identifiers == [f"{PREFIX}-DS-1"]


def test_titles_statuses_countries_tags_and_budgets(plan):
    data, _ = _export(plan)
    activity = etree.fromstring(data).find("iati-activity")
    assert activity.get(XML_LANG) == "en"
    narratives = {n.get(XML_LANG): n.text for n in activity.find("title").iter("narrative")}
    assert narratives == {None: "Digital skills for youth", "zh": "青年数字技能"}
    assert activity.find("activity-status").get("code") == "2"
    dates = {d.get("type"): d.get("iso-date") for d in activity.iter("activity-date")}
    assert dates == {"1": "2025-01-01", "2": "2025-02-01", "3": "2025-12-31"}
    shares = [Decimal(c.get("percentage")) for c in activity.iter("recipient-country")]
    assert [c.get("code") for c in activity.iter("recipient-country")] == ["KE", "UG", "TZ"]
    assert sum(shares) == 100
    assert [(t.get("vocabulary"), t.get("code")) for t in activity.iter("tag")] == [("3", "4.4")]
    roles = [(p.get("role"), p.get("ref")) for p in activity.iter("participating-org")]
    assert roles == [("4", PREFIX), ("2", None)]
    budgets = [
        (b.find("period-start").get("iso-date"), b.find("value").get("currency"), b.find("value").text)
        for b in activity.iter("budget")
    ]
    assert budgets == [("2025-01-01", "CHF", "1500"), ("2025-01-01", "USD", "300"), ("2026-01-01", "CHF", "200")]


def test_committed_and_spent_money_are_written_as_dated_transactions(plan):
    this_year = TODAY.year
    with audit_context(source="cli", reason="test data"):
        for year, source, currency, committed, spent in (
            (this_year - 1, "regular", "EUR", "700", "650.5"),
            (this_year - 1, "in_kind", "EUR", "100", "0"),
            (this_year, "regular", "EUR", "40", "25"),
            (this_year + 1, "regular", "EUR", "90", "0"),
        ):
            planning.budget_line_create(
                actor=plan.actor, activity=plan.activity, source=source, year=year, currency=currency,
                planned=Decimal(1000), committed=Decimal(committed), spent=Decimal(spent),
            )  # fmt: skip
    data, report = _export(plan)
    assert report.valid, [str(p) for _, p in report.all_problems()]  # schema, 11.2.1 and 11.2.2 included
    activity = etree.fromstring(data).find("iati-activity")
    transactions = [
        (t.find("transaction-type").get("code"), t.find("transaction-date").get("iso-date"),
         t.find("value").get("currency"), t.find("value").get("value-date"), t.find("value").text)
        for t in activity.iter("transaction")
        if t.find("value").get("currency") == "EUR"  # the plan's own lines are in CHF and USD
    ]  # fmt: skip
    last_year_end = dt.date(this_year - 1, 12, 31).isoformat()
    today = TODAY.isoformat()
    assert transactions == [
        ("2", last_year_end, "EUR", last_year_end, "800"),  # the year's two lines added up
        ("4", last_year_end, "EUR", last_year_end, "650.5"),
        ("2", today, "EUR", today, "40"),  # the year runs: dated today, never in the future
        ("4", today, "EUR", today, "25"),
        ("2", today, "EUR", today, "90"),  # a commitment for next year, made by today; no zero expenditure
    ]
    children = [child.tag for child in activity]
    assert children.index("transaction") > max(i for i, tag in enumerate(children) if tag == "budget")
    assert children.index("result") > max(i for i, tag in enumerate(children) if tag == "transaction")


def test_published_evidence_is_linked_only_when_this_orbit_publishes(plan, settings, tmp_path):
    from orbit.planning.tests.factories import make_update, move_update, png_upload

    settings.MEDIA_ROOT = str(tmp_path / "media")
    update = make_update(activity=plan.activity, text="Training delivered", date=dt.date(2025, 5, 6))
    with audit_context(source="cli", reason="test data"):
        shown = planning.evidence_add(
            actor=plan.actor, update=update, upload=png_upload("class.png"),
            caption={"en": "The class in Nairobi", "fr": "La classe à Nairobi"}, taken_on=dt.date(2025, 5, 2),
        )  # fmt: skip
        planning.evidence_add(
            actor=plan.actor, update=update, upload=png_upload("faces.png"), identifiable_people=True
        )  # nobody's consent: never published
    move_update(update, "submit", "approve")

    data, _ = _export(plan)
    assert etree.fromstring(data).find("iati-activity/document-link") is None  # ORBIT_PUBLIC_URL unset

    settings.ORBIT_PUBLIC_URL = "https://orbit.example.org"
    data, report = _export(plan)
    assert report.valid, [str(p) for _, p in report.all_problems()]  # schema and FileFormat codelist
    links = etree.fromstring(data).findall("iati-activity/document-link")
    assert len(links) == 1
    link = links[0]
    assert link.get("format") == "image/jpeg"
    assert link.get("url").startswith(f"https://orbit.example.org/public/evidence/{shown.pk}/")
    titles = {n.get(XML_LANG): n.text for n in link.find("title").iter("narrative")}
    assert titles == {None: "The class in Nairobi", "fr": "La classe à Nairobi"}
    assert link.find("category").get("code") == "A08"
    assert link.find("document-date").get("iso-date") == "2025-05-02"
    anonymous = Client().get(link.get("url").removeprefix("https://orbit.example.org"))
    assert anonymous.status_code == 200 and anonymous["Content-Type"] == "image/jpeg"


def test_results_indicators_and_periods_match_the_database(plan):
    data, _ = _export(plan)
    result = etree.fromstring(data).find("iati-activity/result")
    assert result.get("type") == "1"  # the node is at the Output tier
    assert result.find("reference") is None  # references at indicator level only (rule 8.11.1)
    assert result.find("title/narrative").text == "Digital skills courses"
    indicator = result.find("indicator")
    assert indicator.get("measure") == "1"
    assert indicator.get("ascending") == "1"
    reference = indicator.find("reference")
    assert (reference.get("vocabulary"), reference.get("code")) == ("99", f"OP {plan.output.code} I1")
    baseline = indicator.find("baseline")
    assert (baseline.get("year"), baseline.get("iso-date"), baseline.get("value")) == ("2024", "2024-01-01", "10")
    periods = indicator.findall("period")
    assert len(periods) == 1
    period = periods[0]
    assert period.find("period-start").get("iso-date") == "2025-01-01"
    assert period.find("period-end").get("iso-date") == "2025-12-31"
    assert [t.get("value") for t in period.iter("target")] == ["100"]
    assert [a.get("value") for a in period.iter("actual")] == ["55"]  # 30 + 25 approved; the draft 1000 is not


def test_read_back_gives_the_same_counts(plan):
    data, _ = _export(plan)
    schema = iati.load_schema(shared_path("data", "iati", "schema"))
    read = list(iati.iter_activities(io.BytesIO(data), name="export.xml", schema=schema))
    assert len(read) == Activity.objects.count() == 1
    activity = read[0].activity
    assert activity is not None and read[0].problems == []
    assert len(activity.results) == plan.activity.nodes.count()
    assert len(activity.results[0].indicators) == plan.output.indicators.count()
    assert len(activity.results[0].indicators[0].periods) == plan.indicator.targets.count()
    assert activity.results[0].indicators[0].periods[0].actuals[0].value == Decimal(55)
    assert len(activity.budgets) == 3
    assert len(activity.recipient_countries) == 3


def _more_activities(plan: SimpleNamespace, start: int, stop: int) -> None:
    for index in range(start, stop):
        activity = make_activity(
            plan.tree.dept_b, f"Activity {index}", code=f"MORE-{index}", countries=["FR"], nodes=[plan.output]
        )
        with audit_context(source="cli", reason="test data"):
            planning.budget_line_create(
                actor=plan.actor, activity=activity, source="regular", year=2025, currency="CHF", planned=Decimal(1)
            )


def _queries(plan: SimpleNamespace) -> tuple[int, iati_export.ExportReport]:
    with CaptureQueriesContext(connection) as captured:
        _, report = _export(plan, schema=None)
    return len(captured.captured_queries), report


def test_the_number_of_queries_does_not_grow_with_the_activities(plan):
    _more_activities(plan, 0, 4)
    few, report = _queries(plan)
    assert report.activities == 5
    _more_activities(plan, 4, 29)
    many, report = _queries(plan)
    assert report.activities == 30
    assert report.valid, [str(p) for _, p in report.all_problems()]
    assert many == few


def test_the_framework_filter_keeps_activities_serving_it(plan):
    make_activity(plan.tree.dept_b, "Unlinked", code="UNLINKED")
    _, everything = _export(plan, schema=None)
    _, serving = _export(plan, schema=None, framework=plan.framework)
    assert (everything.activities, serving.activities) == (2, 1)


def test_a_qualitative_indicator_keeps_scores_out_of_values(plan):
    node = make_node(plan.framework, "Policies", parent=plan.output.parent)
    scale = [{"score": 1, "label": {"en": "Draft"}}, {"score": 2, "label": {"en": "Adopted"}}]
    indicator = make_indicator(node, "Q1", measure="qualitative", score_scale=scale)
    with audit_context(source="cli", reason="test data"):
        results.target_create(
            actor=plan.actor,
            indicator=indicator,
            period_type="annual",
            period_start=dt.date(2025, 1, 1),
            period_end=dt.date(2025, 12, 31),
            score=2,
        )
        planning.activity_update(
            actor=plan.actor,
            activity=plan.activity,
            expected_version=Activity.objects.get(pk=plan.activity.pk).version,
            nodes=[plan.output, node],
        )
    data, report = _export(plan)
    assert report.valid, [str(p) for _, p in report.all_problems()]
    qualitative = [i for i in etree.fromstring(data).iter("indicator") if i.get("measure") == "5"]
    assert len(qualitative) == 1
    target = qualitative[0].find("period/target")
    assert target.get("value") is None
    assert "Adopted" in target.find("comment/narrative").text


def test_the_command_writes_a_file(plan, tmp_path):
    path = tmp_path / "plan.xml"
    out = StringIO()
    schema = shared_path("data", "iati", "schema")
    call_command(
        "iati", "export", "-o", str(path), "--prefix", PREFIX, "--reporting-org-ref", PREFIX,
        "--schema", str(schema), "--today", TODAY.isoformat(), stdout=out,
    )  # fmt: skip
    assert "1 activities written" in out.getvalue()
    assert "activities/s" in out.getvalue()
    assert "0 critical, 0 errors" in out.getvalue()
    read = iati.read_file(path, schema=iati.load_schema(schema))
    assert [r.identifier for r in read] == [f"{PREFIX}-DS-1"]


def test_the_command_fails_naming_the_activity_and_rule(plan, tmp_path):
    with audit_context(source="cli", reason="test data"):  # an actual start in the future breaks rule 11.1.4
        planning.activity_update(
            actor=plan.actor,
            activity=plan.activity,
            expected_version=plan.activity.version,
            actual_start=TODAY + dt.timedelta(days=400),
            planned_end=TODAY + dt.timedelta(days=800),
        )
    path = tmp_path / "plan.xml"
    out = StringIO()
    with pytest.raises(CommandError, match="DS-1"):
        call_command(
            "iati", "export", "-o", str(path), "--prefix", PREFIX, "--reporting-org-ref", PREFIX,
            "--today", TODAY.isoformat(), stdout=out,
        )  # fmt: skip
    assert "DS-1: 11.1.4 error" in out.getvalue()
    assert path.is_file()  # still written, to be inspected


def test_the_command_names_an_unknown_framework(plan, tmp_path):
    with pytest.raises(CommandError, match="NOPE"):
        call_command(
            "iati", "export", "-o", str(tmp_path / "x.xml"), "--prefix", PREFIX, "--reporting-org-ref", PREFIX,
            "--framework", "NOPE", stdout=StringIO(),
        )  # fmt: skip
