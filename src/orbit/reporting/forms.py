"""The form that asks for a results report, and the filters of the report history."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from orbit.core.i18n import current_language, pick
from orbit.organisation.models import OrgUnit
from orbit.planning.models import ItuRegion, RegionalInitiative
from orbit.reporting.content import ReportParams
from orbit.reporting.models import ReportFormat, ReportRun
from orbit.results.models import Framework, ResultNode


class _Labelled(forms.ModelChoiceField):  # type: ignore[type-arg]
    """A choice of records shown with a label made by ``label`` (codes and translated names)."""

    def __init__(self, *args: Any, label_of: Any, **kwargs: Any) -> None:
        self.label_of = label_of
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj: Any) -> str:
        return str(self.label_of(obj))


class ReportForm(forms.Form):
    framework = _Labelled(
        queryset=Framework.objects.none(),
        label=_("Results framework"),
        label_of=lambda f: f"{f.code} — {pick(f.name)}",
    )
    period = forms.RegexField(
        regex=r"^\d{4}$",
        required=False,
        max_length=4,
        label=_("Period"),
        help_text=_("A calendar year such as 2024; leave it empty for the framework's whole cycle."),
        error_messages={"invalid": _("Give a calendar year such as 2024.")},
    )
    node = _Labelled(
        queryset=ResultNode.objects.none(),
        required=False,
        label=_("Objective or result"),
        empty_label=_("The whole framework"),
        label_of=lambda n: f"{n.framework.code} {n.number} {pick(n.title)}".strip(),
    )
    unit = _Labelled(
        queryset=OrgUnit.objects.none(),
        required=False,
        to_field_name="code",
        label=_("Unit"),
        empty_label=_("Every unit"),
        label_of=lambda u: f"{u.code} — {pick(u.name)}",
    )
    region = forms.ChoiceField(choices=(), required=False, label=_("Region"))
    initiative = _Labelled(
        queryset=RegionalInitiative.objects.none(),
        required=False,
        label=_("Regional initiative"),
        empty_label=_("Any initiative"),
        label_of=lambda i: f"{i.code} — {pick(i.title)}",
    )
    format = forms.ChoiceField(choices=ReportFormat.choices, initial=ReportFormat.PDF, label=_("Format"))
    language = forms.ChoiceField(choices=(), label=_("Language of the report"))

    def __init__(
        self,
        *args: Any,
        frameworks: QuerySet[Framework],
        nodes: QuerySet[ResultNode],
        units: QuerySet[OrgUnit],
        initiatives: QuerySet[RegionalInitiative],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        fields["framework"].queryset = frameworks
        fields["node"].queryset = nodes
        fields["unit"].queryset = units
        fields["initiative"].queryset = initiatives
        fields["region"].choices = [("", _("Every region")), *ItuRegion.choices]
        fields["language"].choices = list(settings.LANGUAGES)
        if not self.is_bound:
            self.initial.setdefault("language", current_language())

    def params(self) -> ReportParams:
        data = self.cleaned_data
        return ReportParams(
            framework_id=data["framework"].pk,
            period=data.get("period") or "",
            node_id=data["node"].pk if data.get("node") else None,
            unit_code=data["unit"].code if data.get("unit") else "",
            region=data.get("region") or "",
            initiative_id=data["initiative"].pk if data.get("initiative") else None,
            language=data["language"],
        )


class HistoryFilterForm(forms.Form):
    format = forms.ChoiceField(
        choices=[("", _("Any format")), *ReportFormat.choices], required=False, label=_("Format")
    )
    status = forms.ChoiceField(
        choices=[("", _("Any status")), *ReportRun.Status.choices], required=False, label=_("Status")
    )
    archived = forms.BooleanField(required=False, label=_("Show archived"))
