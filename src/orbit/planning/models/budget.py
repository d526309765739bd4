"""Budget lines of activities, each in its own currency, and the dated rates that convert them."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from orbit.core.codes import currency_codes
from orbit.governance.models import AuditedModel
from orbit.planning.models.activities import Activity

DEFAULT_CURRENCY = "CHF"


def money_field(verbose_name: object, **kwargs: object) -> models.DecimalField[Decimal, Decimal]:
    """Amounts are decimals with two places, never text or floats."""
    return models.DecimalField(
        verbose_name,  # type: ignore[arg-type]
        max_digits=16,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
        **kwargs,  # type: ignore[arg-type]
    )


class FundingSource(models.TextChoices):
    REGULAR = "regular", _("Regular budget")
    EXTRA_BUDGETARY = "extra_budgetary", _("Extra-budgetary")
    ICT_DF = "ict_df", _("ICT Development Fund")
    IN_KIND = "in_kind", _("In-kind")
    OTHER = "other", _("Other")


def check_currency(code: str) -> None:
    if code not in currency_codes():
        raise ValidationError({"currency": f"{code!r} is not an ISO 4217 currency code (e.g. CHF, USD)."})


class BudgetLine(AuditedModel):
    """What an activity plans to spend from one funding source in one year, and what it committed and spent."""

    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="budget_lines")
    source = models.CharField(_("funding source"), max_length=16, choices=FundingSource.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    currency = models.CharField(_("currency"), max_length=3, default=DEFAULT_CURRENCY)
    planned = money_field(_("planned"))
    committed = money_field(_("committed"))
    spent = money_field(_("spent"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    is_sample = models.BooleanField(_("sample data"), default=False)

    class Meta:
        ordering = ("activity", "year", "source", "id")
        verbose_name = _("budget line")
        indexes = [models.Index(fields=("year", "source"))]

    def __str__(self) -> str:
        return f"{self.activity.code} {self.year} {self.source} {self.planned} {self.currency}"

    def clean(self) -> None:
        check_currency(self.currency)
        if not 1900 <= (self.year or 0) <= 2200:
            raise ValidationError({"year": _("Give the budget year, e.g. 2025.")})

    def audit_scope_path(self) -> str:
        return self.activity.responsible_unit.path

    def audit_parent(self) -> models.Model | None:
        return self.activity


class ExchangeRate(AuditedModel):
    """One unit of ``currency`` is worth ``rate`` units of ``base`` from ``valid_from`` until the next rate."""

    currency = models.CharField(_("currency"), max_length=3)
    base = models.CharField(_("base currency"), max_length=3, default=DEFAULT_CURRENCY)
    rate = models.DecimalField(
        _("rate"), max_digits=20, decimal_places=8, validators=[MinValueValidator(Decimal("0.00000001"))]
    )
    valid_from = models.DateField(_("valid from"))
    source = models.CharField(_("source"), max_length=300, blank=True)
    is_sample = models.BooleanField(_("sample data"), default=False)

    class Meta:
        ordering = ("currency", "base", "-valid_from")
        verbose_name = _("exchange rate")
        constraints = [
            models.UniqueConstraint(
                fields=("currency", "base", "valid_from"),
                condition=Q(archived_at__isnull=True),
                name="exchangerate_one_per_day",
                violation_error_message=_("A rate for this currency and date already exists."),
            )
        ]

    def __str__(self) -> str:
        return f"1 {self.currency} = {self.rate} {self.base} from {self.valid_from}"

    def clean(self) -> None:
        check_currency(self.currency)
        if self.base not in currency_codes():
            raise ValidationError({"base": f"{self.base!r} is not an ISO 4217 currency code."})
        if self.currency == self.base:
            raise ValidationError({"currency": _("A rate converts between two different currencies.")})
