"""The results report's content: scoping by the reader's units, the photo consent rule, approved narratives
only, the filters, the parameter errors, and a fixed number of queries whatever the framework's size."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation

from orbit.reporting.content import ReportError, ReportParams, build_report, number_text, percent_text
from orbit.reporting.tests.report_data import generated_world, hand_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(tree, system_actor, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return hand_world(tree, system_actor)


def report(world, user=None, **params):
    return build_report(user=user or world.bdt, params=ReportParams(framework_id=world.framework.pk, **params))


def indicator(rep, code):
    matches = [row for row in rep.indicators if row.code == code]
    assert len(matches) == 1, [row.code for row in rep.indicators]
    return matches[0]


def texts(rep):
    return [item.text for node in rep.nodes for item in node.narratives]


def captions(rep):
    return sorted(photo.caption for photo in rep.photos)


# --- what the report holds ----------------------------------------------------------------------------------------


def test_a_reader_of_every_value_sees_the_engine_s_figures_at_the_period_s_target(world):
    rep = report(world, period="2024")
    i1 = indicator(rep, "I1")
    # DEPT-A 55 + DEPT-B 33 approved; the draft 5000 is not counted.
    assert (i1.target, i1.actual, i1.target_unit, i1.status) == (Decimal(100), Decimal(88), "", "at_risk")
    assert i1.achievement == Decimal("0.88") and i1.achievement_text == "88 %"
    assert i1.baseline == Decimal(10) and i1.period_label == "2024"
    assert [(p.label, p.target, p.actual) for p in i1.periods] == [
        ("2024", Decimal(100), Decimal(88)), ("2025", Decimal(200), None),
    ]  # fmt: skip
    assert "<svg" in i1.chart_svg and "I1" in i1.chart_svg
    assert rep.totals == {"on_track": 1, "at_risk": 1, "off_track": 0, "no_data": 0}
    assert [(n.number, n.tier_name) for n in rep.nodes] == [
        ("1", "Objective"), ("1.1", "Output"), ("2", "Objective"), ("2.1", "Output"),
    ]  # fmt: skip
    # The node roll-ups come from the engine: 1 holds I1 only.
    assert rep.nodes[0].status == "at_risk" and rep.nodes[0].counts["at_risk"] == 1
    assert [bar.label for bar in rep.by_objective] == ["1 Connectivity", "2 Skills"]
    assert {bar.label: bar.counts["on_track"] for bar in rep.by_region} == {"Africa": 1, "Headquarters": 0}


def test_cover_states_filters_cut_off_and_sample_data(world, system_actor, tree):
    rep = report(world, period="2024", unit_code="DEPT-A", language="fr")
    assert ("Période", "2024") in rep.filters or ("Period", "2024") in rep.filters
    assert any(value.startswith("DEPT-A") for _label, value in rep.filters)
    assert rep.cutoff is not None and rep.language == "fr" and rep.direction == "ltr"
    assert not rep.is_sample
    assert report(world, language="ar").direction == "rtl"


def test_texts_are_in_the_report_s_language_with_the_fallback(world):
    rep = report(world, period="2024", language="zh-hans")
    assert rep.framework_name == "报告计划"
    assert indicator(rep, "I1").title == "光纤公里数"
    assert indicator(rep, "I2").title == "Trainees certified"  # no Chinese text: English, as the primitive says
    assert "公开照片" in captions(rep)
    assert report(world, language="fr").tiers == ["Objectif", "Produit"]


def test_a_reader_of_one_unit_never_sees_other_units_values(world):
    rep = report(world, user=world.dept_b, period="2024")
    i1 = indicator(rep, "I1")
    # DEPT-B's own target and value only: never DEPT-A's 55 nor the total 88.
    assert (i1.target, i1.actual, i1.target_unit) == (Decimal(40), Decimal(33), "DEPT-B")
    assert indicator(rep, "I2").actual is None  # the overall figure would count units DEPT-B may not read
    assert all(p.actual in (None, Decimal(33)) for p in i1.periods)
    assert rep.notes[-1].startswith("You may read the values of your own units only")
    # Activities and updates of other units stay out too.
    assert texts(rep) == [] and rep.photos == []
    assert dict(rep.summary)["Activities"] == 0


def test_a_reader_without_rights_gets_a_clear_error(world):
    with pytest.raises(ReportError, match="framework_id"):
        report(world, user=world.outsider)


def test_only_photos_whose_consent_allows_publication(world):
    rep = report(world)
    # Nobody identifiable, or consent on file: shown.  Identifiable without consent, a draft update's photo and
    # an archived photo: never.
    assert captions(rep) == ["Consented photo", "Open photo", "Training photo"]
    open_photo = next(p for p in rep.photos if p.caption == "Open photo")
    assert open_photo.credit == "ITU/Test credit" and open_photo.thumbnail and open_photo.thumbnail != open_photo.file


def test_only_approved_narratives(world):
    rep = report(world)
    assert sorted(texts(rep)) == ["Approved narrative A1", "Approved narrative A2", "Narrative with archived photo"]
    assert "Draft narrative" not in texts(rep)


# --- filters ----------------------------------------------------------------------------------------------------


def test_node_filter_keeps_the_subtree(world):
    rep = report(world, node_id=world.o2.pk)
    assert [n.number for n in rep.nodes] == ["2", "2.1"]
    assert [row.code for row in rep.indicators] == ["I2"]
    assert texts(rep) == ["Approved narrative A2"]
    assert ("Result", "2 Skills") in rep.filters


def test_unit_filter_uses_the_unit_s_target_and_its_activities(world):
    rep = report(world, unit_code="DEPT-A", period="2024")
    assert [row.code for row in rep.indicators] == ["I1"]
    i1 = indicator(rep, "I1")
    assert (i1.target, i1.actual, i1.target_unit) == (Decimal(60), Decimal(55), "DEPT-A")
    assert sorted(texts(rep)) == ["Approved narrative A1", "Narrative with archived photo"]


def test_region_filter(world):
    rep = report(world, region="AFR")
    assert [row.code for row in rep.indicators] == ["I2"]
    assert texts(rep) == ["Approved narrative A2"]
    assert ("ITU region", "Africa") in rep.filters


def test_period_filter_picks_the_year_s_targets_and_updates(world):
    rep = report(world, period="2025")
    i1 = indicator(rep, "I1")
    assert (i1.period_label, i1.target, i1.actual, i1.status) == ("2025", Decimal(200), None, "no_data")
    assert texts(rep) == ["Approved narrative A2"]
    assert captions(rep) == ["Training photo"]
    assert (rep.period_start.isoformat(), rep.period_end.isoformat()) == ("2025-01-01", "2025-12-31")


def test_initiative_filter(world, system_actor):
    from orbit.core.context import audit_context
    from orbit.planning.services import initiative_create

    with audit_context(source="cli", reason="test data"):
        initiative = initiative_create(
            actor=system_actor, lead_unit=world.ro, code="AFR-R1", region="AFR", title={"en": "Skills for Africa"},
            outputs=[world.o21],
        )  # fmt: skip
    rep = report(world, initiative_id=initiative.pk)
    assert [n.number for n in rep.nodes] == ["2", "2.1"]  # the output, under its objective
    assert [row.code for row in rep.indicators] == ["I2"]
    assert ("Regional initiative", "AFR-R1 — Skills for Africa") in rep.filters


# --- errors -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"period": "last year"}, "period: give a calendar year"),
        ({"period": "2031"}, "period: 2031 is outside the framework's cycle"),
        ({"region": "XYZ"}, "region: unknown ITU region 'XYZ'"),
        ({"unit_code": "NOPE"}, "unit_code: unknown unit code 'NOPE'"),
        ({"language": "de"}, "language: unknown language 'de'"),
        ({"node_id": 987654}, "node_id: no result node 987654"),
        ({"initiative_id": 987654}, "initiative_id: no regional initiative 987654"),
    ],
)
def test_bad_parameters_are_named(world, params, message):
    with pytest.raises(ReportError) as caught:
        report(world, **params)
    assert str(caught.value).startswith(message)


def test_a_node_of_another_framework_is_refused(world, system_actor):
    import datetime as dt

    from orbit.core.context import audit_context
    from orbit.results.services import framework_create, node_create

    with audit_context(source="cli", reason="test data"):
        other = framework_create(
            actor=system_actor, owner_unit=world.tree.bdt, code="FW-O", name={"en": "Other"},
            cycle_start=dt.date(2024, 1, 1), cycle_end=dt.date(2025, 12, 31), tiers=[{"en": "Goal"}],
        )  # fmt: skip
        stranger = node_create(actor=system_actor, framework=other, title={"en": "Elsewhere"})
    with pytest.raises(ReportError, match=f"node_id: node {stranger.pk} is not in the framework FW-R"):
        report(world, node_id=stranger.pk)


def test_unknown_framework(world):
    with pytest.raises(ReportError, match="framework_id: no results framework 987654"):
        build_report(user=world.bdt, params=ReportParams(framework_id=987654))


def test_params_round_trip_through_json_and_refuse_bad_data():
    params = ReportParams(framework_id=3, period="2024", node_id=5, unit_code="BDT", region="AFR", language="ar")
    assert ReportParams.from_json(params.to_json()) == params
    assert ReportParams.from_json({"framework_id": "3", "region": "afr"}).region == "AFR"
    for data, message in (
        ({}, "framework_id"),
        ({"framework_id": "abc"}, "framework_id: give a whole number"),
        ({"framework_id": 1, "colour": "red"}, "Unknown report parameter(s): colour"),
        ({"framework_id": 1, "node_id": 1.5}, "node_id: give a whole number"),
        ({"framework_id": 1, "period": "24"}, "period: give a calendar year"),
        ([1, 2], "Report parameters must be an object"),
    ):
        with pytest.raises(ReportError, match=message.replace("(", r"\(").replace(")", r"\)")):
            ReportParams.from_json(data)  # type: ignore[arg-type]


def test_progress_is_reported(world):
    steps = []
    params = ReportParams(framework_id=world.framework.pk)
    build_report(user=world.bdt, params=params, progress=lambda percent, _label: steps.append(percent))
    assert steps == sorted(steps) and steps[0] < steps[-1] <= 50


# --- numbers as readers read them ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "value", "expected"),
    [
        ("en", Decimal("75000"), "75,000"),
        ("en", Decimal("1234567.891"), "1,234,567.89"),
        ("en", Decimal("36.333333"), "36.33"),
        ("en", Decimal("12.50"), "12.5"),
        ("en", Decimal("1E+3"), "1,000"),
        ("en", Decimal("0.00251"), "0.0025"),
        ("en", Decimal("-0.00001"), "0"),
        ("en", -1500, "-1,500"),
        ("en", 2.5, "2.5"),
        ("en", None, "—"),
        ("en", Decimal("NaN"), "—"),
        ("fr", Decimal("75000.5"), "75\xa0000,5"),
        ("zh-hans", Decimal("75000"), "75,000"),
        ("ar", Decimal("75000.25"), "75.000,25"),
    ],
)
def test_numbers_are_grouped_and_rounded_in_the_report_language(language, value, expected):
    with translation.override(language):
        assert number_text(value) == expected


def test_percentages_are_whole():
    assert percent_text(Decimal("0.884")) == "88 %"
    assert percent_text(None) == "—"


# --- a fixed number of queries --------------------------------------------------------------------------------------


QUERIES = 16


@pytest.mark.parametrize(("size", "seed"), [("small", 7), ("medium", 8)])
def test_query_count_does_not_grow_with_the_framework(tree, system_actor, settings, tmp_path, size, seed,
                                                      django_assert_num_queries):  # fmt: skip
    settings.MEDIA_ROOT = str(tmp_path)
    generated = generated_world(tree, system_actor, size=size, seed=seed)
    params = ReportParams(framework_id=generated.framework.pk)
    build_report(user=generated.bdt, params=params)  # the reader's memberships are cached per request
    with django_assert_num_queries(QUERIES):
        rep = build_report(user=generated.bdt, params=params)
    assert len(rep.indicators) == {"small": 60, "medium": 500}[size]
    assert rep.nodes and sum(len(n.narratives) for n in rep.nodes) > 0
