"""Forms of the IATI pages: an export of the plan, an upload of an IATI activity file."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from orbit.core.i18n import pick
from orbit.organisation.models import OrgUnit
from orbit.results.forms import UnitChoiceField
from orbit.results.models import Framework

#: The largest IATI file accepted through the page or the API (the reader itself streams; this bounds the upload).
MAX_UPLOAD_BYTES = 200 * 1024 * 1024


class FrameworkChoiceField(forms.ModelChoiceField[Framework]):
    def label_from_instance(self, obj: Framework) -> str:
        return f"{obj.code} — {pick(obj.name)}"[:160]


class IatiExportForm(forms.Form):
    framework = FrameworkChoiceField(
        label=_("Results framework"), queryset=Framework.objects.none(), required=False,
        empty_label=_("All activities I may read"),
        help_text=_("Only the activities serving this framework, with its results."),
    )  # fmt: skip
    identifier_prefix = forms.CharField(
        label=_("Identifier prefix"), max_length=100,
        help_text=_("Each activity is published as prefix-code, e.g. XM-DAC-41120-ACT-1."),
    )  # fmt: skip
    reporting_org_ref = forms.CharField(
        label=_("Reporting organisation identifier"), max_length=100,
        help_text=_("The publisher's IATI organisation identifier."),
    )  # fmt: skip
    reporting_org_name = forms.CharField(label=_("Reporting organisation name"), max_length=200)
    reporting_org_type = forms.CharField(
        label=_("Reporting organisation type"), max_length=4, help_text=_("IATI organisation type code, e.g. 40.")
    )

    def __init__(self, *args: Any, frameworks: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["framework"].queryset = frameworks  # type: ignore[attr-defined]


class IatiImportForm(forms.Form):
    file = forms.FileField(label=_("IATI activity file"), help_text=_("An IATI 2.0x activities XML file."))
    unit = UnitChoiceField(
        label=_("Unit"), queryset=OrgUnit.objects.none(),
        help_text=_("The unit that owns what the file creates."),
    )  # fmt: skip
    framework = FrameworkChoiceField(
        label=_("Results framework"), queryset=Framework.objects.none(), required=False,
        empty_label=_("A new framework per reporting organisation"),
        help_text=_("Or attach the activities and their results to a framework you may change."),
    )  # fmt: skip
    dry_run = forms.BooleanField(
        label=_("Dry run first"), required=False, initial=True,
        help_text=_("Check the file and show what would change; apply it afterwards without uploading it again."),
    )  # fmt: skip

    def __init__(self, *args: Any, units: Any, frameworks: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
        self.fields["framework"].queryset = frameworks  # type: ignore[attr-defined]

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size is None or upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("%(name)s is larger than the %(mb)s MB accepted.")
                % {"name": upload.name, "mb": MAX_UPLOAD_BYTES // (1024 * 1024)}
            )
        if upload.size == 0:
            raise forms.ValidationError(_("%(name)s is empty.") % {"name": upload.name})
        return upload
