"""Money as integer minor units plus an ISO 4217 code; never floats.

Babel knows each currency's exponent (JPY has none, USD two) and each locale's way of writing
an amount, so "2500 JPY" reads "¥2,500" in English and "2 500 ¥" in Russian.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from babel import Locale
from babel.numbers import NumberPattern, get_currency_precision, parse_pattern
from babel.numbers import list_currencies as babel_currencies
from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

KNOWN_CURRENCIES = frozenset(babel_currencies())
_AMOUNT_TEXT = re.compile(r"^\d{1,12}([.,]\d{1,4})?$")


class AmountError(ValueError):
    """Text that is not an amount of money in the given currency."""


def is_currency(code: str) -> bool:
    return code in KNOWN_CURRENCIES


def validate_currency(code: str) -> None:
    """The one check of a currency code, for model fields and forms alike."""
    if not is_currency(code):
        raise ValidationError(_("Not an ISO 4217 currency code."), code="currency")


class CurrencyFormField(forms.CharField):
    """A currency code as staff type it ("eur "), read as the code ("EUR") and checked while
    the form's own fields are cleaned, so a form's `clean()` sees only known currencies."""

    default_validators = [validate_currency]

    def to_python(self, value: Any) -> str:
        return str(super().to_python(value)).strip().upper()


class CurrencyField(models.CharField):
    """An ISO 4217 code ("USD"), beside every amount in minor units."""

    default_validators = [validate_currency]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 3)
        super().__init__(*args, **kwargs)

    def formfield(
        self,
        form_class: type[forms.Field] | None = None,
        choices_form_class: type[forms.ChoiceField] | None = None,
        **kwargs: Any,
    ) -> forms.Field | None:
        return super().formfield(
            form_class=form_class or CurrencyFormField,
            choices_form_class=choices_form_class,
            **kwargs,
        )


def exponent(currency: str) -> int:
    """Digits after the decimal point: 2 for USD, 0 for JPY."""
    return get_currency_precision(currency)


def to_major(amount: int, currency: str) -> Decimal:
    return Decimal(amount).scaleb(-exponent(currency))


def to_minor(value: Decimal, currency: str) -> int:
    """A major-unit decimal in minor units; raises AmountError if it has too many decimals."""
    scaled = value.scaleb(exponent(currency))
    if scaled != scaled.to_integral_value():
        raise AmountError("too many decimals")
    return int(scaled)


def parse_number(text: str) -> Decimal:
    """An amount as people type it ("25", "25.50", "25,50", "$ 1 000"), whatever its currency:
    the one way the site reads amounts, from readers and staff alike."""
    cleaned = re.sub(r"[\s\u00a0\u202f$€£¥₽]", "", text or "")
    if not _AMOUNT_TEXT.match(cleaned):
        raise AmountError("not a number")
    try:
        return Decimal(cleaned.replace(",", "."))
    except InvalidOperation as exc:  # pragma: no cover - the pattern rules this out
        raise AmountError("not a number") from exc


def parse_amount(text: str, currency: str) -> int:
    """What a reader typed, in minor units of `currency` (see `parse_number`)."""
    return to_minor(parse_number(text), currency)


@dataclass(frozen=True)
class _Writing:
    """How readers of one language write amounts of one currency: the locale's standard
    currency pattern with the currency's symbol written into it, with the currency's decimals
    and without any. Babel's `format_currency` gives the same text, but looks the pattern, the
    symbol and the currency's plural names up again for every amount, and a dashboard writes
    hundreds of amounts."""

    locale: Locale
    with_decimals: NumberPattern
    whole: NumberPattern


@functools.cache
def _writing(currency: str, language: str) -> _Writing:
    locale = Locale.parse(language)
    standard = locale.currency_formats["standard"]
    symbol = locale.currency_symbols.get(currency, currency)

    def symbol_in(parts: tuple[str, str]) -> tuple[str, str]:
        positive, negative = parts
        return positive.replace("¤", symbol), negative.replace("¤", symbol)

    def with_symbol(pattern: NumberPattern, decimals: int) -> NumberPattern:
        # What `NumberPattern.apply` does with a currency: its symbol for "¤" (no standard
        # pattern of Babel's locales has the "¤¤" of a code or name) and its own decimals.
        return NumberPattern(
            pattern.pattern,
            symbol_in(pattern.prefix),
            symbol_in(pattern.suffix),
            pattern.grouping,
            pattern.int_prec,
            (decimals, decimals),
            pattern.exp_prec,
            pattern.exp_plus,
            pattern.number_pattern,
        )

    return _Writing(
        locale=locale,
        with_decimals=with_symbol(standard, exponent(currency)),
        whole=with_symbol(parse_pattern(re.sub(r"\.0+", "", standard.pattern)), 0),
    )


def format_money(amount: int, currency: str, language: str = "en") -> str:
    """An amount the way readers of `language` write it; whole amounts without ".00"."""
    value = to_major(amount, currency)
    writing = _writing(currency, language)
    if value == value.to_integral_value():
        return writing.whole.apply(value, writing.locale)
    return writing.with_decimals.apply(value, writing.locale)


def format_plain(amount: int, currency: str) -> str:
    """The amount as a reader would type it back into a field: "25", "2.50", "2500"."""
    value = to_major(amount, currency)
    if value == value.to_integral_value():
        return str(int(value))
    return f"{value:.{exponent(currency)}f}"


def percentage_of(amount: int, percent: Decimal) -> int:
    """`percent` % of an amount in minor units, rounded up so a covered fee is really covered."""
    return int((Decimal(amount) * percent / 100).to_integral_value(rounding=ROUND_CEILING))


def round_minor(value: Decimal) -> int:
    """A computed amount (converted, or an annual plan divided by 12) in whole minor units,
    rounding halves up; callers round once, at the end of a sum."""
    return int(value.to_integral_value(rounding=ROUND_HALF_UP))


def format_whole(minor: int, currency: str, language: str) -> str:
    """The amount without its minor unit, cut off and never rounded up, as readers of
    `language` write it: "$6,420", "6 420 $"; for a meter that must not overstate."""
    writing = _writing(currency, language)
    value = to_major(minor, currency).to_integral_value(rounding=ROUND_DOWN)
    return writing.whole.apply(value, writing.locale)
