"""Country and currency codes from Orbit's own data file (``core/data/codes.json``, source named in it)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

_FILE = Path(__file__).resolve().parent / "data" / "codes.json"


@cache
def _data() -> dict[str, Any]:
    result: dict[str, Any] = json.loads(_FILE.read_text(encoding="utf-8"))
    return result


def country_codes() -> set[str]:
    return set(_data()["countries"])


def country_name(code: str) -> str:
    return str(_data()["countries"].get(code, code))


def currency_codes() -> set[str]:
    return set(_data()["currencies"])


def countries() -> dict[str, str]:
    return dict(_data()["countries"])
