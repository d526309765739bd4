"""Forms and fields shared by every context: translated text in the six UN languages; archive and restore."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from orbit.core.fields import clean_translations
from orbit.core.i18n import CONTENT_LANGUAGES, LANGUAGE_NAMES

#: Text direction of each content language (only Arabic is written right to left).
_DIRECTION = {"ar": "rtl"}


class TranslatedTextWidget(forms.MultiWidget):
    """Six text inputs, one per UN language, each labelled with its language."""

    #: Templates render this widget as a fieldset with one labelled input per language.
    is_translated = True

    def __init__(self, attrs: dict[str, Any] | None = None, *, textarea: bool = False) -> None:
        widgets = []
        for code in CONTENT_LANGUAGES:
            widget_attrs = {"lang": code, "dir": _DIRECTION.get(code, "ltr"), **(attrs or {})}
            widget_cls = forms.Textarea if textarea else forms.TextInput
            if textarea:
                widget_attrs.setdefault("rows", 2)
            widgets.append(widget_cls(attrs=widget_attrs))
        super().__init__(widgets, attrs)

    def decompress(self, value: Any) -> list[str]:
        if isinstance(value, dict):
            return [value.get(code, "") for code in CONTENT_LANGUAGES]
        if isinstance(value, str) and value:
            return [value, *[""] * (len(CONTENT_LANGUAGES) - 1)]
        return [""] * len(CONTENT_LANGUAGES)

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        context = self.get_context(name, value, attrs)
        rows = []
        for code, sub in zip(CONTENT_LANGUAGES, context["widget"]["subwidgets"], strict=True):
            widget = self.widgets[CONTENT_LANGUAGES.index(code)]
            html = widget.render(sub["name"], sub["value"], sub["attrs"], renderer)
            rows.append((sub["attrs"].get("id", ""), LANGUAGE_NAMES[code], code, html))
        return format_html(
            '<div class="translated">{}</div>',
            format_html_join(
                "",
                '<div class="translated-row"><label for="{}" lang="{}">{}</label>{}</div>',
                ((id_, code, lang_name, html) for id_, lang_name, code, html in rows),
            ),
        )

    def id_for_label(self, id_: str) -> str:
        return f"{id_}_0" if id_ else id_


class TranslatedTextFormField(forms.MultiValueField):
    """Produces ``{"en": "...", "fr": "...", ...}`` with empty languages left out."""

    widget = TranslatedTextWidget
    default_error_messages = {"required": _("Give the text in at least one language.")}

    def __init__(self, *, max_length: int | None = None, required: bool = True, **kwargs: Any) -> None:
        self.text_max_length = max_length
        fields = [forms.CharField(required=False, max_length=max_length) for _code in CONTENT_LANGUAGES]
        kwargs.setdefault("widget", TranslatedTextWidget())
        super().__init__(fields, required=required, require_all_fields=False, **kwargs)

    def compress(self, data_list: list[str]) -> dict[str, str]:
        values = dict(zip(CONTENT_LANGUAGES, data_list or [], strict=False))
        return clean_translations(values, required=False, max_length=self.text_max_length)

    def clean(self, value: Any) -> dict[str, str]:
        result: dict[str, str] = super().clean(value)
        if self.required and not result:
            raise ValidationError(self.error_messages["required"], code="required")
        return result


class VersionedForm(forms.Form):
    """Carries the version the user read, so a stale write is caught instead of overwriting."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class ArchiveForm(VersionedForm):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Say why it is archived; the reason is kept in the history."),
    )

    def clean_reason(self) -> str:
        reason = str(self.cleaned_data.get("reason", "")).strip()
        if not reason:
            raise ValidationError(_("Say why it is archived."))
        return reason


class RestoreForm(VersionedForm):
    reason = forms.CharField(label=_("Reason (optional)"), max_length=500, required=False)
