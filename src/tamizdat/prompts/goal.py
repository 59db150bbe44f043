"""The monthly funding goal: how much readers gave this month, from the ledger.

Progress this month = every active recurring plan's monthly equivalent (an annual plan counts a
twelfth) + the one-time gifts paid this calendar month, less what was refunded of them, all
converted into the goal's currency. "This month" is the calendar month in the newsroom's time
zone (`settings.TIME_ZONE`). The sum is recomputed from the ledger, never kept as a running
counter that could drift, and cached for a short while.

Money stays exact: per-currency sums are integers in minor units; each currency's sum is
converted once with a `Decimal` rate, and the grand total is rounded once, halves up.
"""

from __future__ import annotations

import datetime
import logging
import zoneinfo
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q
from django.utils import timezone

from tamizdat.support import money

from . import revenue
from .models import ExchangeRate, FundingGoal

log = logging.getLogger(__name__)

# "2": a progress stored by an earlier release has no `as_of`.
CACHE_KEY = "prompts:goal-progress2"
CACHE_SECONDS = 300


@dataclass(frozen=True)
class Month:
    start: datetime.datetime
    end: datetime.datetime

    @property
    def first_day(self) -> datetime.date:
        return self.start.date()

    @property
    def last_day(self) -> datetime.date:
        return (self.end - datetime.timedelta(days=1)).date()


@dataclass(frozen=True)
class Progress:
    currency: str
    goal: int
    raised: int
    month: datetime.date
    # When it was computed: a page that carries the figure for longer says as of when.
    as_of: datetime.datetime
    # Until when this figure may be shown: a few minutes on, never past the month's end.
    fresh_until: datetime.datetime
    unconverted: tuple[str, ...] = ()

    @property
    def meter_value(self) -> int:
        """What the meter shows: the amount raised, at most the goal."""
        return min(self.raised, self.goal)


def newsroom_zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def month_of(moment: datetime.datetime) -> Month:
    """The calendar month around `moment` in the newsroom's time zone, as aware datetimes."""
    zone = newsroom_zone()
    local = moment.astimezone(zone)
    start = datetime.datetime(local.year, local.month, 1, tzinfo=zone)
    if local.month == 12:
        end = datetime.datetime(local.year + 1, 1, 1, tzinfo=zone)
    else:
        end = datetime.datetime(local.year, local.month + 1, 1, tzinfo=zone)
    return Month(start=start, end=end)


def rate(base: str, quote: str, on: datetime.date) -> Decimal | None:
    """What one unit of `base` is worth in `quote` on a day: the newest rate entered for the
    pair (either way round) that is valid on that day; None when staff have entered none."""
    if base == quote:
        return Decimal(1)
    newest = (
        ExchangeRate.objects.filter(
            Q(base=base, quote=quote) | Q(base=quote, quote=base), valid_from__lte=on
        )
        .order_by("-valid_from", "-pk")
        .first()
    )
    return _worth(newest, base)


def _worth(newest: ExchangeRate | None, base: str) -> Decimal | None:
    if newest is None:
        return None
    return newest.rate if newest.base == base else Decimal(1) / newest.rate


class RateBook:
    """`rate` for many pairs and days from one read of every rate entered (a short table),
    for a caller that converts many sums at once."""

    def __init__(self) -> None:
        self.rates = list(ExchangeRate.objects.order_by("-valid_from", "-pk"))

    def __call__(self, base: str, quote: str, on: datetime.date) -> Decimal | None:
        if base == quote:
            return Decimal(1)
        pair = {base, quote}
        newest = next(
            (r for r in self.rates if {r.base, r.quote} == pair and r.valid_from <= on), None
        )
        return _worth(newest, base)


def convert(
    totals: Mapping[str, Decimal],
    currency: str,
    on: datetime.date,
    rate_of: Callable[[str, str, datetime.date], Decimal | None] = rate,
) -> tuple[int, tuple[str, ...]]:
    """Minor-unit totals per currency as one amount in minor units of `currency`, rounded
    once; and the currencies that had no rate and were left out. `rate_of` is `rate`, or a
    caller's remembering copy of it when it converts many sums at once."""
    converted = Decimal(0)
    missing = []
    for source, minor in sorted(totals.items()):
        if not minor:
            continue
        factor = rate_of(source, currency, on)
        if factor is None:
            missing.append(source)
            continue
        major = minor.scaleb(-money.exponent(source)) * factor
        converted += major.scaleb(money.exponent(currency))
    return money.round_minor(converted), tuple(missing)


def recurring_monthly() -> dict[str, Decimal]:
    """Per currency, in minor units (not yet rounded): what active plans bring in a month,
    an annual plan as a twelfth of its charge."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for (currency, interval), amount in revenue.recurring_totals().items():
        totals[currency] += Decimal(amount) / 12 if interval == "year" else Decimal(amount)
    return dict(totals)


def monthly_totals(
    month: Month,
    recurring: Mapping[str, Decimal] | None = None,
    one_time: Mapping[str, int] | None = None,
) -> dict[str, Decimal]:
    """Per currency, in minor units (not yet rounded): what this month brings in. The plans'
    part is today's unless `recurring` gives another moment's (a past month's end); the
    one-time part is read here unless `one_time` brings it (read for many months at once)."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for currency, monthly in (recurring_monthly() if recurring is None else recurring).items():
        totals[currency] += monthly
    gifts = revenue.one_time_net(month.start, month.end) if one_time is None else one_time
    for currency, amount in gifts.items():
        totals[currency] += Decimal(amount)
    return dict(totals)


def rates_day(month: Month, now: datetime.datetime) -> datetime.date:
    """The day whose exchange rates count a month: its last, or today while it lasts."""
    return min(month.last_day, now.astimezone(newsroom_zone()).date())


def compute(now: datetime.datetime | None = None) -> Progress | None:
    """This month's progress, straight from the ledger; None when no goal is set."""
    settings_goal = FundingGoal.current()
    if not settings_goal.amount:
        return None
    now = now or timezone.now()
    month = month_of(now)
    raised, missing = convert(monthly_totals(month), settings_goal.currency, rates_day(month, now))
    if missing:
        log.warning("No exchange rate into %s for %s", settings_goal.currency, ", ".join(missing))
    return Progress(
        currency=settings_goal.currency,
        goal=settings_goal.amount,
        raised=raised,
        month=month.first_day,
        as_of=now,
        fresh_until=now + datetime.timedelta(seconds=seconds_fresh(now)),
        unconverted=missing,
    )


def seconds_fresh(now: datetime.datetime | None = None) -> int:
    """How long a computed progress, or a page showing it, may be reused: a few minutes, and
    never past the end of the month."""
    now = now or timezone.now()
    seconds_left = int((month_of(now).end - now).total_seconds())
    return max(1, min(CACHE_SECONDS, seconds_left))


def current() -> Progress | None:
    """This month's progress as readers see it: computed at most every few minutes, and
    never carried over from one month into the next."""
    now = timezone.now()
    key = f"{CACHE_KEY}:{month_of(now).first_day.isoformat()}"
    progress = cache.get(key)
    if progress is None:
        progress = compute(now) or False
        cache.set(key, progress, seconds_fresh(now))
    return progress or None


def seconds_left(progress: Progress, now: datetime.datetime | None = None) -> int:
    """How much longer a page may show this figure: what is left of its freshness."""
    return max(1, int((progress.fresh_until - (now or timezone.now())).total_seconds()))


def amounts_text(progress: Progress, language: str) -> dict[str, str]:
    """The amount raised and the goal as readers of `language` read them, in whole units."""
    return {
        "raised": money.format_whole(progress.raised, progress.currency, language),
        "goal": money.format_whole(progress.goal, progress.currency, language),
    }


def forget_progress() -> None:
    cache.delete(f"{CACHE_KEY}:{month_of(timezone.now()).first_day.isoformat()}")
