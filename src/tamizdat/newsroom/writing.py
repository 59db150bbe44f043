"""How the dashboard writes its figures for staff: money, numbers, shares and months in the
staff member's language, and the tables and charts that templates lay out."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal, format_percent
from django.utils.safestring import SafeString
from django.utils.translation import to_locale

from tamizdat.prompts import goal
from tamizdat.support import money

from . import charts
from .dashboard import PeriodFigures


@dataclass(frozen=True)
class Table:
    caption: str
    headers: list[str]
    rows: list[list[str]]


@dataclass(frozen=True)
class Chart:
    key: str
    svg: SafeString
    table: Table


class Writer:
    """Money, numbers, shares and months in one language. A page names the same 18 months in
    its charts and their tables: each month is written once."""

    def __init__(self, currency: str, language: str) -> None:
        self.currency = currency
        self.language = language
        self.locale = Locale.parse(to_locale(language))
        self._months: dict[tuple[datetime.date, str], str] = {}

    def money(self, amount: int | None) -> str:
        if amount is None:
            return "–"
        return money.format_money(amount, self.currency, self.language)

    def number(self, value: int) -> str:
        return format_decimal(value, locale=self.locale)

    def share(self, value: Decimal | float | None) -> str:
        if value is None:
            return "–"
        return format_percent(value, "#,##0.0%", locale=self.locale)

    def _month(self, month: goal.Month, pattern: str) -> str:
        key = (month.first_day, pattern)
        if key not in self._months:
            self._months[key] = format_date(month.first_day, pattern, locale=self.locale)
        return self._months[key]

    def month(self, month: goal.Month) -> str:
        return self._month(month, "LLL yyyy")

    def short_month(self, month: goal.Month) -> str:
        """For a chart's axis, where 18 months must fit: "Mar 26"."""
        return self._month(month, "LLL yy")

    def major(self, amount: int) -> float:
        """For a chart's geometry only."""
        return float(money.to_major(amount, self.currency))

    @property
    def chart_money(self) -> charts.Format:
        return charts.Format(self.language, self.currency)

    @property
    def chart_number(self) -> charts.Format:
        return charts.Format(self.language)


def period_label(writer: Writer, figures: PeriodFigures) -> str:
    period = figures.period
    if period.length == 1:
        return writer.month(period.first)
    return f"{writer.month(period.first)} – {writer.month(period.last)}"
