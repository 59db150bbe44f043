"""What the figures share: converting per-currency sums as the funding goal does, and telling
in the database which month a moment fell in."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Case, IntegerField, Value, When

from tamizdat.prompts import goal
from tamizdat.prompts.models import FundingGoal

from ..periods import Period


@dataclass
class Converter:
    """Converts per-currency sums into one currency with `goal.convert`, reading the rates
    once for the one dashboard it serves, and remembers which currencies had none."""

    currency: str
    missing: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.rate = goal.RateBook()

    @classmethod
    def for_goal(cls) -> Converter:
        return cls(FundingGoal.current().currency)

    def __call__(self, totals: Mapping[str, int | Decimal], on: datetime.date) -> int:
        value, missing = goal.convert(
            {currency: Decimal(amount) for currency, amount in totals.items()},
            self.currency,
            on,
            self.rate,
        )
        self.missing.update(missing)
        return value


def ratio(part: int | Decimal, whole: int | Decimal) -> Decimal | None:
    """part ÷ whole, or None where the whole is nothing (a rate of nothing is no rate)."""
    if not whole:
        return None
    return Decimal(part) / Decimal(whole)


def whole(value: Decimal) -> int:
    """A computed amount in whole minor units, halves up (as the goal rounds)."""
    return int(value.to_integral_value(rounding=ROUND_HALF_UP))


def month_number(field: str, months: Period) -> Case:
    """Which month of `months` the moment in `field` fell in (0 for the first; None for no
    moment), worked out in the database: SQLite would otherwise hand back every moment as
    text to parse."""
    return Case(
        When(**{f"{field}__isnull": True}, then=Value(None)),
        *(
            When(**{f"{field}__lt": month.end}, then=Value(index))
            for index, month in enumerate(months.months)
        ),
        default=Value(months.length),
        output_field=IntegerField(),
    )
