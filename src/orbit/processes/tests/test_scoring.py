"""Scoring models: totals checked by hand, every validation problem collected, custom models, ranks, quick wins.

Expected numbers are worked out by hand (or, for logarithms, with ``math`` in floating point, independently of
the Decimal code under test) and written down here.
"""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orbit.processes import scoring
from orbit.processes.scoring import (
    MODELS,
    Criterion,
    QuickWinRule,
    Score,
    ScoringError,
    ScoringModel,
    quick_win_reasons,
    rank,
    register_model,
    weighted_model_from_definition,
)

D = Decimal


def close(number: Decimal, expected: float, tolerance: float = 1e-12) -> bool:
    return abs(float(number) - expected) <= tolerance


# --- Built-in models, by hand -----------------------------------------------------------------------------------------


def test_the_three_built_in_models_are_registered():
    assert {"value_effort", "wsjf", "rice"} <= set(MODELS)
    for key in ("value_effort", "wsjf", "rice"):
        model = MODELS[key]
        assert model.key == key
        assert model.label and model.description
        assert {c.role for c in model.criteria} == {"value", "effort"}


@pytest.mark.parametrize(
    ("value", "effort", "total"),
    [
        ("8", 2, D(4)),  # 8 ÷ 2
        (10, 10, D(1)),
        (D("7.5"), "2.5", D(3)),  # 7.5 ÷ 2.5
    ],
)
def test_value_effort_total_is_value_divided_by_effort(value, effort, total):
    score = MODELS["value_effort"].score({"value": value, "effort": effort})
    assert score.total == total
    assert (score.value, score.effort) == (D(str(value)), D(str(effort)))


def test_value_effort_keeps_28_digits_and_rounds_for_display():
    score = MODELS["value_effort"].score({"value": 3, "effort": 9})
    assert score.total == D("0.3333333333333333333333333333")  # 1/3 to 28 significant digits
    assert score.rounded() == Score(total=D("0.33"), value=D("3.00"), effort=D("9.00"))
    # Equal ratios are equal totals (a tie), not two roundings of one another.
    assert MODELS["value_effort"].score({"value": 6, "effort": 3}).total == D(2)
    assert MODELS["value_effort"].score({"value": 4, "effort": 2}).total == D(2)


def wsjf(bv: int, tc: int, rr: int, size: int) -> Score:
    return MODELS["wsjf"].score({"business_value": bv, "time_criticality": tc, "risk_reduction": rr, "job_size": size})


def test_wsjf_total_is_cost_of_delay_divided_by_job_size():
    assert wsjf(8, 5, 3, 2).total == D(8)  # (8 + 5 + 3) ÷ 2
    assert wsjf(13, 8, 5, 5).total == D("5.2")  # 26 ÷ 5
    assert wsjf(1, 1, 1, 20).total == D("0.15")  # 3 ÷ 20
    assert wsjf(20, 20, 20, 1).total == D(60)


def test_wsjf_axes_are_log_scaled_onto_0_to_10():
    extremes_low, extremes_high = wsjf(1, 1, 1, 20), wsjf(20, 20, 20, 1)
    assert (extremes_low.value, extremes_low.effort) == (D(0), D(10))
    assert (extremes_high.value, extremes_high.effort) == (D(10), D(0))
    middle = wsjf(8, 5, 3, 2)
    assert close(middle.value, 10 * math.log(16 / 3) / math.log(20))  # 5.5879
    assert close(middle.effort, 10 * math.log(2) / math.log(20))  # 2.3138
    assert middle.rounded().value == D("5.59")
    assert middle.rounded().effort == D("2.31")


def rice(reach: object, impact: object, confidence: object, effort: object) -> Score:
    return MODELS["rice"].score({"reach": reach, "impact": impact, "confidence": confidence, "effort": effort})


def test_rice_total_is_reach_times_impact_times_confidence_over_effort():
    assert rice(2000, 2, 80, 4).total == D(800)  # 2000 × 2 × 0.8 ÷ 4
    assert rice(500, "0.25", 50, "0.5").total == D(125)  # 500 × 0.25 × 0.5 ÷ 0.5
    assert rice(0, 3, 100, 1).total == D(0)
    assert rice(10_000_000, 3, 100, 1000).total == D(30_000)


def test_rice_axes_are_log_scaled_onto_0_to_10():
    score = rice(2000, 2, 80, 4)
    assert close(score.value, 10 * math.log10(3201) / math.log10(30_000_001))  # 4.688
    assert close(score.effort, 10 * math.log10(5) / math.log10(1001))  # 2.330
    assert close(rice(1, 1, 100, 9).effort, 10 / math.log10(1001))  # 3.333
    top = rice(10_000_000, 3, 100, 1000)
    assert (top.value, top.effort) == (D(10), D(10))
    bottom = rice(0, "0.25", 0, "0.01")
    assert bottom.value == D(0)
    assert close(bottom.effort, 10 * math.log10(1.01) / math.log10(1001))


def test_results_are_plain_decimals_without_exponents():
    score = rice(10_000_000, 3, 100, "0.01")
    assert score.total == D(3_000_000_000)
    assert str(score.total) == "3000000000"
    assert str(score.value) == "10"
    assert str(rice(0, "0.25", 0, 1000).value) == "0"
    assert all(isinstance(number, Decimal) for number in (score.total, score.value, score.effort))


def test_the_callers_decimal_context_does_not_change_a_score():
    import decimal

    expected = MODELS["value_effort"].score({"value": 2, "effort": 3})
    with decimal.localcontext() as context:
        context.prec = 5
        assert MODELS["value_effort"].score({"value": 2, "effort": 3}) == expected


# --- Validation -------------------------------------------------------------------------------------------------------


def problems_of(model_key: str, answers: dict[str, object]) -> dict[str, str]:
    with pytest.raises(ScoringError) as caught:
        MODELS[model_key].score(answers)
    return caught.value.problems


def test_accepted_answers_are_coerced_to_decimal():
    model = MODELS["value_effort"]
    assert model.validate({"value": "3", "effort": 3}) == {"value": D(3), "effort": D(3)}
    assert model.validate({"value": 3.5, "effort": D("2.50")}) == {"value": D("3.5"), "effort": D("2.5")}
    assert model.validate({"value": " 7 ", "effort": "1e0"}) == {"value": D(7), "effort": D(1)}
    assert str(model.validate({"value": 1.1, "effort": 1})["value"]) == "1.1", "a float is read as it prints"
    # The ends of a range are allowed; keys that are not criteria are ignored.
    assert model.validate({"value": 1, "effort": 10, "csrfmiddlewaretoken": "x"}) == {"value": D(1), "effort": D(10)}


def test_missing_answers_name_the_criterion_and_its_range():
    assert problems_of("value_effort", {}) == {
        "value": "Value: an answer is required (a number from 1 to 10).",
        "effort": "Effort: an answer is required (a number from 1 to 10).",
    }
    assert problems_of("value_effort", {"value": "  ", "effort": None}).keys() == {"value", "effort"}


@pytest.mark.parametrize("given", ["abc", "1,5", "3 points", True, [3], {"n": 3}, "4_000"])
def test_non_numbers_are_refused(given):
    problems = problems_of("value_effort", {"value": given, "effort": 2})
    assert list(problems) == ["value"]
    assert problems["value"].startswith("Value: “")
    assert problems["value"].endswith("” is not a number (a number from 1 to 10).")


@pytest.mark.parametrize("given", [float("nan"), "NaN", D("NaN"), float("inf"), "-Infinity", D("Infinity")])
def test_nan_and_infinity_are_refused(given):
    problems = problems_of("value_effort", {"value": 5, "effort": given})
    assert list(problems) == ["effort"]
    assert "is not a finite number (a number from 1 to 10)." in problems["effort"]


@pytest.mark.parametrize("given", [0, 11, "10.01", "-1", "0.999"])
def test_answers_out_of_range_are_refused(given):
    problems = problems_of("value_effort", {"value": given, "effort": 5})
    assert problems == {
        "value": f"Value: {D(str(given)).normalize():f} is outside the allowed range (a number from 1 to 10)."
    }


def test_rice_ranges_and_the_effort_above_zero():
    problems = problems_of("rice", {"reach": "10000001", "impact": 1, "confidence": 101, "effort": 0})
    assert problems == {
        "reach": "Reach: 10000001 is outside the allowed range (a number from 0 to 10000000).",
        "confidence": "Confidence (%): 101 is outside the allowed range (a number from 0 to 100).",
        "effort": "Effort (person-months): 0 is outside the allowed range (a number above 0 and at most 1000).",
    }
    assert problems_of("rice", {"reach": 1, "impact": "1.5", "confidence": 1, "effort": 1}) == {
        "impact": "Impact: 1.5 is not on the scale (one of 0.25, 0.5, 1, 2, 3)."
    }


@pytest.mark.parametrize("given", [4, 6, 21, "2.5", 0])
def test_wsjf_answers_must_be_on_the_scale(given):
    problems = problems_of("wsjf", {"business_value": given, "time_criticality": 1, "risk_reduction": 1, "job_size": 1})
    assert problems == {
        "business_value": f"Business value: {given} is not on the scale (one of 1, 2, 3, 5, 8, 13, 20)."
    }


def test_every_problem_is_collected_at_once():
    with pytest.raises(ScoringError) as caught:
        MODELS["wsjf"].validate(
            {"business_value": 4, "time_criticality": "soon", "risk_reduction": float("nan")}  # job_size missing
        )
    problems = caught.value.problems
    assert problems == {
        "business_value": "Business value: 4 is not on the scale (one of 1, 2, 3, 5, 8, 13, 20).",
        "time_criticality": "Time criticality: “soon” is not a number (one of 1, 2, 3, 5, 8, 13, 20).",
        "risk_reduction": (
            "Risk reduction / opportunity enablement: “nan” is not a finite number (one of 1, 2, 3, 5, 8, 13, 20)."
        ),
        "job_size": "Job size: an answer is required (one of 1, 2, 3, 5, 8, 13, 20).",
    }
    assert isinstance(caught.value, ValueError)
    assert all(message in str(caught.value) for message in problems.values())


# --- Custom weighted models -------------------------------------------------------------------------------------------

DEFINITION = [
    {"key": "impact", "label": "Impact on users", "minimum": "0", "maximum": "10", "weight": "2", "role": "value"},
    {"key": "reach", "label": "Units reached", "minimum": 1, "maximum": 5, "role": "value"},  # weight defaults to 1
    {"key": "cost", "label": "Cost", "minimum": 1, "maximum": 5, "weight": 1, "role": "effort"},
    {"key": "time", "label": "Months", "minimum": 0, "maximum": 12, "weight": 3, "role": "effort", "help": "Calendar"},
]


def test_a_weighted_model_from_a_valid_definition():
    model = weighted_model_from_definition(DEFINITION, key="hr-2025", label="HR criteria")
    assert (model.key, model.label) == ("hr-2025", "HR criteria")
    assert [c.key for c in model.criteria] == ["impact", "reach", "cost", "time"]
    assert model.criterion("reach").weight == D(1)
    assert model.criterion("time").help == "Calendar"
    score = model.score({"impact": 5, "reach": 5, "cost": 1, "time": 6})
    # value: impact 5/10 → 5, reach (5-1)/4 → 10; (2×5 + 1×10) ÷ 3 = 20/3
    # effort onto 1–10: cost 1 → 1, time 6/12 → 5.5; (1×1 + 3×5.5) ÷ 4 = 4.375
    assert close(score.value, 20 / 3)
    assert score.effort == D("4.375")
    assert close(score.total, float(Fraction(20, 3) / Fraction(35, 8)))  # = 32/21
    assert score.rounded() == Score(total=D("1.52"), value=D("6.67"), effort=D("4.38"))


def test_weighted_extremes_and_no_division_by_zero():
    model = weighted_model_from_definition(DEFINITION)
    least = model.score({"impact": 0, "reach": 1, "cost": 1, "time": 0})
    assert least == Score(total=D(0), value=D(0), effort=D(1)), "least effort counts as 1, not 0"
    most = model.score({"impact": 10, "reach": 5, "cost": 1, "time": 0})
    assert most == Score(total=D(10), value=D(10), effort=D(1))
    assert model.score({"impact": 10, "reach": 5, "cost": 5, "time": 12}).total == D(1)


def test_a_weighted_definition_survives_a_round_trip():
    model = weighted_model_from_definition(DEFINITION)
    again = weighted_model_from_definition(model.definition())
    assert again.criteria == model.criteria
    assert weighted_model_from_definition(DEFINITION).key == "weighted"


def test_weighted_answers_are_validated_against_the_defined_ranges():
    model = weighted_model_from_definition(DEFINITION)
    with pytest.raises(ScoringError) as caught:
        model.score({"impact": 11, "reach": 3, "cost": "x"})
    assert caught.value.problems == {
        "impact": "Impact on users: 11 is outside the allowed range (a number from 0 to 10).",
        "cost": "Cost: “x” is not a number (a number from 1 to 5).",
        "time": "Months: an answer is required (a number from 0 to 12).",
    }


def definition_problems(definition: object) -> dict[str, str]:
    with pytest.raises(ScoringError) as caught:
        weighted_model_from_definition(definition)
    return caught.value.problems


def with_change(index: int, **fields: object) -> list[dict[str, object]]:
    changed: list[dict[str, object]] = [dict(item) for item in DEFINITION]
    for name, value in fields.items():
        if value is None:
            changed[index].pop(name, None)
        else:
            changed[index][name] = value
    return changed


@pytest.mark.parametrize(
    ("definition", "expected"),
    [
        ("impact,cost", {"criteria": "The model must be defined as a list of criteria."}),
        (
            [*DEFINITION, "cost"],
            {"criteria.4": "Criterion 5: expected the fields key, label, minimum, maximum, weight and role."},
        ),
        (
            with_change(1, key=None),
            {"criteria.1.key": "Criterion 2: a key is required (letters, digits, hyphens and underscores)."},
        ),
        (
            with_change(1, key="units reached!"),
            {
                "criteria.1.key": "Criterion 2: the key “units reached!” may only contain letters, digits, hyphens and "
                "underscores."
            },
        ),
        (
            with_change(3, key="impact"),
            {"criteria.3.key": "Criterion 4: the key “impact” is already used by criterion 1."},
        ),
        (with_change(0, label="  "), {"criteria.0.label": "Criterion 1 (“impact”): a label is required."}),
        (with_change(0, minimum=None), {"criteria.0.minimum": "Criterion 1 (“impact”): the minimum is required."}),
        (
            with_change(0, maximum="ten"),
            {"criteria.0.maximum": "Criterion 1 (“impact”): the maximum “ten” is not a finite number."},
        ),
        (
            with_change(2, weight="NaN"),
            {"criteria.2.weight": "Criterion 3 (“cost”): the weight “NaN” is not a finite number."},
        ),
        (
            with_change(2, minimum=5, maximum=5),
            {"criteria.2.maximum": "Criterion 3 (“cost”): the minimum 5 must be below the maximum 5."},
        ),
        (
            with_change(2, minimum=9, maximum="1.5"),
            {"criteria.2.maximum": "Criterion 3 (“cost”): the minimum 9 must be below the maximum 1.5."},
        ),
        (with_change(2, weight=0), {"criteria.2.weight": "Criterion 3 (“cost”): the weight 0 must be above 0."}),
        (with_change(2, weight="-2"), {"criteria.2.weight": "Criterion 3 (“cost”): the weight -2 must be above 0."}),
        (
            with_change(1, role="benefit"),
            {"criteria.1.role": "Criterion 2 (“reach”): the role “benefit” must be “value” or “effort”."},
        ),
        (DEFINITION[:2], {"criteria": "At least one criterion must measure effort (role “effort”)."}),
        (DEFINITION[2:], {"criteria": "At least one criterion must measure value (role “value”)."}),
        (
            [],
            {
                "criteria": "At least one criterion must measure value (role “value”). At least one criterion must "
                "measure effort (role “effort”)."
            },
        ),
    ],
)
def test_each_kind_of_bad_definition_is_named_with_its_criterion(definition, expected):
    assert definition_problems(definition) == expected


def test_every_problem_of_a_definition_is_collected_with_its_index():
    bad = [
        {"key": "a", "label": "A", "minimum": 3, "maximum": 1, "weight": 0, "role": "value"},
        {"key": "a", "label": "", "minimum": "x", "maximum": 2, "role": "cost"},
    ]
    assert set(definition_problems(bad)) == {
        "criteria.0.maximum",
        "criteria.0.weight",
        "criteria.1.key",
        "criteria.1.label",
        "criteria.1.minimum",
        "criteria.1.role",
        "criteria",  # no effort criterion among the valid roles
    }


# --- Plug-ins ---------------------------------------------------------------------------------------------------------


class Overshooting(ScoringModel):
    """A plug-in whose formula leaves the axes; the base keeps them on 0–10."""

    key = "test-overshoot"
    label = "Overshoot"
    description = "For the test only."
    criteria = (
        Criterion(key="gain", label="Gain", minimum=D(0), maximum=D(100), role="value"),
        Criterion(key="work", label="Work", minimum=D(1), maximum=D(100), role="effort"),
    )

    def compute(self, answers):
        return Score(total=answers["gain"] / answers["work"], value=answers["gain"], effort=-answers["work"])


def test_a_plug_in_model_is_registered_validated_and_kept_on_the_axes():
    model = Overshooting()
    try:
        assert register_model(model) is model
        assert MODELS["test-overshoot"] is model
        assert MODELS["test-overshoot"].score({"gain": 50, "work": 5}) == Score(total=D(10), value=D(10), effort=D(0))
        with pytest.raises(ScoringError):
            MODELS["test-overshoot"].score({"gain": 101, "work": 5})
        with pytest.raises(ValueError, match="already registered"):
            register_model(Overshooting())
        replacement = Overshooting()
        register_model(replacement, replace=True)
        assert MODELS["test-overshoot"] is replacement
    finally:
        MODELS.pop("test-overshoot", None)


def test_criteria_and_models_refuse_impossible_settings():
    with pytest.raises(ValueError, match="minimum"):
        Criterion(key="x", label="X", minimum=D(5), maximum=D(5))
    with pytest.raises(ValueError, match="weight"):
        Criterion(key="x", label="X", minimum=D(0), maximum=D(5), weight=D(0))
    with pytest.raises(ValueError, match="letters"):
        Criterion(key="a b", label="X", minimum=D(0), maximum=D(5))
    with pytest.raises(ValueError, match="effort"):
        scoring.WeightedModel("only-value", "V", [Criterion(key="v", label="V", minimum=D(0), maximum=D(1))])
    assert Criterion(key="x", label="X", minimum=0, maximum="5", weight=2).weight == D(2)  # type: ignore[arg-type]


# --- Ranking ----------------------------------------------------------------------------------------------------------


def plain(total: str) -> Score:
    return Score(total=D(total), value=D(5), effort=D(5))


def test_rank_is_descending_with_shared_ranks_for_ties():
    scores = {5: plain("2"), 3: plain("4"), 9: plain("2.0"), 1: plain("1"), 7: plain("4"), 2: plain("0.5")}
    assert [(r, pid) for r, pid, _s in rank(scores)] == [(1, 3), (1, 7), (3, 5), (3, 9), (5, 1), (6, 2)]
    assert rank(scores)[0][2] is scores[3]
    assert rank({}) == []


def test_equal_ratios_tie_in_the_ranking():
    model = MODELS["value_effort"]
    scores = {
        11: model.score({"value": 6, "effort": 3}),
        10: model.score({"value": 4, "effort": 2}),
        12: model.score({"value": 7, "effort": 3}),
    }
    assert [(r, pid) for r, pid, _s in rank(scores)] == [(1, 12), (2, 10), (2, 11)]


# --- Quick wins -------------------------------------------------------------------------------------------------------

RULE = QuickWinRule()


def axes(value: str, effort: str) -> Score:
    return Score(total=D(1), value=D(value), effort=D(effort))


def test_a_quick_win_has_no_reason_against_it():
    assert QuickWinRule(min_value=D(6), max_effort=D(4)) == RULE
    assert quick_win_reasons(axes("8", "2"), rule=RULE, blocking_upstream=[], has_owner=True) == []
    assert quick_win_reasons(axes("6", "4"), rule=RULE, blocking_upstream=(), has_owner=True) == [], "limits count"


def test_each_reason_against_a_quick_win():
    reasons = quick_win_reasons
    assert reasons(axes("4", "2"), rule=RULE, blocking_upstream=[], has_owner=True) == [
        "Value 4.00 is below 6, the least value of a quick win."
    ]
    assert reasons(axes("8", "7.5"), rule=RULE, blocking_upstream=[], has_owner=True) == [
        "Effort 7.50 is above 4, the most effort of a quick win."
    ]
    assert reasons(axes("8", "2"), rule=RULE, blocking_upstream=["Recruitment", "Payroll"], has_owner=True) == [
        "Blocked upstream by: Recruitment, Payroll."
    ]
    assert reasons(axes("8", "2"), rule=RULE, blocking_upstream=[], has_owner=False) == ["No owner assigned."]
    assert reasons(axes("1", "9"), rule=RULE, blocking_upstream=["Recruitment"], has_owner=False) == [
        "Value 1.00 is below 6, the least value of a quick win.",
        "Effort 9.00 is above 4, the most effort of a quick win.",
        "Blocked upstream by: Recruitment.",
        "No owner assigned.",
    ]


def test_reasons_never_show_a_number_that_seems_to_meet_the_rule():
    near = axes("5.999", "4.001")
    assert quick_win_reasons(near, rule=RULE, blocking_upstream=[], has_owner=True) == [
        "Value 5.99 is below 6, the least value of a quick win.",
        "Effort 4.01 is above 4, the most effort of a quick win.",
    ]


def test_the_rule_is_configurable():
    strict = QuickWinRule(min_value=D("7.5"), max_effort=D("2.5"))
    assert quick_win_reasons(axes("7", "3"), rule=strict, blocking_upstream=[], has_owner=True) == [
        "Value 7.00 is below 7.5, the least value of a quick win.",
        "Effort 3.00 is above 2.5, the most effort of a quick win.",
    ]


# --- Properties -------------------------------------------------------------------------------------------------------


def answer(criterion: Criterion) -> st.SearchStrategy[Decimal]:
    if criterion.choices:
        return st.sampled_from(criterion.choices)
    numbers = st.decimals(
        min_value=criterion.minimum, max_value=criterion.maximum, allow_nan=False, allow_infinity=False, places=3
    )
    return numbers.filter(lambda n: n > criterion.minimum) if criterion.minimum_exclusive else numbers


def check_monotonic(model: ScoringModel, data: st.DataObject) -> None:
    answers = {c.key: data.draw(answer(c), label=c.key) for c in model.criteria}
    moved = data.draw(st.sampled_from(model.criteria), label="moved")
    low, high = sorted([data.draw(answer(moved), label="a"), data.draw(answer(moved), label="b")])
    before = model.score({**answers, moved.key: low})
    after = model.score({**answers, moved.key: high})
    for score in (before, after):
        assert D(0) <= score.value <= D(10)
        assert D(0) <= score.effort <= D(10)
        assert score.total >= 0
    if moved.role == "value":
        assert after.total >= before.total, "more value never lowers the total"
        assert after.value >= before.value
        assert after.effort == before.effort
    else:
        assert after.total <= before.total, "more effort never raises the total"
        assert after.effort >= before.effort
        assert after.value == before.value


@pytest.mark.parametrize("key", ["value_effort", "wsjf", "rice"])
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_built_in_totals_are_monotonic_and_axes_stay_on_0_to_10(key, data):
    check_monotonic(MODELS[key], data)


@st.composite
def definitions(draw: st.DrawFn) -> list[dict[str, object]]:
    roles = ["value", "effort", *draw(st.lists(st.sampled_from(["value", "effort"]), max_size=4))]
    criteria = []
    for index, role in enumerate(roles):
        minimum = draw(st.integers(min_value=-100, max_value=100))
        span = draw(st.integers(min_value=1, max_value=1000))
        weight = draw(st.decimals(min_value=D("0.1"), max_value=D(10), places=1))
        criteria.append(
            {"key": f"c{index}", "label": f"C{index}", "minimum": minimum, "maximum": minimum + span,
             "weight": str(weight), "role": role}
        )  # fmt: skip
    return criteria


@settings(max_examples=150, deadline=None)
@given(definition=definitions(), data=st.data())
def test_custom_weighted_totals_are_monotonic_and_axes_stay_on_0_to_10(definition, data):
    check_monotonic(weighted_model_from_definition(definition), data)
