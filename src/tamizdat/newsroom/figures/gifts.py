"""One-time gifts, refunds and the plans whose renewal failed."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, F, Sum

from tamizdat.support import money
from tamizdat.support.models import Payment, RecurringPlan

from ..periods import Period
from .common import Converter, ratio, whole

# Upper bounds of the size buckets, in whole units of the goal's currency; the last is open.
BUCKET_BOUNDS = (10, 25, 50, 100, 250)


@dataclass(frozen=True)
class Bucket:
    low: int  # whole units of the goal's currency, inclusive
    high: int | None  # exclusive; None: no upper bound
    count: int


@dataclass(frozen=True)
class OneTime:
    count: int
    gross: int  # paid, in minor units of the goal's currency
    refunded: int  # of these gifts, refunded since
    buckets: list[Bucket]

    @property
    def net(self) -> int:
        return self.gross - self.refunded

    @property
    def average(self) -> int | None:
        value = ratio(self.gross, self.count)
        return whole(value) if value is not None else None


def one_time(period: Period, convert: Converter, now: datetime.datetime) -> OneTime:
    """One-time gifts paid in the period: how many, how much, of what size. A gift's size is
    its amount in the goal's currency at the period's rates. One query, counting the gifts
    per currency and amount: readers give a few hundred different amounts at most, however
    many gifts they make."""
    rows = list(
        Payment.objects.filter(
            kind=Payment.Kind.ONCE, paid_at__gte=period.start, paid_at__lt=period.end
        )
        .values("currency", "amount")
        .annotate(number=Count("pk"), refunded=Sum("refunded_amount"))
        .order_by()
    )
    day = period.rates_day(now)
    edges = [0, *BUCKET_BOUNDS]
    counts = [0] * len(edges)
    for row in rows:
        index = _bucket(row["amount"], row["currency"], edges, convert, day)
        if index is not None:
            counts[index] += row["number"]
    paid: dict[str, int] = defaultdict(int)
    refunded: dict[str, int] = defaultdict(int)
    for row in rows:
        paid[row["currency"]] += row["amount"] * row["number"]
        refunded[row["currency"]] += row["refunded"]
    return OneTime(
        count=sum(row["number"] for row in rows),
        gross=convert(paid, day),
        refunded=convert(refunded, day),
        buckets=[
            Bucket(low=low, high=edges[index + 1] if index + 1 < len(edges) else None, count=count)
            for index, (low, count) in enumerate(zip(edges, counts, strict=True))
        ],
    )


def _bucket(
    amount: int, currency: str, edges: list[int], convert: Converter, day: datetime.date
) -> int | None:
    """Which size bucket a gift of `amount` falls in: the last whose lower bound, in whole
    units of the goal's currency turned into the gift currency's minor units at the day's
    rate, it reaches; None for a currency without a rate."""
    factor = convert.rate(convert.currency, currency, day)
    if factor is None:
        return None
    per_unit = factor.scaleb(money.exponent(currency))
    reached = [index for index, low in enumerate(edges) if amount >= whole(low * per_unit)]
    return reached[-1] if reached else None


@dataclass(frozen=True)
class Refunds:
    count: int
    amount: int


def refunds(period: Period, convert: Converter, now: datetime.datetime) -> Refunds:
    """Payments refunded (wholly or in part) in the period, and how much of them, whenever
    they were paid; a payment refunded twice counts at its latest refund."""
    rows = list(
        Payment.objects.filter(refunded_at__gte=period.start, refunded_at__lt=period.end)
        .values("currency")
        .annotate(number=Count("pk"), total=Sum("refunded_amount"))
        .order_by()
    )
    return Refunds(
        count=sum(row["number"] for row in rows),
        amount=convert({row["currency"]: row["total"] for row in rows}, period.rates_day(now)),
    )


ATTENTION_SHOWN = 20


@dataclass(frozen=True)
class Attention:
    past_due: int  # plans whose renewal failed and the processor is retrying
    plans: list[RecurringPlan]  # the first `ATTENTION_SHOWN` of them, longest overdue first


def attention() -> Attention:
    """Plans whose last renewal failed: the processor retries, staff may want to write."""
    failing = RecurringPlan.objects.filter(status=RecurringPlan.Status.PAST_DUE)
    shown = failing.select_related("supporter").order_by(F("state_as_of").asc(nulls_first=True))
    return Attention(past_due=failing.count(), plans=list(shown[:ATTENTION_SHOWN]))
