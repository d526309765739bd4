"""Web forms of assessment rounds and bottom-up submissions.  They collect and shape input; the services decide.

The round and score forms also ask :mod:`orbit.processes.scoring` (a pure module, the one the services use)
about custom criteria and answers, so every problem shows next to its own field in one pass, instead of the
first one the service meets; the services check the same things again before they write.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from orbit.core.forms import VersionedForm
from orbit.organisation.models import OrgUnit
from orbit.processes import scoring
from orbit.processes.models import Submission
from orbit.results.forms import ServiceForm, UnitChoiceField

#: The model key of a round with its own criteria (see :func:`orbit.processes.services.round_model`).
WEIGHTED = "weighted"
#: Blank criteria rows offered on the new-round form (no script adds rows, so a few are there from the start).
CRITERIA_ROWS = 6
MAX_CRITERIA = 20
#: The fields of one criteria row, as :func:`scoring.weighted_model_from_definition` names them.
CRITERION_FIELDS = ("key", "label", "minimum", "maximum", "weight", "role")


def model_choices() -> list[tuple[str, str]]:
    """Every registered scoring model, then the custom one, in the reader's language."""
    built_in = [(key, gettext(model.label)) for key, model in scoring.MODELS.items()]
    return [*built_in, (WEIGHTED, gettext("Custom weighted criteria"))]


def model_label(key: str) -> str:
    return dict(model_choices()).get(key, key)


# --- a new round --------------------------------------------------------------------------------------------------


class CriterionRowForm(forms.Form):
    """One custom criterion; a row left blank is no criterion."""

    key = forms.CharField(label=_("Key"), max_length=40, required=False, widget=forms.TextInput(attrs={"size": 12}))
    label = forms.CharField(label=_("Question"), max_length=200, required=False)
    minimum = forms.DecimalField(
        label=_("Minimum"), required=False, max_digits=12, decimal_places=4,
        widget=forms.NumberInput(attrs={"step": "any", "size": 6}),
    )  # fmt: skip
    maximum = forms.DecimalField(
        label=_("Maximum"), required=False, max_digits=12, decimal_places=4,
        widget=forms.NumberInput(attrs={"step": "any", "size": 6}),
    )  # fmt: skip
    weight = forms.DecimalField(
        label=_("Weight"), required=False, initial=1, max_digits=8, decimal_places=4,
        widget=forms.NumberInput(attrs={"step": "any", "min": "0", "size": 5}),
    )  # fmt: skip
    role = forms.ChoiceField(
        label=_("Role"), required=False,
        choices=[("", "—"), ("value", _("Value (more is better)")), ("effort", _("Effort (more is worse)"))],
    )  # fmt: skip

    def is_blank(self) -> bool:
        """Nothing but the default weight was given (read from the input, so a bad number still counts)."""
        return not any(str(self[name].value() or "").strip() for name in ("key", "label", "minimum", "maximum", "role"))


CriteriaFormSet = forms.formset_factory(CriterionRowForm, extra=CRITERIA_ROWS, max_num=MAX_CRITERIA, validate_max=True)


class RoundForm(ServiceForm):
    name = forms.CharField(label=_("Name"), max_length=200, help_text=_("e.g. Administrative services 2026."))
    owner_unit = UnitChoiceField(
        label=_("Run by"), queryset=OrgUnit.objects.none(),
        help_text=_("Only units where you may change things are listed; their members with that right score."),
    )  # fmt: skip
    model_key = forms.ChoiceField(label=_("Scoring model"), widget=forms.RadioSelect)
    quick_win_min_value = forms.DecimalField(
        label=_("Quick win: value at least"), initial=6, min_value=0, max_value=10, max_digits=5, decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "any"}), help_text=_("On the 0–10 value axis of the matrix."),
    )  # fmt: skip
    quick_win_max_effort = forms.DecimalField(
        label=_("Quick win: effort at most"), initial=4, min_value=0, max_value=10, max_digits=5, decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "any"}), help_text=_("On the 0–10 effort axis of the matrix."),
    )  # fmt: skip

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner_unit"].queryset = units  # type: ignore[attr-defined]
        self.fields["model_key"].choices = model_choices()  # type: ignore[attr-defined]
        self.criteria_rows = CriteriaFormSet(self.data if self.is_bound else None, prefix="criteria")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        rows = self.criteria_rows
        rows_valid = rows.is_valid()
        filled = [(index, row) for index, row in enumerate(rows.forms) if not row.is_blank()]
        model_key = data.get("model_key")
        data["criteria"] = None
        if model_key and model_key != WEIGHTED:
            if filled:
                self.add_error(
                    "model_key",
                    _("Criteria rows are filled in, but only custom weighted criteria use them: choose that model, "
                      "or clear the rows."),
                )  # fmt: skip
            return data
        if model_key != WEIGHTED:
            return data
        if not rows_valid:
            raise ValidationError(_("Correct the criteria marked below."))
        definition = [
            {
                "key": row.cleaned_data.get("key", ""),
                "label": row.cleaned_data.get("label", ""),
                "minimum": row.cleaned_data.get("minimum"),
                "maximum": row.cleaned_data.get("maximum"),
                "weight": row.cleaned_data.get("weight") or Decimal(1),
                "role": row.cleaned_data.get("role", ""),
            }
            for _index, row in filled
        ]
        try:
            model = scoring.weighted_model_from_definition(definition)
        except scoring.ScoringError as exc:
            if self._place_problems(exc.problems, [row for _index, row in filled]):
                self.add_error(None, _("Correct the criteria marked below."))
            return data
        data["criteria"] = model.definition()
        return data

    def _place_problems(self, problems: dict[str, str], rows: Sequence[CriterionRowForm]) -> bool:
        """``criteria.<n>.<field>`` onto that field of the n-th filled row; problems of the whole list above the
        form.  Whether any landed on a row."""
        on_rows = False
        for where, message in problems.items():
            parts = where.split(".")
            if len(parts) >= 2 and parts[1].isdigit() and int(parts[1]) < len(rows):
                row = rows[int(parts[1])]
                field = parts[2] if len(parts) == 3 and parts[2] in CRITERION_FIELDS else None
                row.add_error(field, message)
                on_rows = True
            else:
                self.add_error(None, message)
        return on_rows


# --- scoring a process --------------------------------------------------------------------------------------------


def answer_field(key: str) -> str:
    """The form field of a criterion: ``answers.<key>``, the name the service's errors use."""
    return f"answers.{key}"


class ScoreForm(forms.Form):
    """A process and one answer per criterion of the round's model; the model checks the answers."""

    process = forms.TypedChoiceField(label=_("Process"), coerce=int)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(
        self, *args: Any, model: scoring.ScoringModel, processes: Sequence[tuple[int, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.model = model
        self.fields["process"].choices = [("", gettext("— choose a process —")), *processes]  # type: ignore[attr-defined]
        note = self.fields.pop("note")
        for criterion in model.criteria:
            self.fields[answer_field(criterion.key)] = _answer_input(criterion)
        self.fields["note"] = note

    def answer_fields(self) -> list[forms.BoundField]:
        return [self[answer_field(c.key)] for c in self.model.criteria]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        answers = {c.key: data.get(answer_field(c.key)) for c in self.model.criteria}
        try:
            self.model.validate({k: v for k, v in answers.items() if v not in (None, "")})
        except scoring.ScoringError as exc:
            for key, message in exc.problems.items():
                name = answer_field(key)
                if name in self.fields and name not in self.errors:
                    self.add_error(name, message)
        data["answers"] = answers
        return data


def _answer_input(criterion: scoring.Criterion) -> forms.Field:
    """A select of the scale when the criterion has one (WSJF, RICE impact), else a number input."""
    label = gettext(criterion.label) if criterion.label else criterion.key
    answer = gettext("Answer with %(allowed)s.") % {"allowed": criterion.allowed()}
    help_text = f"{gettext(criterion.help)} {answer}" if criterion.help else answer
    if criterion.choices:
        return forms.ChoiceField(
            label=label, required=False, help_text=help_text,
            choices=[("", "—"), *((scoring.show(c), scoring.show(c)) for c in criterion.choices)],
        )  # fmt: skip
    attrs = {"min": scoring.show(criterion.minimum), "max": scoring.show(criterion.maximum), "step": "any"}
    return forms.CharField(label=label, required=False, help_text=help_text, widget=forms.NumberInput(attrs=attrs))


def answers_initial(model: scoring.ScoringModel, answers: dict[str, Any]) -> dict[str, str]:
    """Stored answers as the form shows them (``5`` rather than ``5.0``, so a scale's option is selected)."""
    initial: dict[str, str] = {}
    for criterion in model.criteria:
        raw = answers.get(criterion.key)
        if raw in (None, ""):
            continue
        try:
            initial[answer_field(criterion.key)] = scoring.show(Decimal(str(raw)))
        except ArithmeticError:
            initial[answer_field(criterion.key)] = str(raw)
    return initial


class CloseRoundForm(VersionedForm):
    reason = forms.CharField(label=_("Reason (optional)"), max_length=500, required=False)


# --- submissions ------------------------------------------------------------------------------------------------


class SubmissionForm(forms.Form):
    kind = forms.ChoiceField(label=_("What are you telling us about?"), choices=Submission.Kind.choices,
                             widget=forms.RadioSelect, initial=Submission.Kind.PAIN_POINT)  # fmt: skip
    title = forms.CharField(label=_("Title"), max_length=300, help_text=_("A few words, e.g. Travel claims on paper."))
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What happens today, what goes wrong or what could be better, and who is involved."),
    )  # fmt: skip
    unit = UnitChoiceField(label=_("Unit concerned"), queryset=OrgUnit.objects.none())
    process = forms.TypedChoiceField(label=_("Process concerned (optional)"), coerce=int, required=False,
                                     empty_value=None)  # fmt: skip

    def __init__(self, *args: Any, units: Any, processes: Sequence[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
        self.fields["process"].choices = [("", gettext("— I do not know —")), *processes]  # type: ignore[attr-defined]


#: Review decisions: (the submission's status, whether a new process is created).
DECISIONS: dict[str, tuple[str, bool]] = {
    "merge": (Submission.Status.MERGED, False),
    "create": (Submission.Status.MERGED, True),
    "decline": (Submission.Status.DECLINED, False),
    "duplicate": (Submission.Status.DUPLICATE, False),
}


class ProcessLookup:
    """Find a process among ``(pk, "code — name")`` choices by the whole text (as a ``<datalist>`` fills it in)
    or by its code alone (as people type it)."""

    def __init__(self, choices: Sequence[tuple[int, str]]) -> None:
        self.choices = list(choices)
        self.by_text = {text: pk for pk, text in self.choices}
        self.by_code = {text.split(" — ", 1)[0].strip().upper(): pk for pk, text in self.choices}
        self.text_of = dict(self.choices)

    def find(self, given: str) -> int | None:
        text = given.strip()
        found = self.by_text.get(text)
        if found is None:
            found = self.by_code.get(text.split(" — ", 1)[0].strip().upper())
        return found


class ReviewForm(VersionedForm):
    """The decision on one submission.  Many sit on one page, each its own ``<form>``; ``auto_id`` keeps their
    ids apart while the field names stay plain (so a conflict rebinds them like any versioned form)."""

    decision = forms.ChoiceField(
        label=_("Decision"), widget=forms.RadioSelect,
        choices=[("merge", _("Merge into an existing process")), ("create", _("Create a new process from it")),
                 ("decline", _("Decline")), ("duplicate", _("Duplicate of an existing process"))],
    )  # fmt: skip
    merged_into = forms.CharField(
        label=_("Existing process"), required=False, max_length=400,
        widget=forms.TextInput(attrs={"list": "process-codes", "autocomplete": "off"}),
        help_text=_("Its code, e.g. DEPT-A-P001 (the list suggests processes as you type). "
                    "Needed to merge or to mark as a duplicate."),
    )  # fmt: skip
    outcome = forms.CharField(
        label=_("What became of it"), widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The submitter reads this."),
    )  # fmt: skip

    def __init__(self, *args: Any, lookup: ProcessLookup, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lookup = lookup

    def clean_merged_into(self) -> int | None:
        given = str(self.cleaned_data.get("merged_into") or "").strip()
        if not given:
            return None
        found = self.lookup.find(given)
        if found is None:
            raise ValidationError(_("No process has the code “%(code)s”.") % {"code": given[:80]})
        return found

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        decision = data.get("decision")
        if decision in ("merge", "duplicate") and not data.get("merged_into") and "merged_into" not in self.errors:
            self.add_error("merged_into", _("Name the existing process (its code)."))
        return data
