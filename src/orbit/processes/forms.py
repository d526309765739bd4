"""Web forms of the inventory pages.  They collect and shape input; the services validate, decide and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from orbit.core.forms import TranslatedTextFormField, TranslatedTextWidget, VersionedForm
from orbit.core.i18n import pick
from orbit.organisation.models import OrgUnit
from orbit.processes import selectors
from orbit.processes.models import (
    ChangeAuthority,
    ChangeWindow,
    DependencyKind,
    Digitisation,
    ExternalParty,
    ItSystem,
    Level,
    Nature,
    PcfElement,
    Process,
    ProcessRole,
    Raci,
    RecordType,
    StrategicImpact,
    TransformationStatus,
)
from orbit.results.forms import DATE, ReasonMixin, ServiceForm, UnitChoiceField
from orbit.results.models import Indicator, ResultNode


class ProcessChoiceField(forms.ModelChoiceField[Process]):
    def label_from_instance(self, obj: Process) -> str:
        return f"{obj.code} — {pick(obj.name)}"[:160]


class EntryMultipleChoiceField(forms.ModelMultipleChoiceField[Any]):
    def label_from_instance(self, obj: Any) -> str:
        return f"{pick(obj.name)} ({obj.code})"


class PcfChoiceField(forms.ModelChoiceField[PcfElement]):
    def label_from_instance(self, obj: PcfElement) -> str:
        return f"{obj.hierarchy_id} {obj.name} [{obj.pcf_id}]"[:160]


class NodeChoiceField(forms.ModelChoiceField[ResultNode]):
    def label_from_instance(self, obj: ResultNode) -> str:
        return f"{obj.framework.code} {obj.code} {pick(obj.title)}"[:160]


def _multi(label: Any, model: Any) -> EntryMultipleChoiceField:
    return EntryMultipleChoiceField(
        label=label, queryset=model.objects.none(), required=False, widget=forms.SelectMultiple(attrs={"size": 5})
    )


class ProcessForm(ServiceForm, ReasonMixin):
    name = TranslatedTextFormField(label=_("Name"), max_length=300)
    description = TranslatedTextFormField(
        label=_("Description"), required=False, widget=TranslatedTextWidget(textarea=True)
    )
    owner_unit = UnitChoiceField(
        label=_("Owner unit"), queryset=OrgUnit.objects.none(), help_text=_("Only units you may change are listed.")
    )
    level = forms.TypedChoiceField(label=_("Level"), choices=Level.choices, coerce=int, initial=Level.PROCESS)
    parent = ProcessChoiceField(label=_("Part of"), queryset=Process.objects.none(), required=False)
    nature = forms.ChoiceField(label=_("Nature"), choices=Nature.choices)
    process_owner = forms.ModelChoiceField(
        label=_("Process owner"), queryset=get_user_model().objects.none(), required=False
    )
    change_authority = forms.ChoiceField(label=_("Who can change it"), choices=ChangeAuthority.choices)
    change_authority_unit = UnitChoiceField(
        label=_("Unit that decides changes"), queryset=OrgUnit.objects.none(), required=False
    )
    change_authority_note = forms.CharField(
        label=_("Decision authority, details"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    pcf_element = PcfChoiceField(
        label=_("APQC PCF classification"), queryset=PcfElement.objects.none(), required=False,
        help_text=_("The element of APQC's Process Classification Framework this process corresponds to."),
    )  # fmt: skip
    it_systems = _multi(_("IT systems"), ItSystem)
    records = _multi(_("Records produced"), RecordType)
    external_parties = _multi(_("External parties"), ExternalParty)
    yearly_volume = forms.IntegerField(label=_("Cases per year"), min_value=0, required=False)
    cycle_time_days = forms.DecimalField(label=_("Cycle time (days)"), min_value=0, required=False)
    cost_per_case = forms.DecimalField(label=_("Cost per case"), min_value=0, required=False)
    currency = forms.CharField(label=_("Currency (ISO 4217)"), max_length=3, required=False)
    digitisation = forms.ChoiceField(label=_("Digitisation level"), choices=Digitisation.choices)
    pain_points = forms.CharField(label=_("Pain points"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    legal_basis = forms.CharField(
        label=_("Legal or regulatory basis"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    change_people = forms.DecimalField(label=_("People needed to change it (FTE)"), min_value=0, required=False)
    change_skills = forms.CharField(
        label=_("Skills needed to change it"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    change_budget = forms.DecimalField(label=_("Budget needed to change it"), min_value=0, required=False)
    transformation_status = forms.ChoiceField(label=_("Transformation status"), choices=TransformationStatus.choices)
    is_sample = forms.BooleanField(label=_("Sample data"), required=False)

    def __init__(self, *args: Any, units: Any, all_units: Any, processes: Any, users: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        fields["owner_unit"].queryset = units
        fields["change_authority_unit"].queryset = all_units
        fields["parent"].queryset = processes
        fields["process_owner"].queryset = users
        fields["pcf_element"].queryset = PcfElement.objects.order_by("release", "pcf_id")
        for name in ("it_systems", "records", "external_parties"):
            fields[name].queryset = selectors.dictionary_choices(name)

    def keep_archived_entries_of(self, process: Any) -> None:
        """Offer, besides the active entries, the archived ones ``process`` names: saving the form keeps them."""
        for name in ("it_systems", "records", "external_parties"):
            self.fields[name].queryset = selectors.dictionary_choices(name, process=process)  # type: ignore[attr-defined]

    def clean_currency(self) -> str:
        return str(self.cleaned_data.get("currency") or "").strip().upper()

    def service_values(self) -> dict[str, Any]:
        values = super().service_values()
        for name in ("it_systems", "records", "external_parties"):
            values[name] = list(values.get(name) or [])
        return values


class ProcessEditForm(VersionedForm, ProcessForm):
    pass


class DependencyForm(ServiceForm, ReasonMixin):
    target = ProcessChoiceField(label=_("Process it affects"), queryset=Process.objects.none())
    kind = forms.ChoiceField(label=_("Kind"), choices=DependencyKind.choices)
    strength = forms.TypedChoiceField(
        label=_("Strength"), coerce=int, initial=2,
        choices=[(1, _("1 — weak")), (2, _("2 — medium")), (3, _("3 — strong"))],
    )  # fmt: skip
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args: Any, processes: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["target"].queryset = processes  # type: ignore[attr-defined]


class ParticipantForm(ServiceForm, ReasonMixin):
    raci = forms.ChoiceField(label=_("RACI"), choices=Raci.choices)
    role = forms.ModelChoiceField(label=_("Role"), queryset=ProcessRole.objects.none(), required=False)
    unit = UnitChoiceField(label=_("Unit"), queryset=OrgUnit.objects.none(), required=False)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args: Any, all_units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        fields["role"].queryset = ProcessRole.objects.order_by("code")
        fields["unit"].queryset = all_units


class WindowForm(ServiceForm, ReasonMixin):
    kind = forms.ChoiceField(label=_("Kind"), choices=ChangeWindow.Kind.choices)
    start = forms.DateField(label=_("From"), widget=DATE)
    end = forms.DateField(label=_("Until"), widget=DATE)
    note = forms.CharField(
        label=_("Note"), max_length=300, required=False, help_text=_("E.g. why no change is possible then.")
    )


class ImpactForm(ServiceForm, ReasonMixin):
    node = NodeChoiceField(label=_("Result"), queryset=ResultNode.objects.none())
    rating = forms.TypedChoiceField(label=_("Impact"), choices=StrategicImpact.Rating.choices, coerce=int, initial=2)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args: Any, nodes: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["node"].queryset = nodes  # type: ignore[attr-defined]


class KpiForm(ServiceForm, ReasonMixin):
    code = forms.CharField(label=_("Code"), max_length=40)
    title = TranslatedTextFormField(label=_("Title"), max_length=500)
    measure = forms.ChoiceField(
        label=_("Measure"),
        choices=[(k, v) for k, v in Indicator.Measure.choices if k != Indicator.Measure.QUALITATIVE],
    )
    unit_label = forms.CharField(label=_("Unit of measure"), max_length=60, required=False)
    direction = forms.ChoiceField(label=_("Direction"), choices=Indicator.Direction.choices)
    baseline_value = forms.DecimalField(label=_("Baseline"), required=False)
    baseline_date = forms.DateField(label=_("Baseline date"), widget=DATE, required=False)
    target_value = forms.DecimalField(label=_("Target"))
    target_year = forms.IntegerField(label=_("Target year"), min_value=2000, max_value=2100)
    data_source = forms.CharField(label=_("Data source"), required=False, help_text=_("E.g. the event log of …"))


class BpmnUploadForm(forms.Form):
    owner_unit = UnitChoiceField(
        label=_("Owner of new processes"), queryset=OrgUnit.objects.none(),
        help_text=_("Processes found in the files are added to the inventory under this unit."),
    )  # fmt: skip

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner_unit"].queryset = units  # type: ignore[attr-defined]


class DictionaryEntryForm(ServiceForm, ReasonMixin):
    """An entry of a shared dictionary (IT systems also name the unit that owns the system)."""

    code = forms.CharField(
        label=_("Code"), max_length=32, help_text=_("Letters, digits, dots, hyphens or underscores, e.g. HRIS.")
    )
    name = TranslatedTextFormField(label=_("Name"), max_length=300)
    description = TranslatedTextFormField(
        label=_("Description"), required=False, widget=TranslatedTextWidget(textarea=True)
    )
    source = forms.CharField(label=_("Source"), max_length=300, required=False)
    owner_unit = UnitChoiceField(label=_("Unit that owns the system"), queryset=OrgUnit.objects.none(), required=False)

    def __init__(self, *args: Any, dictionary: str, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if dictionary == "it_systems":
            self.fields["owner_unit"].queryset = units  # type: ignore[attr-defined]
        else:
            del self.fields["owner_unit"]


class DictionaryEntryEditForm(VersionedForm, DictionaryEntryForm):
    pass
