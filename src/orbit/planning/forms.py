"""Web forms of the planning pages.  They collect and shape input; the services validate, decide and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from orbit.core.codes import country_codes
from orbit.core.forms import TranslatedTextFormField, TranslatedTextWidget, VersionedForm
from orbit.core.i18n import pick
from orbit.organisation.models import OrgUnit
from orbit.planning.models import ActivityStatus, ActivityType, FundingSource, ItuRegion, RegionalInitiative
from orbit.planning.models.budget import DEFAULT_CURRENCY
from orbit.results.forms import DATE, ReasonMixin, ServiceForm, UnitChoiceField
from orbit.results.models import ResultNode


class NodeMultipleChoiceField(forms.ModelMultipleChoiceField[ResultNode]):
    def label_from_instance(self, obj: ResultNode) -> str:
        return f"{obj.framework.code} {obj.code} {pick(obj.title)}"[:160]


class UnitMultipleChoiceField(forms.ModelMultipleChoiceField[OrgUnit]):
    def label_from_instance(self, obj: OrgUnit) -> str:
        return f"{obj.code} — {pick(obj.name)}"


class CodeListField(forms.CharField):
    """Codes separated by commas or spaces, e.g. ``ET, KE``; checked against an allowed set, upper-cased."""

    def __init__(self, *args: Any, allowed: Any = None, what: Any = "code", **kwargs: Any) -> None:
        super().__init__(*args, required=False, **kwargs)
        self.allowed = allowed
        self.what = what

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        codes = [c.strip().upper() for c in text.replace(";", ",").replace(" ", ",").split(",") if c.strip()]
        allowed = self.allowed() if callable(self.allowed) else self.allowed
        unknown = [c for c in codes if allowed is not None and c not in allowed]
        if unknown:
            raise ValidationError(
                _("Unknown %(what)s code(s): %(codes)s.") % {"what": self.what, "codes": ", ".join(unknown)}
            )
        return list(dict.fromkeys(codes))

    def prepare_value(self, value: Any) -> Any:
        return ", ".join(value) if isinstance(value, list) else value


class LinesField(forms.CharField):
    """One entry per line (partners)."""

    widget = forms.Textarea(attrs={"rows": 2})

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        return [line.strip() for line in text.splitlines() if line.strip()]

    def prepare_value(self, value: Any) -> Any:
        return "\n".join(value) if isinstance(value, list) else value


class ActivityForm(ServiceForm, ReasonMixin):
    title = TranslatedTextFormField(label=_("Title"), max_length=500)
    description = TranslatedTextFormField(
        label=_("Description"), required=False, widget=TranslatedTextWidget(textarea=True)
    )
    type = forms.ChoiceField(label=_("Type"), choices=ActivityType.choices)
    responsible_unit = UnitChoiceField(
        label=_("Responsible unit"), queryset=OrgUnit.objects.none(),
        help_text=_("Only units where you may plan are listed."),
    )  # fmt: skip
    contributing_units = UnitMultipleChoiceField(
        label=_("Contributing units"), queryset=OrgUnit.objects.none(), required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )  # fmt: skip
    nodes = NodeMultipleChoiceField(
        label=_("Results it serves"), queryset=ResultNode.objects.none(), required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}), help_text=_("Usually outputs of the operational plan."),
    )  # fmt: skip
    sdg_targets = NodeMultipleChoiceField(
        label=_("SDG targets"), queryset=ResultNode.objects.none(), required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )  # fmt: skip
    initiatives = forms.ModelMultipleChoiceField(
        label=_("Regional initiatives"), queryset=RegionalInitiative.objects.none(), required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )  # fmt: skip
    countries = CodeListField(
        label=_("Countries"), allowed=country_codes, what=_("country"),
        help_text=_("ISO 3166 two-letter codes separated by commas, e.g. ET, KE."),
    )  # fmt: skip
    regions = forms.MultipleChoiceField(
        label=_("ITU regions"), choices=ItuRegion.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    partners = LinesField(label=_("Partners"), required=False, help_text=_("One organisation per line."))
    planned_start = forms.DateField(label=_("Planned start"), widget=DATE, required=False)
    planned_end = forms.DateField(label=_("Planned end"), widget=DATE, required=False)
    actual_start = forms.DateField(label=_("Actual start"), widget=DATE, required=False)
    actual_end = forms.DateField(label=_("Actual end"), widget=DATE, required=False)
    status = forms.ChoiceField(label=_("Status"), choices=ActivityStatus.choices)
    status_reason = forms.CharField(
        label=_("Reason for the status"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when the activity is delayed or cancelled."),
    )  # fmt: skip
    is_sample = forms.BooleanField(label=_("Sample data"), required=False)

    def __init__(self, *args: Any, units: Any, all_units: Any, nodes: Any, sdg_targets: Any, initiatives: Any,
                 **kwargs: Any) -> None:  # fmt: skip
        super().__init__(*args, **kwargs)
        self.fields["responsible_unit"].queryset = units  # type: ignore[attr-defined]
        self.fields["contributing_units"].queryset = all_units  # type: ignore[attr-defined]
        self.fields["nodes"].queryset = nodes  # type: ignore[attr-defined]
        self.fields["sdg_targets"].queryset = sdg_targets  # type: ignore[attr-defined]
        self.fields["initiatives"].queryset = initiatives  # type: ignore[attr-defined]


class ActivityEditForm(VersionedForm, ActivityForm):
    pass


class MilestoneForm(ServiceForm, ReasonMixin):
    title = TranslatedTextFormField(label=_("Title"), max_length=300)
    due_date = forms.DateField(label=_("Due date"), widget=DATE)
    done_date = forms.DateField(label=_("Done date"), widget=DATE, required=False)


class MilestoneEditForm(VersionedForm, MilestoneForm):
    pass


class BudgetLineForm(ServiceForm, ReasonMixin):
    source = forms.ChoiceField(label=_("Funding source"), choices=FundingSource.choices)
    year = forms.IntegerField(label=_("Year"), min_value=1900, max_value=2200)
    currency = forms.CharField(
        label=_("Currency"), max_length=3, initial=DEFAULT_CURRENCY, help_text=_("ISO 4217 code, e.g. CHF or USD.")
    )
    planned = forms.DecimalField(label=_("Planned"), max_digits=16, decimal_places=2, min_value=0, initial=0)
    committed = forms.DecimalField(label=_("Committed"), max_digits=16, decimal_places=2, min_value=0, initial=0)
    spent = forms.DecimalField(label=_("Spent"), max_digits=16, decimal_places=2, min_value=0, initial=0)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def clean_currency(self) -> str:
        return str(self.cleaned_data["currency"]).strip().upper()


class BudgetLineEditForm(VersionedForm, BudgetLineForm):
    pass


class UpdateForm(ServiceForm, ReasonMixin):
    date = forms.DateField(label=_("Date"), widget=DATE)
    narrative = TranslatedTextFormField(
        label=_("What happened"), widget=TranslatedTextWidget(textarea=True),
        help_text=_("Results achieved, people reached, problems met. Give it in at least one language."),
    )  # fmt: skip
    new_status = forms.ChoiceField(
        label=_("New activity status"), choices=[("", _("— no change —")), *ActivityStatus.choices], required=False,
        help_text=_("Applied to the activity when a manager approves this update."),
    )  # fmt: skip
    status_reason = forms.CharField(
        label=_("Reason for the new status"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    location = forms.CharField(label=_("Location"), max_length=200, required=False)
    is_sample = forms.BooleanField(label=_("Sample data"), required=False)

    def __init__(self, *args: Any, on_activity: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not on_activity:
            del self.fields["new_status"]
            del self.fields["status_reason"]


class UpdateEditForm(VersionedForm, UpdateForm):
    pass


class EvidenceForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_("A photo (JPEG, PNG, GIF, WebP), a video (MP4, WebM) or a document (PDF, Word, Excel, "
                    "PowerPoint, OpenDocument, text). SVG and HTML files are refused."),
    )  # fmt: skip
    caption = forms.CharField(label=_("Caption"), max_length=500, required=False)
    credit = forms.CharField(label=_("Credit"), max_length=200, required=False, help_text=_("e.g. © ITU/J. Doe"))
    taken_on = forms.DateField(label=_("Date taken"), widget=DATE, required=False)
    location = forms.CharField(label=_("Location"), max_length=200, required=False)
    identifiable_people = forms.BooleanField(label=_("Shows people who can be identified"), required=False)
    consent = forms.BooleanField(
        label=_("Their consent to publish is on file"), required=False,
        help_text=_("Without consent, photos of identifiable people never appear in public reports."),
    )  # fmt: skip
    keep_gps = forms.BooleanField(
        label=_("Keep the GPS position stored in the photo"), required=False,
        help_text=_("By default the position is removed from the stored file."),
    )  # fmt: skip


class TransitionForm(VersionedForm):
    action = forms.ChoiceField(
        choices=[("submit", _("Submit")), ("return", _("Return")), ("approve", _("Approve")), ("reopen", _("Reopen"))]
    )
    note = forms.CharField(label=_("Note to the author"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class LockForm(forms.Form):
    unit = UnitChoiceField(label=_("Unit"), queryset=OrgUnit.objects.none())
    period_start = forms.DateField(label=_("Period start"), widget=DATE)
    period_end = forms.DateField(label=_("Period end"), widget=DATE)
    reason = forms.CharField(label=_("Reason"), max_length=500)

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]


class PlanFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    unit = forms.ChoiceField(label=_("Unit"), required=False)
    region = forms.ChoiceField(label=_("Region"), choices=[("", _("Any region")), *ItuRegion.choices], required=False)
    initiative = forms.ChoiceField(label=_("Regional initiative"), required=False)
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any status")), *ActivityStatus.choices], required=False
    )
    year = forms.IntegerField(label=_("Year"), required=False, min_value=1900, max_value=2200)
    sdg = forms.ChoiceField(label=_("SDG"), required=False)
    node = forms.IntegerField(required=False, widget=forms.HiddenInput)
    framework = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, units: Any, initiatives: Any, goals: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [("", _("Any unit")), *[(u.code, u.code) for u in units]]  # type: ignore[attr-defined]
        self.fields["initiative"].choices = [  # type: ignore[attr-defined]
            ("", _("Any initiative")),
            *[(i.code, i.code) for i in initiatives],
        ]
        self.fields["sdg"].choices = [  # type: ignore[attr-defined]
            ("", _("Any SDG")),
            *[(str(g.pk), f"{g.code} {pick(g.title)}"[:60]) for g in goals],
        ]
