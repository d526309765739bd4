"""Template helpers of the results pages: statuses, achievement, numbers, tier names."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django import template
from django.utils.translation import gettext_lazy as _

from orbit.core.i18n import pick
from orbit.results.charts import fmt
from orbit.results.models.periods import PeriodType, calendar_period_end, period_label

register = template.Library()

STATUS_LABELS = {
    "on_track": _("On track"),
    "at_risk": _("At risk"),
    "off_track": _("Off track"),
    "no_data": _("No data"),
}
#: A shape beside each status, so the status never depends on colour alone (the label is there too).
STATUS_SYMBOLS = {"on_track": "●", "at_risk": "▲", "off_track": "■", "no_data": "○"}


@register.filter
def status_label(status: Any) -> str:
    return str(STATUS_LABELS.get(str(status or "no_data"), status))


@register.filter
def status_symbol(status: Any) -> str:
    return STATUS_SYMBOLS.get(str(status or "no_data"), "○")


@register.filter
def num(value: Any, places: Any = None) -> str:
    """A decimal without trailing zeros (rounded to ``places`` decimals when given), or a dash."""
    if value is None or value == "":
        return "—"
    try:
        number = Decimal(str(value))
        if places not in (None, ""):
            number = number.quantize(Decimal(1).scaleb(-int(places)))
        return fmt(number)
    except (InvalidOperation, ValueError):
        return str(value)


@register.filter
def period(start: Any, end: Any) -> str:
    """A period's usual name from its dates: ``2025``, ``2025 S1``, ``2025 Q3``, ``2025-04`` or the range."""
    if not isinstance(start, dt.date) or not isinstance(end, dt.date):
        return "—"
    for kind in (PeriodType.ANNUAL, PeriodType.SEMESTER, PeriodType.QUARTER, PeriodType.MONTH):
        if calendar_period_end(kind, start) == end:
            return period_label(kind, start, end)
    return f"{start.isoformat()} – {end.isoformat()}"


@register.filter
def pct(ratio: Any) -> str:
    """An achievement ratio as a whole percentage (``0.65`` → ``65%``), or a dash."""
    if ratio is None:
        return "—"
    try:
        value = (Decimal(str(ratio)) * 100).quantize(Decimal(1))
    except (InvalidOperation, ValueError):
        return "—"
    return f"{value}%"


@register.filter
def bar_width(ratio: Any) -> int:
    """The visual width of a progress bar in percent: the achievement capped to 0..100."""
    if ratio is None:
        return 0
    try:
        value = Decimal(str(ratio)) * 100
    except (InvalidOperation, ValueError):
        return 0
    return int(max(Decimal(0), min(Decimal(100), value)))


@register.filter
def tier_name(framework: Any, tier: Any) -> str:
    """The name of tier ``tier`` of ``framework`` in the active language."""
    try:
        return pick(framework.tiers[int(tier)])
    except (AttributeError, IndexError, TypeError, ValueError):
        return ""


@register.filter
def tiers_text(framework: Any) -> str:
    """Tier names in the active language, top first: ``Goal → Target``."""
    return " → ".join(pick(t) for t in getattr(framework, "tiers", []) or [])


@register.filter
def score_label(indicator: Any, score: Any) -> str:
    """The label of ``score`` on a qualitative indicator's scale (``2 — Under way``)."""
    if score is None or score == "":
        return "—"
    for level in getattr(indicator, "score_scale", []) or []:
        if isinstance(level, dict) and str(level.get("score")) == str(score):
            label = level.get("label")
            text = pick(label) if isinstance(label, dict) else str(label or "")
            return f"{fmt(Decimal(str(score)))} — {text}" if text else fmt(Decimal(str(score)))
    return num(score)
