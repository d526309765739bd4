from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from orbit.core.i18n import CONTENT_LANGUAGES, LANGUAGE_NAMES


def orbit(request: HttpRequest) -> dict[str, Any]:
    return {
        "content_languages": [(code, LANGUAGE_NAMES[code]) for code in CONTENT_LANGUAGES],
        "request_id": getattr(request, "request_id", ""),
    }
