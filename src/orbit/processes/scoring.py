"""Scoring models that rank the processes of an assessment round, and the rule that picks the quick wins.

A model is a list of criteria (what an analyst answers for each process) and a formula that turns the answers
into a :class:`Score`: a ``total`` that ranks the processes of a round (higher first) and two axes, ``value``
and ``effort``, both on 0–10, that place the process on the value/effort matrix.  Rounds may use different
models, so the axes are the common ground: whatever the model, a quick win is a process whose value is high
and whose effort is low on those two axes (see :class:`QuickWinRule`).

Three models are built in (``value_effort``, ``wsjf``, ``rice``); custom weighted models are defined in the UI
as a list of criteria (:func:`weighted_model_from_definition`); other models can be plugged in with
:func:`register_model`.

Numbers are :class:`~decimal.Decimal` from end to end.  Scores are computed in a fixed 28-digit context (not the
caller's), so the same answers always give the same score and equal ratios compare equal (value 6, effort 3
ties with value 4, effort 2); :meth:`Score.rounded` and :func:`quantise` give the two decimal places shown to
people.  No database here: the engineer who stores rounds and answers calls these functions.

Labels, descriptions and help texts of the built-in models are marked with ``gettext_noop`` (so they reach the
translation catalogues) and stay plain strings: show them with ``gettext(criterion.label)``.  Messages returned
to people (validation problems, quick-win reasons) are translated when they are made; every one of them is in
the ``_MESSAGES`` block below.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import (
    ROUND_CEILING,
    ROUND_FLOOR,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
    localcontext,
)
from typing import Any, ClassVar, Literal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

Role = Literal["value", "effort"]
ROLES: tuple[Role, ...] = ("value", "effort")

ZERO = Decimal(0)
ONE = Decimal(1)
TEN = Decimal(10)
CENT = Decimal("0.01")
#: The context every score is computed in: independent of whatever context the caller has set.
_CONTEXT = Context(
    prec=28, rounding=ROUND_HALF_EVEN, Emin=-999999, Emax=999999, traps=[InvalidOperation, DivisionByZero, Overflow]
)
#: Keys of criteria and models: what Django calls a slug (they become form field names and JSON keys).
SLUG = re.compile(r"^[-a-zA-Z0-9_]+\Z")
#: Longest text accepted as a number (a longer one is a mistake, and would only cost time to parse).
_LONGEST_NUMBER = 64

# --- Messages shown to people (kept together so translators and reviewers find them in one place) -----------------

_MESSAGES = {
    "range": gettext_noop("a number from %(minimum)s to %(maximum)s"),
    "range_above": gettext_noop("a number above %(minimum)s and at most %(maximum)s"),
    "choices": gettext_noop("one of %(choices)s"),
    "missing": gettext_noop("%(label)s: an answer is required (%(allowed)s)."),
    "not_number": gettext_noop("%(label)s: “%(given)s” is not a number (%(allowed)s)."),
    "not_finite": gettext_noop("%(label)s: “%(given)s” is not a finite number (%(allowed)s)."),
    "out_of_range": gettext_noop("%(label)s: %(given)s is outside the allowed range (%(allowed)s)."),
    "not_on_scale": gettext_noop("%(label)s: %(given)s is not on the scale (%(allowed)s)."),
    "def_not_list": gettext_noop("The model must be defined as a list of criteria."),
    "def_not_mapping": gettext_noop(
        "Criterion %(number)s: expected the fields key, label, minimum, maximum, weight and role."
    ),
    "def_key_missing": gettext_noop(
        "Criterion %(number)s: a key is required (letters, digits, hyphens and underscores)."
    ),
    "def_key_slug": gettext_noop(
        "Criterion %(number)s: the key “%(key)s” may only contain letters, digits, hyphens and underscores."
    ),
    "def_key_duplicate": gettext_noop(
        "Criterion %(number)s: the key “%(key)s” is already used by criterion %(first)s."
    ),
    "def_label": gettext_noop("Criterion %(number)s (“%(key)s”): a label is required."),
    "def_number_missing": gettext_noop("Criterion %(number)s (“%(key)s”): the %(field)s is required."),
    "def_number": gettext_noop("Criterion %(number)s (“%(key)s”): the %(field)s “%(given)s” is not a finite number."),
    "def_min_max": gettext_noop(
        "Criterion %(number)s (“%(key)s”): the minimum %(minimum)s must be below the maximum %(maximum)s."
    ),
    "def_weight": gettext_noop("Criterion %(number)s (“%(key)s”): the weight %(weight)s must be above 0."),
    "def_role": gettext_noop("Criterion %(number)s (“%(key)s”): the role “%(role)s” must be “value” or “effort”."),
    "def_no_value": gettext_noop("At least one criterion must measure value (role “value”)."),
    "def_no_effort": gettext_noop("At least one criterion must measure effort (role “effort”)."),
    "field_minimum": gettext_noop("minimum"),
    "field_maximum": gettext_noop("maximum"),
    "field_weight": gettext_noop("weight"),
    "low_value": gettext_noop("Value %(value)s is below %(minimum)s, the least value of a quick win."),
    "high_effort": gettext_noop("Effort %(effort)s is above %(maximum)s, the most effort of a quick win."),
    "blocked": gettext_noop("Blocked upstream by: %(names)s."),
    "no_owner": gettext_noop("No owner assigned."),
}


def _message(name: str, **values: object) -> str:
    return _(_MESSAGES[name]) % values if values else _(_MESSAGES[name])


# --- Numbers ---------------------------------------------------------------------------------------------------------


def quantise(number: Decimal, rounding: str = ROUND_HALF_UP) -> Decimal:
    """``number`` with the two decimal places shown to people (half up, as people round)."""
    return number.quantize(CENT, rounding=rounding, context=_CONTEXT)


def show(number: Decimal) -> str:
    """A number as people read it in a message: no exponent, no trailing zeros (``10000000``, ``0.25``, ``6``)."""
    if not number.is_finite() or abs(number.adjusted()) > 24:
        return f"{number:.6g}"  # out of any criterion's range anyway: an exponent is clearer than 400 digits
    if number == number.to_integral_value():
        return f"{number.quantize(ONE, context=_CONTEXT):f}"
    text = f"{number.normalize(_CONTEXT):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _given(raw: object) -> str:
    text = str(raw).strip()
    return text if len(text) <= 40 else text[:39] + "…"


class _Missing:
    pass


class _NotNumber:
    pass


class _NotFinite:
    pass


_MISSING, _NOT_NUMBER, _NOT_FINITE = _Missing(), _NotNumber(), _NotFinite()


def _coerce(raw: object) -> Decimal | _Missing | _NotNumber | _NotFinite:
    """An answer as a Decimal: ``3``, ``"3"``, ``3.5`` (read as the shortest decimal that prints the same), Decimal.

    Booleans, text with thousands separators or decimal commas (``"1,000"`` could be a thousand or one) and any
    other type are not numbers; NaN and infinities are numbers but not answers.
    """
    if raw is None:
        return _MISSING
    if isinstance(raw, bool):
        return _NOT_NUMBER
    if isinstance(raw, Decimal):
        number = raw
    elif isinstance(raw, int):
        number = Decimal(raw)
    elif isinstance(raw, float):
        number = Decimal(repr(raw))
    elif isinstance(raw, str):
        text = raw.strip()
        if not text:
            return _MISSING
        if len(text) > _LONGEST_NUMBER or "_" in text:
            return _NOT_NUMBER
        try:
            number = Decimal(text)
        except InvalidOperation:
            return _NOT_NUMBER
    else:
        return _NOT_NUMBER
    return number if number.is_finite() else _NOT_FINITE


# --- Criteria, scores, errors ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Criterion:
    """One question asked about every process of a round, and the answers it accepts.

    ``role`` says which axis the criterion feeds: ``value`` (more is better) or ``effort`` (more is worse).
    ``choices``, when set, are the only answers accepted (a scale such as WSJF's); ``minimum_exclusive`` refuses
    the minimum itself (an effort of 0 would divide by zero).  Numbers given as int or str become Decimal.
    """

    key: str
    label: str
    minimum: Decimal
    maximum: Decimal
    weight: Decimal = ONE
    role: Role = "value"
    help: str = ""
    choices: tuple[Decimal, ...] = ()
    minimum_exclusive: bool = False

    def __post_init__(self) -> None:
        for name in ("minimum", "maximum", "weight"):
            number = _coerce(getattr(self, name))
            if not isinstance(number, Decimal):
                raise ValueError(f"Criterion {self.key!r}: {name} {getattr(self, name)!r} is not a finite number.")
            object.__setattr__(self, name, number)
        object.__setattr__(self, "choices", tuple(Decimal(str(choice)) for choice in self.choices))
        if not SLUG.match(self.key):
            raise ValueError(f"Criterion key {self.key!r} may only contain letters, digits, hyphens and underscores.")
        if self.role not in ROLES:
            raise ValueError(f"Criterion {self.key!r}: role {self.role!r} must be 'value' or 'effort'.")
        if self.minimum >= self.maximum:
            raise ValueError(f"Criterion {self.key!r}: minimum {self.minimum} must be below maximum {self.maximum}.")
        if self.weight <= 0:
            raise ValueError(f"Criterion {self.key!r}: weight {self.weight} must be above 0.")
        outside = [c for c in self.choices if not self.minimum <= c <= self.maximum]
        if outside:
            raise ValueError(f"Criterion {self.key!r}: choices {outside} lie outside {self.minimum}–{self.maximum}.")

    def allowed(self) -> str:
        """The accepted answers in words ("one of 1, 2, 3, 5, 8, 13, 20"; "a number from 1 to 10")."""
        if self.choices:
            return _message("choices", choices=", ".join(show(c) for c in self.choices))
        name = "range_above" if self.minimum_exclusive else "range"
        return _message(name, minimum=show(self.minimum), maximum=show(self.maximum))

    def problem(self, raw: object) -> tuple[Decimal | None, str | None]:
        """The answer as a Decimal, or the message that says why it cannot be one."""
        label = _(self.label) if self.label else self.key
        number = _coerce(raw)
        if isinstance(number, _Missing):
            return None, _message("missing", label=label, allowed=self.allowed())
        if isinstance(number, _NotNumber):
            return None, _message("not_number", label=label, given=_given(raw), allowed=self.allowed())
        if isinstance(number, _NotFinite):
            return None, _message("not_finite", label=label, given=_given(raw), allowed=self.allowed())
        if self.choices and number not in self.choices:
            return None, _message("not_on_scale", label=label, given=show(number), allowed=self.allowed())
        below = number <= self.minimum if self.minimum_exclusive else number < self.minimum
        if below or number > self.maximum:
            return None, _message("out_of_range", label=label, given=show(number), allowed=self.allowed())
        return number, None

    def as_dict(self) -> dict[str, object]:
        """The criterion as JSON-ready data (numbers as strings, so none is rounded through a float)."""
        data: dict[str, object] = {
            "key": self.key,
            "label": self.label,
            "minimum": str(self.minimum),
            "maximum": str(self.maximum),
            "weight": str(self.weight),
            "role": self.role,
        }
        if self.help:
            data["help"] = self.help
        if self.choices:
            data["choices"] = [str(choice) for choice in self.choices]
        if self.minimum_exclusive:
            data["minimum_exclusive"] = True
        return data


class ScoringError(ValueError):
    """Answers (or a model definition) that cannot be scored; ``problems`` maps each bad field to its message."""

    def __init__(self, problems: Mapping[str, str]) -> None:
        self.problems: dict[str, str] = dict(problems)
        super().__init__(" ".join(self.problems.values()))


@dataclass(frozen=True)
class Score:
    """What a model makes of one process's answers.

    ``total`` ranks the processes of a round (its scale depends on the model); ``value`` and ``effort`` are the
    axes of the value/effort matrix, both normalised onto 0–10 whatever the model.  All three are exact to 28
    significant digits; :meth:`rounded` gives what is shown.
    """

    total: Decimal
    value: Decimal
    effort: Decimal

    def rounded(self) -> Score:
        """The same score with two decimal places (for display and for storing in a two-place column)."""
        return Score(total=quantise(self.total), value=quantise(self.value), effort=quantise(self.effort))


# --- Models ----------------------------------------------------------------------------------------------------------


class ScoringModel(ABC):
    """The base of every scoring model: criteria, a validator that collects every problem, and a formula.

    A plug-in sets ``key``, ``label``, ``description`` and ``criteria`` and implements :meth:`compute` (called
    with validated answers only); :meth:`validate` and :meth:`score` come with the base.
    """

    key: str = ""
    label: str = ""
    description: str = ""
    criteria: tuple[Criterion, ...] = ()

    def validate(self, answers: Mapping[str, object]) -> dict[str, Decimal]:
        """Every criterion's answer as a Decimal, or a :class:`ScoringError` listing every problem at once.

        Keys of ``answers`` that are not criteria are ignored (forms post more than the answers).
        """
        clean: dict[str, Decimal] = {}
        problems: dict[str, str] = {}
        for criterion in self.criteria:
            number, problem = criterion.problem(answers.get(criterion.key))
            if problem is not None:
                problems[criterion.key] = problem
            elif number is not None:
                clean[criterion.key] = number
        if problems:
            raise ScoringError(problems)
        return clean

    def score(self, answers: Mapping[str, object]) -> Score:
        """The score of one process: answers are validated first, so a bad answer raises :class:`ScoringError`."""
        clean = self.validate(answers)
        with localcontext(_CONTEXT):
            score = self.compute(clean)
        return Score(total=_tidy(score.total), value=_tidy(_clamp(score.value)), effort=_tidy(_clamp(score.effort)))

    @abstractmethod
    def compute(self, answers: Mapping[str, Decimal]) -> Score:
        """The formula, given valid answers; runs inside the module's fixed decimal context."""

    def criterion(self, key: str) -> Criterion:
        for criterion in self.criteria:
            if criterion.key == key:
                return criterion
        raise KeyError(key)

    def definition(self) -> list[dict[str, object]]:
        """The criteria as JSON-ready dicts; those of a :class:`WeightedModel` are what
        :func:`weighted_model_from_definition` reads back (it has no use for ``choices``)."""
        return [criterion.as_dict() for criterion in self.criteria]

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.key!r}>"


def _tidy(number: Decimal) -> Decimal:
    """The same number without trailing zeros or exponent (``10`` rather than ``1E+1``, ``0`` rather than ``0E+27``)."""
    tidy = number.normalize(_CONTEXT)
    exponent = tidy.as_tuple().exponent
    return tidy.quantize(ONE, context=_CONTEXT) if isinstance(exponent, int) and exponent > 0 else tidy


def _clamp(number: Decimal) -> Decimal:
    """Keep an axis on 0–10 (a guard against a plug-in's overshoot; the built-in formulas stay inside already)."""
    return min(max(number, ZERO), TEN)


def _linear(number: Decimal, low: Decimal, high: Decimal, onto: tuple[Decimal, Decimal] = (ZERO, TEN)) -> Decimal:
    """``number`` from ``low``..``high`` onto ``onto`` (a straight line)."""
    start, end = onto
    return start + (number - low) / (high - low) * (end - start)


class ValueEffortModel(ScoringModel):
    """Value and effort rated 1–10 by the analyst; ranked by value per unit of effort.

    total = value ÷ effort (from 0.1 to 10); the matrix axes are the two answers themselves.
    """

    key = "value_effort"
    label = gettext_noop("Value / effort")
    description = gettext_noop(
        "Rate the value of changing the process and the effort it takes, each from 1 to 10; processes are ranked "
        "by value per unit of effort."
    )
    criteria = (
        Criterion(
            key="value",
            label=gettext_noop("Value"),
            minimum=ONE,
            maximum=TEN,
            role="value",
            help=gettext_noop("What changing the process brings: 1 very little, 10 a great deal."),
        ),
        Criterion(
            key="effort",
            label=gettext_noop("Effort"),
            minimum=ONE,
            maximum=TEN,
            role="effort",
            help=gettext_noop("What changing the process costs in time, people and money: 1 very little, 10 a lot."),
        ),
    )

    def compute(self, answers: Mapping[str, Decimal]) -> Score:
        value, effort = answers["value"], answers["effort"]
        return Score(total=value / effort, value=value, effort=effort)


#: The modified Fibonacci scale of WSJF estimates.
FIBONACCI = tuple(Decimal(n) for n in (1, 2, 3, 5, 8, 13, 20))


class WsjfModel(ScoringModel):
    """Weighted shortest job first (SAFe): cost of delay divided by job size, every estimate on 1, 2, 3, 5, 8, 13, 20.

    total = (business value + time criticality + risk reduction) ÷ job size, from 0.15 to 60.
    Axes: the scale is nearly geometric (each step about 1.6 times the last), so both are log-scaled.
    value = 10 × ln(cost of delay ÷ 3) ÷ ln 20 (cost of delay runs 3–60, so 3 → 0 and 60 → 10; 15 → 5.4);
    effort = 10 × ln(job size) ÷ ln 20 (1 → 0, 3 → 3.7, 5 → 5.4, 20 → 10).
    """

    key = "wsjf"
    label = gettext_noop("WSJF (weighted shortest job first)")
    description = gettext_noop(
        "Estimate business value, time criticality, risk reduction or opportunity enablement, and job size on the "
        "scale 1, 2, 3, 5, 8, 13, 20; processes are ranked by cost of delay divided by job size."
    )
    criteria = (
        Criterion(
            key="business_value",
            label=gettext_noop("Business value"),
            minimum=ONE,
            maximum=Decimal(20),
            role="value",
            choices=FIBONACCI,
            help=gettext_noop("What the change is worth to the people the process serves."),
        ),
        Criterion(
            key="time_criticality",
            label=gettext_noop("Time criticality"),
            minimum=ONE,
            maximum=Decimal(20),
            role="value",
            choices=FIBONACCI,
            help=gettext_noop("How fast the value decays if the change waits (deadlines, fixed dates)."),
        ),
        Criterion(
            key="risk_reduction",
            label=gettext_noop("Risk reduction / opportunity enablement"),
            minimum=ONE,
            maximum=Decimal(20),
            role="value",
            choices=FIBONACCI,
            help=gettext_noop("The risk the change removes, or the later changes it makes possible."),
        ),
        Criterion(
            key="job_size",
            label=gettext_noop("Job size"),
            minimum=ONE,
            maximum=Decimal(20),
            role="effort",
            choices=FIBONACCI,
            help=gettext_noop("The effort of the change, relative to the other processes of the round."),
        ),
    )
    _LN20: ClassVar[Decimal] = Decimal(20).ln(_CONTEXT)

    def compute(self, answers: Mapping[str, Decimal]) -> Score:
        cost_of_delay = answers["business_value"] + answers["time_criticality"] + answers["risk_reduction"]
        size = answers["job_size"]
        return Score(
            total=cost_of_delay / size,
            value=TEN * (cost_of_delay / 3).ln() / self._LN20,
            effort=TEN * size.ln() / self._LN20,
        )


RICE_IMPACTS = tuple(Decimal(n) for n in ("0.25", "0.5", "1", "2", "3"))
RICE_MAX_REACH = Decimal(10_000_000)
RICE_MAX_EFFORT = Decimal(1000)


class RiceModel(ScoringModel):
    """RICE: reach × impact × confidence ÷ effort.

    total = reach × impact × (confidence ÷ 100) ÷ effort (cases per person-month of work).
    Axes: reach spans seven orders of magnitude and effort three, so both axes are log-scaled (``1 +`` keeps
    zero at zero):
    value = 10 × log10(1 + reach × impact × confidence ÷ 100) ÷ log10(1 + 30,000,000), the largest possible
    product (1,000 → 4.0; 100,000 → 6.7; 30,000,000 → 10);
    effort = 10 × log10(1 + person-months) ÷ log10(1001) (1 → 1.0; 9 → 3.3; 99 → 6.7; 1,000 → 10).
    """

    key = "rice"
    label = gettext_noop("RICE (reach, impact, confidence, effort)")
    description = gettext_noop(
        "Estimate how many people or cases the change reaches in a year, its impact on each, your confidence in "
        "these estimates, and the effort in person-months; processes are ranked by reach × impact × confidence "
        "÷ effort."
    )
    criteria = (
        Criterion(
            key="reach",
            label=gettext_noop("Reach"),
            minimum=ZERO,
            maximum=RICE_MAX_REACH,
            role="value",
            help=gettext_noop("People or cases the change reaches in a year."),
        ),
        Criterion(
            key="impact",
            label=gettext_noop("Impact"),
            minimum=Decimal("0.25"),
            maximum=Decimal(3),
            role="value",
            choices=RICE_IMPACTS,
            help=gettext_noop("Impact on each person or case: 0.25 minimal, 0.5 low, 1 medium, 2 high, 3 massive."),
        ),
        Criterion(
            key="confidence",
            label=gettext_noop("Confidence (%)"),
            minimum=ZERO,
            maximum=Decimal(100),
            role="value",
            help=gettext_noop("How sure you are of the other estimates, in per cent."),
        ),
        Criterion(
            key="effort",
            label=gettext_noop("Effort (person-months)"),
            minimum=ZERO,
            maximum=RICE_MAX_EFFORT,
            role="effort",
            minimum_exclusive=True,
            help=gettext_noop("Work needed for the change, in person-months (more than 0)."),
        ),
    )
    _LOG_MAX_VALUE: ClassVar[Decimal] = (1 + RICE_MAX_REACH * 3).log10(_CONTEXT)
    _LOG_MAX_EFFORT: ClassVar[Decimal] = (1 + RICE_MAX_EFFORT).log10(_CONTEXT)

    def compute(self, answers: Mapping[str, Decimal]) -> Score:
        reached = answers["reach"] * answers["impact"] * answers["confidence"] / 100
        effort = answers["effort"]
        return Score(
            total=reached / effort,
            value=TEN * (1 + reached).log10() / self._LOG_MAX_VALUE,
            effort=TEN * (1 + effort).log10() / self._LOG_MAX_EFFORT,
        )


class WeightedModel(ScoringModel):
    """Criteria of the organisation's own choosing, each with a range, a weight and a role (value or effort).

    Each answer is placed on its criterion's range first, so criteria on different scales weigh what their
    weights say: value criteria onto 0–10, effort criteria onto 1–10 (the least effort still counts as 1, so
    no division by zero).  value = weighted mean of the value criteria; effort = weighted mean of the effort
    criteria; total = value ÷ effort (from 0 to 10).
    """

    def __init__(self, key: str, label: str, criteria: Sequence[Criterion], description: str = "") -> None:
        keys = [criterion.key for criterion in criteria]
        if not SLUG.match(key):
            raise ValueError(f"Model key {key!r} may only contain letters, digits, hyphens and underscores.")
        if len(set(keys)) != len(keys):
            raise ValueError(f"Model {key!r}: criterion keys {keys} are not unique.")
        for role in ROLES:
            if not any(criterion.role == role for criterion in criteria):
                raise ValueError(f"Model {key!r} needs at least one {role} criterion.")
        self.key = key
        self.label = label
        self.description = description
        self.criteria = tuple(criteria)

    @staticmethod
    def _mean(pairs: Iterable[tuple[Decimal, Decimal]]) -> Decimal:
        weighted = total_weight = ZERO
        for number, weight in pairs:
            weighted += number * weight
            total_weight += weight
        return weighted / total_weight

    def compute(self, answers: Mapping[str, Decimal]) -> Score:
        value = self._mean(
            (_linear(answers[c.key], c.minimum, c.maximum), c.weight) for c in self.criteria if c.role == "value"
        )
        effort = self._mean(
            (_linear(answers[c.key], c.minimum, c.maximum, onto=(ONE, TEN)), c.weight)
            for c in self.criteria
            if c.role == "effort"
        )
        return Score(total=value / effort, value=value, effort=effort)


def weighted_model_from_definition(
    definition: object, *, key: str = "weighted", label: str = "", description: str = ""
) -> WeightedModel:
    """A :class:`WeightedModel` from criteria defined in the UI: a list of dicts ``{key, label, minimum, maximum,
    weight, role}`` (``weight`` defaults to 1, ``help`` is optional; numbers may be text).

    Every problem is collected before anything is refused, in a :class:`ScoringError` whose ``problems`` are keyed
    ``criteria.<index>.<field>`` (index from 0, as in a form set; the message counts from 1, as people do) or
    ``criteria`` for problems of the whole list.
    """
    problems: dict[str, str] = {}
    if not isinstance(definition, Sequence) or isinstance(definition, str | bytes):
        raise ScoringError({"criteria": _message("def_not_list")})
    criteria: list[Criterion] = []
    first_use: dict[str, int] = {}
    roles: set[str] = set()
    for index, item in enumerate(definition):
        number = index + 1
        where = f"criteria.{index}"
        if not isinstance(item, Mapping):
            problems[where] = _message("def_not_mapping", number=number)
            continue
        fields: dict[str, Any] = dict(item)
        raw_key = str(fields.get("key") or "").strip()
        bad = False
        if not raw_key:
            problems[f"{where}.key"] = _message("def_key_missing", number=number)
            bad = True
        elif not SLUG.match(raw_key):
            problems[f"{where}.key"] = _message("def_key_slug", number=number, key=_given(raw_key))
            bad = True
        elif raw_key in first_use:
            problems[f"{where}.key"] = _message(
                "def_key_duplicate", number=number, key=raw_key, first=first_use[raw_key] + 1
            )
            bad = True
        else:
            first_use[raw_key] = index
        shown_key = _given(raw_key) or "?"
        raw_label = str(fields.get("label") or "").strip()
        if not raw_label:
            problems[f"{where}.label"] = _message("def_label", number=number, key=shown_key)
            bad = True
        numbers: dict[str, Decimal] = {}
        for name in ("minimum", "maximum", "weight"):
            raw = fields.get(name, 1 if name == "weight" else None)
            parsed = _coerce(raw)
            if isinstance(parsed, Decimal):
                numbers[name] = parsed
                continue
            bad = True
            field_name = _message(f"field_{name}")
            if isinstance(parsed, _Missing):
                problems[f"{where}.{name}"] = _message(
                    "def_number_missing", number=number, key=shown_key, field=field_name
                )
            else:
                problems[f"{where}.{name}"] = _message(
                    "def_number", number=number, key=shown_key, field=field_name, given=_given(raw)
                )
        if "minimum" in numbers and "maximum" in numbers and numbers["minimum"] >= numbers["maximum"]:
            problems[f"{where}.maximum"] = _message(
                "def_min_max",
                number=number,
                key=shown_key,
                minimum=show(numbers["minimum"]),
                maximum=show(numbers["maximum"]),
            )
            bad = True
        if "weight" in numbers and numbers["weight"] <= 0:
            problems[f"{where}.weight"] = _message(
                "def_weight", number=number, key=shown_key, weight=show(numbers["weight"])
            )
            bad = True
        role = fields.get("role")
        if role in ROLES:
            roles.add(str(role))
        else:
            problems[f"{where}.role"] = _message("def_role", number=number, key=shown_key, role=_given(role or ""))
            bad = True
        if not bad:
            criteria.append(
                Criterion(
                    key=raw_key,
                    label=raw_label,
                    minimum=numbers["minimum"],
                    maximum=numbers["maximum"],
                    weight=numbers["weight"],
                    role="value" if role == "value" else "effort",
                    help=str(fields.get("help") or "").strip(),
                )
            )
    missing_roles = [_message("def_no_value")] if "value" not in roles else []
    if "effort" not in roles:
        missing_roles.append(_message("def_no_effort"))
    if missing_roles:
        problems["criteria"] = " ".join(missing_roles)
    if problems:
        raise ScoringError(problems)
    return WeightedModel(key, label or key, criteria, description=description)


#: Every scoring model by key: the built-ins, and plug-ins added with :func:`register_model`.
MODELS: dict[str, ScoringModel] = {}


def register_model(model: ScoringModel, *, replace: bool = False) -> ScoringModel:
    """Make ``model`` available by its key; a second model with the same key is refused unless ``replace``."""
    if not SLUG.match(model.key or ""):
        raise ValueError(f"Model key {model.key!r} may only contain letters, digits, hyphens and underscores.")
    if model.key in MODELS and not replace:
        raise ValueError(f"A scoring model with key {model.key!r} is already registered ({MODELS[model.key]!r}).")
    if not any(c.role == "value" for c in model.criteria) or not any(c.role == "effort" for c in model.criteria):
        raise ValueError(f"Model {model.key!r} needs at least one value criterion and one effort criterion.")
    MODELS[model.key] = model
    return model


for _builtin in (ValueEffortModel(), WsjfModel(), RiceModel()):
    register_model(_builtin)


# --- Ranking and quick wins ------------------------------------------------------------------------------------------


def rank(scores: Mapping[int, Score]) -> list[tuple[int, int, Score]]:
    """``(rank, process id, score)`` by total, highest first; equal totals share a rank and the next rank skips
    (1, 2, 2, 4: "standard competition" ranking, as in sport), and are listed by process id."""
    ordered = sorted(scores.items(), key=lambda item: (item[1].total.copy_negate(), item[0]))
    ranked: list[tuple[int, int, Score]] = []
    for position, (process_id, score) in enumerate(ordered, start=1):
        if ranked and ranked[-1][2].total == score.total:
            ranked.append((ranked[-1][0], process_id, score))
        else:
            ranked.append((position, process_id, score))
    return ranked


@dataclass(frozen=True)
class QuickWinRule:
    """A quick win has value at least ``min_value`` and effort at most ``max_effort`` (both on the 0–10 axes)."""

    min_value: Decimal = field(default=Decimal(6))
    max_effort: Decimal = field(default=Decimal(4))


def quick_win_reasons(
    score: Score, *, rule: QuickWinRule, blocking_upstream: Sequence[str], has_owner: bool
) -> list[str]:
    """Why a process is not a quick win, in sentences; an empty list means it is one.

    A quick win has high value and low effort (by ``rule``, compared exactly), no upstream process that blocks
    it (``blocking_upstream`` names them, in the order to show) and an owner.  A value just below the threshold
    is shown rounded down and an effort just above rounded up, so the message never reads "6.00 is below 6".
    """
    reasons: list[str] = []
    if score.value < rule.min_value:
        reasons.append(
            _message("low_value", value=f"{quantise(score.value, ROUND_FLOOR):f}", minimum=show(rule.min_value))
        )
    if score.effort > rule.max_effort:
        reasons.append(
            _message("high_effort", effort=f"{quantise(score.effort, ROUND_CEILING):f}", maximum=show(rule.max_effort))
        )
    names = [name.strip() for name in blocking_upstream if name and name.strip()]
    if names:
        reasons.append(_message("blocked", names=", ".join(names)))
    elif blocking_upstream:
        reasons.append(_message("blocked", names="—"))
    if not has_owner:
        reasons.append(_message("no_owner"))
    return reasons
