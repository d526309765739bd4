"""``report_number``: a count or amount as the report prints it (:func:`orbit.reporting.content.number_text`)."""

from __future__ import annotations

from decimal import Decimal

from django import template

from orbit.reporting.content import number_text

register = template.Library()


@register.filter
def report_number(value: Decimal | int | float | None) -> str:
    return number_text(value)
