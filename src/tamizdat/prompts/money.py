"""Money as the campaigns and the funding goal need it: integer minor units with an ISO 4217 code.

Amounts never pass through floats. Converting between minor units and a decimal amount is exact
(`Decimal`), and the one place where rounding is needed, turning a converted or divided amount
back into minor units, says how it rounds.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation

from babel import Locale
from babel.numbers import get_currency_precision, list_currencies, parse_pattern

KNOWN_CURRENCIES = frozenset(list_currencies())


class MoneyError(ValueError):
    pass


def is_currency(code: str) -> bool:
    return code in KNOWN_CURRENCIES


def exponent(currency: str) -> int:
    """Digits after the decimal point in the currency's minor unit: 2 for USD, 0 for JPY."""
    if not is_currency(currency):
        raise MoneyError(f"Unknown currency {currency!r}")
    return get_currency_precision(currency)


def to_decimal(minor: int, currency: str) -> Decimal:
    """1050 USD minor units -> Decimal("10.50"); 500 JPY -> Decimal("500")."""
    return Decimal(minor).scaleb(-exponent(currency))


def to_minor(amount: Decimal | str, currency: str) -> int:
    """An exact decimal amount in minor units; more precision than the currency has is an error."""
    try:
        value = Decimal(amount)
    except (InvalidOperation, TypeError) as error:
        raise MoneyError(f"{amount!r} is not an amount") from error
    if not value.is_finite():
        raise MoneyError(f"{amount!r} is not an amount")
    minor = value.scaleb(exponent(currency))
    if minor != minor.to_integral_value():
        raise MoneyError(f"{amount} has more decimals than {currency} allows")
    return int(minor)


def round_minor(value: Decimal) -> int:
    """A computed amount (converted, or an annual plan divided by 12) in whole minor units,
    rounding halves up; callers round once, at the end of a sum."""
    return int(value.to_integral_value(rounding=ROUND_HALF_UP))


def format_money(minor: int, currency: str, language: str, *, whole: bool = False) -> str:
    """The amount as a reader of `language` writes it: "$6,420.50", "6 420,50 $", and "$25"
    rather than "$25.00". With `whole`, the minor unit is cut off (never rounded up): "$6,420"."""
    locale = Locale.parse(language)
    pattern = parse_pattern(locale.currency_formats["standard"].pattern)
    value = to_decimal(minor, currency)
    if whole:
        value = value.to_integral_value(rounding=ROUND_DOWN)
    digits = 0 if value == value.to_integral_value() else exponent(currency)
    pattern.frac_prec = (digits, digits)
    return pattern.apply(value, locale, currency=currency, currency_digits=False)


def plain(minor: int, currency: str) -> str:
    """The amount as a reader would type it: "25", "2.50", "2500"."""
    value = to_decimal(minor, currency)
    if value == value.to_integral_value():
        return str(int(value))
    return f"{value:.{exponent(currency)}f}"
