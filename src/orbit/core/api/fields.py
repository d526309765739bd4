"""Serializer fields shared by every context's API."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from orbit.core.fields import clean_translations
from orbit.core.i18n import CONTENT_LANGUAGES, pick

#: The largest primary key a path or body may name (64-bit signed); larger ones are invalid input.
MAX_ID = 2**63 - 1

TRANSLATED_TEXT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": (
        "Text by language code (" + ", ".join(CONTENT_LANGUAGES) + "). A plain string is taken as English."
    ),
    "additionalProperties": {"type": "string"},
    "example": {"en": "Example unit", "fr": "Unité exemple"},
}


@extend_schema_field(TRANSLATED_TEXT_SCHEMA)
class TranslatedTextField(serializers.Field):  # type: ignore[type-arg]
    """``{"en": "...", "fr": "..."}`` in and out; unknown languages and wrong types are field errors."""

    def __init__(self, *, text_required: bool = True, max_length: int | None = None, **kwargs: Any) -> None:
        self.text_required = text_required
        self.max_length = max_length
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> dict[str, str]:
        try:
            return clean_translations(data, required=self.text_required, max_length=self.max_length)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(list(exc.messages)) from exc

    def to_representation(self, value: Any) -> dict[str, str]:
        values = dict(value or {})
        return {code: values[code] for code in CONTENT_LANGUAGES if values.get(code)}


def display_text(value: Any) -> str:
    """Translated text in the request's language (``Accept-Language``), with the fallback order."""
    return pick(dict(value or {}))


class IdField(serializers.IntegerField):
    """A primary key named in a body or query string: a positive integer in range."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)


#: The longest reason a write may carry (it is kept in the audit log).
REASON_MAX = 2000


def reason_field(**kwargs: Any) -> serializers.CharField:
    """The optional ``reason`` of a write, kept in the audit log."""
    kwargs.setdefault("required", False)
    kwargs.setdefault("default", "")
    return serializers.CharField(
        allow_blank=True, max_length=REASON_MAX, help_text="Why; kept in the audit log.", **kwargs
    )


def version_field() -> IdField:
    """The ``version`` a write edited, for clients that send no ``If-Match`` header."""
    return IdField(
        required=False,
        write_only=True,
        max_value=2**31 - 1,
        help_text='The version you edited, when no "If-Match" header is sent.',
    )
