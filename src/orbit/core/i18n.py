"""Languages of content and the fallback order used to display translated text."""

from __future__ import annotations

from django.utils import translation

#: The six official UN languages, in the order forms show them.
CONTENT_LANGUAGES: tuple[str, ...] = ("en", "fr", "es", "ru", "zh-hans", "ar")
LANGUAGE_NAMES: dict[str, str] = {
    "en": "English",
    "fr": "Français",
    "es": "Español",
    "ru": "Русский",
    "zh-hans": "中文",
    "ar": "العربية",
}
#: When text is missing in the requested language, these are tried in turn.
FALLBACK_ORDER: tuple[str, ...] = ("en", "fr", "es", "ru", "zh-hans", "ar")

_ALIASES = {"zh": "zh-hans", "zh-cn": "zh-hans", "zh-hans-cn": "zh-hans", "zh_hans": "zh-hans"}


def normalise_language(code: str) -> str | None:
    """Map a language tag (``fr-CH``, ``zh-CN``, ``EN``) onto a content language, or None."""
    value = code.strip().lower().replace("_", "-")
    if value in CONTENT_LANGUAGES:
        return value
    if value in _ALIASES:
        return _ALIASES[value]
    base = value.split("-", 1)[0]
    if base == "zh":
        return "zh-hans"
    return base if base in CONTENT_LANGUAGES else None


def current_language() -> str:
    return normalise_language(translation.get_language() or "en") or "en"


def pick(values: dict[str, str] | None, language: str | None = None) -> str:
    """Return the text in ``language``, else the first non-empty one in the fallback order."""
    if not values:
        return ""
    lang = normalise_language(language) if language else current_language()
    if lang and values.get(lang):
        return values[lang]
    for code in FALLBACK_ORDER:
        if values.get(code):
            return values[code]
    return ""
