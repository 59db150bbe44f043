"""Money for the campaigns and the goal: the reader-revenue app's helpers (integer minor units
with an ISO 4217 code, formatting per language), plus the two things only the goal needs.

Amounts never pass through floats. The one place where rounding is needed, turning a converted
or divided amount back into minor units, rounds once and says how.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from babel import Locale
from babel.numbers import parse_pattern

from tamizdat.support.money import (  # noqa: F401  (the shared helpers, re-exported)
    AmountError,
    exponent,
    format_money,
    format_plain,
    is_currency,
    to_major,
    to_minor,
)


def round_minor(value: Decimal) -> int:
    """A computed amount (converted, or an annual plan divided by 12) in whole minor units,
    rounding halves up; callers round once, at the end of a sum."""
    return int(value.to_integral_value(rounding=ROUND_HALF_UP))


def format_whole(minor: int, currency: str, language: str) -> str:
    """The amount without its minor unit, cut off and never rounded up, as readers of
    `language` write it: "$6,420", "6 420 $"; for a meter that must not overstate."""
    locale = Locale.parse(language)
    pattern = parse_pattern(locale.currency_formats["standard"].pattern)
    pattern.frac_prec = (0, 0)
    value = to_major(minor, currency).to_integral_value(rounding=ROUND_DOWN)
    return pattern.apply(value, locale, currency=currency, currency_digits=False)
