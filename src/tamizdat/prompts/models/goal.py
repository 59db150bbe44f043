"""The newsroom's monthly funding goal, the facts banner copy quotes, and the exchange rates
that count gifts in other currencies towards the goal."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting

from tamizdat.support.money import CurrencyField

from ..forms import FundingGoalAdminForm
from .campaign import default_currency


@register_setting(icon="comment")
class FundingGoal(BaseGenericSetting):
    """The newsroom's monthly goal and the facts the banner copy can quote."""

    currency = CurrencyField(_("currency"), default=default_currency)
    amount: models.PositiveBigIntegerField[int, int] = models.PositiveBigIntegerField(
        _("monthly goal"), default=0, help_text=_("0 hides the goal meter.")
    )
    monthly_running_cost: models.PositiveBigIntegerField[int, int] = models.PositiveBigIntegerField(
        _("monthly running costs"), default=0
    )
    ads_off_since: models.DateField[datetime.date | None, datetime.date | None] = models.DateField(
        _("ads switched off on"), null=True, blank=True
    )

    panels = [
        FieldPanel("currency"),
        FieldPanel("amount"),
        FieldPanel("monthly_running_cost"),
        FieldPanel("ads_off_since"),
    ]
    base_form_class = FundingGoalAdminForm

    class Meta:
        verbose_name = _("funding goal")
        verbose_name_plural = _("funding goals")

    @classmethod
    def current(cls) -> FundingGoal:
        """The goal as set, or the defaults; unlike `load()`, never writes while a page renders."""
        return cls.objects.first() or cls()


class ExchangeRate(models.Model):
    """One unit of `base` is worth `rate` units of `quote`, from `valid_from` on."""

    base = CurrencyField(_("currency"), help_text=_("For example: EUR"))
    quote = CurrencyField(_("in currency"), help_text=_("For example: USD"))
    rate = models.DecimalField(
        _("rate"),
        max_digits=20,
        decimal_places=10,
        validators=[
            MinValueValidator(
                Decimal("0.0000000001"), message=_("The rate must be greater than zero.")
            )
        ],
        help_text=_("How many units of the second currency one unit of the first buys."),
    )
    valid_from = models.DateField(_("valid from"), default=datetime.date.today)

    panels = [
        FieldRowPanel([FieldPanel("base"), FieldPanel("quote")]),
        FieldPanel("rate"),
        FieldPanel("valid_from"),
    ]

    class Meta:
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        ordering = ["-valid_from", "base", "quote"]
        constraints = [
            models.UniqueConstraint(
                fields=["base", "quote", "valid_from"], name="unique_rate_per_day"
            )
        ]

    def __str__(self) -> str:
        return f"1 {self.base} = {self.rate.normalize()} {self.quote} ({self.valid_from})"

    def clean(self) -> None:
        super().clean()
        if self.base == self.quote:
            raise ValidationError({"quote": _("Choose two different currencies.")})
