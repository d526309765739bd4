"""Reporting periods: annual, semester, quarter, month, a custom range, or the whole cycle."""

from __future__ import annotations

import calendar
import datetime as dt

from django.db import models
from django.utils.translation import gettext_lazy as _


class PeriodType(models.TextChoices):
    ANNUAL = "annual", _("Annual")
    SEMESTER = "semester", _("Semester")
    QUARTER = "quarter", _("Quarter")
    MONTH = "month", _("Month")
    CUSTOM = "custom", _("Custom range")
    CYCLE = "cycle", _("Whole cycle")


_MONTHS = {PeriodType.ANNUAL: 12, PeriodType.SEMESTER: 6, PeriodType.QUARTER: 3, PeriodType.MONTH: 1}


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def calendar_period_end(period_type: str, start: dt.date) -> dt.date | None:
    """The end of the calendar period of ``period_type`` starting at ``start``, or None if it cannot start there."""
    months = _MONTHS.get(PeriodType(period_type)) if period_type in _MONTHS else None
    if months is None or start.day != 1 or (start.month - 1) % months:
        return None
    last_month = start.month + months - 1
    return _month_end(start.year, last_month)


def period_errors(
    period_type: str, start: dt.date | None, end: dt.date | None, cycle_start: dt.date, cycle_end: dt.date
) -> dict[str, str]:
    """Problems with a period, keyed by field; empty when the period is valid for the cycle."""
    if start is None or end is None:
        return {"period_start": str(_("Give the start and end of the period."))}
    if end < start:
        return {"period_end": str(_("The period ends before it starts."))}
    if start < cycle_start or end > cycle_end:
        return {
            "period_start": str(
                _("The period %(start)s to %(end)s lies outside the framework's cycle %(cs)s to %(ce)s.")
                % {"start": start, "end": end, "cs": cycle_start, "ce": cycle_end}
            )
        }
    if period_type == PeriodType.CYCLE and (start, end) != (cycle_start, cycle_end):
        return {"period_type": str(_("A whole-cycle period runs from the cycle's start to its end."))}
    if period_type in _MONTHS:
        expected = calendar_period_end(period_type, start)
        if expected is None or expected != end:
            return {
                "period_type": str(
                    _("%(start)s to %(end)s is not a calendar %(type)s.")
                    % {"start": start, "end": end, "type": PeriodType(period_type).label.lower()}
                )
            }
    return {}


def period_label(period_type: str, start: dt.date, end: dt.date) -> str:
    # Plain string comparisons: this runs once per target when a whole framework is listed.
    kind = str(period_type)
    if kind == "annual":
        return str(start.year)
    if kind == "quarter":
        return f"{start.year} Q{(start.month - 1) // 3 + 1}"
    if kind == "semester":
        return f"{start.year} S{(start.month - 1) // 6 + 1}"
    if kind == "month":
        return f"{start.year}-{start.month:02d}"
    return f"{start.isoformat()} to {end.isoformat()}"
