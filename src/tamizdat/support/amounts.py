"""Which amounts the contribution form offers, per currency and frequency.

Staff edit them in the admin (`AmountSet`); until they have saved any, the defaults below apply,
so a fresh newsroom can take money at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext

from .models import AmountSet, Frequency
from .money import format_money


@dataclass(frozen=True)
class Amounts:
    currency: str
    frequency: str
    suggested: tuple[int, ...]
    default: int
    minimum: int
    maximum: int

    def refusal(self, amount: int, language: str) -> str | None:
        """Why `amount` cannot be given here, in `language`'s words; None if it can. The one
        place the minimum and maximum are enforced (fat fingers and fraud)."""
        if amount < self.minimum:
            return gettext("The minimum is %(minimum)s.") % {
                "minimum": format_money(self.minimum, self.currency, language)
            }
        if amount > self.maximum:
            return gettext(
                "The most we accept here is %(maximum)s. For a larger gift, please write to us."
            ) % {"maximum": format_money(self.maximum, self.currency, language)}
        return None


# (suggested in minor units, default, minimum, maximum)
_DEFAULTS: dict[str, dict[str, tuple[tuple[int, ...], int, int, int]]] = {
    "USD": {
        "once": ((1000, 2500, 5000, 10000), 2500, 200, 1_000_000),
        "month": ((500, 1000, 2000), 1000, 200, 100_000),
        "year": ((5000, 10000, 20000), 10000, 2000, 1_000_000),
    },
    "EUR": {
        "once": ((1000, 2500, 5000, 10000), 2500, 200, 1_000_000),
        "month": ((500, 1000, 2000), 1000, 200, 100_000),
        "year": ((5000, 10000, 20000), 10000, 2000, 1_000_000),
    },
    "GBP": {
        "once": ((1000, 2000, 5000, 10000), 2000, 200, 1_000_000),
        "month": ((500, 1000, 2000), 500, 200, 100_000),
        "year": ((5000, 10000, 20000), 5000, 2000, 1_000_000),
    },
    "JPY": {
        "once": ((1000, 3000, 5000, 10000), 3000, 300, 1_000_000),
        "month": ((500, 1000, 3000), 1000, 300, 100_000),
        "year": ((5000, 10000, 30000), 10000, 3000, 1_000_000),
    },
}


def default_amounts() -> list[Amounts]:
    return [
        Amounts(currency, frequency, suggested, default, minimum, maximum)
        for currency, by_frequency in _DEFAULTS.items()
        for frequency, (suggested, default, minimum, maximum) in by_frequency.items()
    ]


def all_amounts() -> dict[tuple[str, str], Amounts]:
    """Every offered (currency, frequency) pair: staff's settings if they offer any, else the
    defaults. The admin keeps at least one row offered; should every row still be gone or
    switched off, the defaults keep the form working rather than a page without amounts."""
    rows = list(AmountSet.objects.filter(active=True))
    if not rows:
        return {(a.currency, a.frequency): a for a in default_amounts()}
    return {
        (row.currency, row.frequency): Amounts(
            row.currency,
            row.frequency,
            tuple(row.suggested),
            row.default_amount,
            row.minimum,
            row.maximum,
        )
        for row in rows
    }


def currencies(table: dict[tuple[str, str], Amounts]) -> list[str]:
    """Offered currencies, the newsroom's default first."""
    found = sorted({currency for currency, _ in table})
    preferred = settings.SUPPORT_DEFAULT_CURRENCY
    if preferred in found:
        found.remove(preferred)
        found.insert(0, preferred)
    return found


def frequencies(table: dict[tuple[str, str], Amounts], currency: str) -> list[str]:
    return [f.value for f in Frequency if (currency, f.value) in table]
