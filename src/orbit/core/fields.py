"""Translated text: one JSON object of language code → text per field.

Stored as ``{"en": "...", "fr": "...", "zh-hans": "..."}``.  JSON is written without
ASCII escapes so that SQLite and PostgreSQL can both search the text in any script;
:func:`translated_search_q` builds the query across every language.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from orbit.core.i18n import CONTENT_LANGUAGES, normalise_language, pick


class UnicodeJSONEncoder(json.JSONEncoder):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["ensure_ascii"] = False
        super().__init__(*args, **kwargs)


class TranslatedText(dict[str, str]):
    """A dict of language → text that renders in the active language."""

    def __str__(self) -> str:
        return pick(self)

    def get_text(self, language: str | None = None) -> str:
        return pick(self, language)


def clean_translations(value: Any, *, required: bool = True, max_length: int | None = None) -> dict[str, str]:
    """Normalise and validate a translations mapping; raise ``ValidationError`` naming the problem."""
    if value is None or value == "":
        value = {}
    if isinstance(value, str):
        value = {"en": value}
    if not isinstance(value, dict):
        raise ValidationError('Expected an object of language code to text, e.g. {"en": "..."}.')
    cleaned: dict[str, str] = {}
    for raw_code, text in value.items():
        code = normalise_language(str(raw_code))
        if code is None:
            raise ValidationError(f"Unknown language {raw_code!r}; use one of {', '.join(CONTENT_LANGUAGES)}.")
        if text is None:
            continue
        if not isinstance(text, str):
            raise ValidationError(f"Text for {code!r} must be a string.")
        text = text.strip()
        if max_length is not None and len(text) > max_length:
            raise ValidationError(f"Text for {code!r} is longer than {max_length} characters.")
        if text:
            cleaned[code] = text
    if required and not cleaned:
        raise ValidationError("Give the text in at least one language.")
    return {code: cleaned[code] for code in CONTENT_LANGUAGES if code in cleaned}


class TranslatedTextField(models.JSONField):
    """A JSON field holding :class:`TranslatedText`."""

    def __init__(self, *args: Any, required: bool = True, max_length: int | None = None, **kwargs: Any) -> None:
        self.required = required
        self.text_max_length = max_length
        kwargs.setdefault("encoder", UnicodeJSONEncoder)
        kwargs.setdefault("default", dict)
        kwargs["blank"] = not required
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("encoder", None)
        kwargs.pop("blank", None)
        if kwargs.get("default") is dict:
            kwargs.pop("default")
        if not self.required:
            kwargs["required"] = False
        if self.text_max_length is not None:
            kwargs["max_length"] = self.text_max_length
        return name, path, args, kwargs

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        result = super().from_db_value(value, expression, connection)
        return TranslatedText(result) if isinstance(result, dict) else result

    def to_python(self, value: Any) -> Any:
        if isinstance(value, dict) and not isinstance(value, TranslatedText):
            return TranslatedText(value)
        return value

    def validate(self, value: Any, model_instance: Any) -> None:
        clean_translations(value, required=self.required, max_length=self.text_max_length)

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = getattr(model_instance, self.attname)
        if isinstance(value, dict):
            value = TranslatedText(clean_translations(value, required=False, max_length=None))
            setattr(model_instance, self.attname, value)
        return value


def translated_search_q(term: str, *fields: str) -> Q:
    """A ``Q`` matching ``term`` (case-insensitive) in any language of any of ``fields``."""
    query = Q()
    for field in fields:
        for code in CONTENT_LANGUAGES:
            query |= Q(**{f"{field}__{code}__icontains": term})
    return query
