"""Web forms for units, memberships and users.  They only collect input; the services decide and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from orbit.core.forms import TranslatedTextFormField, VersionedForm
from orbit.organisation.models import Role, UnitType, code_validator

UNIT_ROLES = [(value, label) for value, label in Role.choices if value != Role.AUDITOR]


class UnitForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=32, validators=[code_validator])
    name = TranslatedTextFormField(
        label=_("Name"), max_length=300, help_text=_("Give the name in at least one language.")
    )
    type = forms.ChoiceField(label=_("Type"), choices=UnitType.choices)
    region = forms.CharField(label=_("ITU region"), max_length=40, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    country = forms.CharField(
        label=_("Country"),
        max_length=2,
        required=False,
        help_text=_("Two-letter ISO 3166-1 code in capitals, e.g. ET."),
    )
    source = forms.CharField(
        label=_("Source"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Where the facts about this unit come from."),
    )
    is_sample = forms.BooleanField(
        label=_("Sample data"),
        required=False,
        help_text=_("Tick when this is illustrative data, not a fact about the organisation."),
    )
    reason = forms.CharField(label=_("Reason for the change (optional)"), max_length=500, required=False)

    def service_values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("reason", None)
        data.pop("version", None)
        return data


class UnitEditForm(VersionedForm, UnitForm):
    field_order = ["code", "name", "type", "region", "city", "country", "source", "is_sample", "reason"]


class UserChoiceField(forms.ModelChoiceField[Any]):
    def label_from_instance(self, obj: Any) -> str:
        full = obj.get_full_name()
        return f"{obj.get_username()} — {full}" if full else str(obj.get_username())


class MembershipAddForm(forms.Form):
    user = UserChoiceField(label=_("User"), queryset=get_user_model().objects.none())
    role = forms.ChoiceField(label=_("Role"), choices=UNIT_ROLES)

    def __init__(self, *args: Any, users: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["user"]
        assert isinstance(field, UserChoiceField)
        field.queryset = users


class MembershipRoleForm(VersionedForm):
    role = forms.ChoiceField(label=_("Role"), choices=UNIT_ROLES)


class UserCreateForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    password = forms.CharField(
        label=_("Password"),
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Leave empty to create an account that cannot log in with a password yet."),
        required=False,
        strip=False,
    )

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        password = cleaned.get("password")
        if password:
            probe = get_user_model()(
                username=cleaned.get("username", ""),
                first_name=cleaned.get("first_name", ""),
                last_name=cleaned.get("last_name", ""),
                email=cleaned.get("email", ""),
            )
            try:
                validate_password(password, probe)
            except ValidationError as exc:
                self.add_error("password", exc)
        return cleaned
