"""Revenue of a period split by currency, payment rail and language; and the campaigns'
funnel, as the campaign results count it (`prompts.results`)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import F, QuerySet, Sum

from tamizdat.prompts import results
from tamizdat.support import summaries
from tamizdat.support.models import DayTotal

from ..periods import Period
from .common import Converter


@dataclass(frozen=True)
class Share:
    key: str  # a currency code, a rail's identifier or a language code
    amount: int  # net, in minor units of the goal's currency
    native: int | None = None  # for currencies: net in the currency itself


def _revenue(period: Period) -> QuerySet[DayTotal]:
    """Every payment of the period (one-time, first and renewals), summed per day."""
    return summaries.days(period.first.first_day, period.last_day)


NET = Sum(F("amount") - F("refunded"))


def by_currency(period: Period, convert: Converter, now: datetime.datetime) -> list[Share]:
    day = period.rates_day(now)
    rows = _revenue(period).values("currency").annotate(total=NET).order_by()
    shares = [
        Share(row["currency"], convert({row["currency"]: row["total"]}, day), row["total"])
        for row in rows
    ]
    return sorted(shares, key=lambda share: (-share.amount, share.key))


def _by(period: Period, field: str, convert: Converter, now: datetime.datetime) -> list[Share]:
    rows = _revenue(period).values(field, "currency").annotate(total=NET).order_by()
    per_key: dict[str, dict[str, int]] = defaultdict(dict)
    for row in rows:
        per_key[row[field]][row["currency"]] = row["total"]
    day = period.rates_day(now)
    shares = [Share(key, convert(totals, day)) for key, totals in per_key.items()]
    return sorted(shares, key=lambda share: (-share.amount, share.key))


def by_rail(period: Period, convert: Converter, now: datetime.datetime) -> list[Share]:
    return _by(period, "provider", convert, now)


def by_language(period: Period, convert: Converter, now: datetime.datetime) -> list[Share]:
    """By the language the supporter gave in: a renewal counts in its plan's first gift's."""
    return _by(period, "language", convert, now)


def funnel(period: Period, language: str) -> list[results.CampaignResult]:
    """Impressions → clicks → checkouts → contributions → revenue per campaign and variant,
    exactly as the campaign results page counts them."""
    return results.results(period.first.first_day, period.last_day, language)
