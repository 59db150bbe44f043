"""One-time gifts, refunds and the plans whose renewal failed."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, F, Q, Sum

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
    its amount in the goal's currency at the period's rates."""
    gifts = Payment.objects.filter(
        kind=Payment.Kind.ONCE, paid_at__gte=period.start, paid_at__lt=period.end
    )
    day = period.rates_day(now)
    currencies = list(gifts.values_list("currency", flat=True).distinct().order_by())
    edges = [0, *BUCKET_BOUNDS]
    counted: dict[str, Count] = {}
    for index, low in enumerate(edges):
        high = edges[index + 1] if index + 1 < len(edges) else None
        sized = _size_between(low, high, currencies, convert, day)
        counted[f"b{index}"] = Count("pk", filter=sized)
    rows = list(
        gifts.values("currency")
        .annotate(
            number=Count("pk"), paid=Sum("amount"), refunded=Sum("refunded_amount"), **counted
        )
        .order_by()
    )
    buckets = [
        Bucket(
            low=low,
            high=edges[index + 1] if index + 1 < len(edges) else None,
            count=sum(row[f"b{index}"] for row in rows),
        )
        for index, low in enumerate(edges)
    ]
    return OneTime(
        count=sum(row["number"] for row in rows),
        gross=convert({row["currency"]: row["paid"] for row in rows}, day),
        refunded=convert({row["currency"]: row["refunded"] for row in rows}, day),
        buckets=buckets,
    )


def _size_between(
    low: int, high: int | None, currencies: list[str], convert: Converter, day: datetime.date
) -> Q:
    """Gifts whose amount, in the goal's currency, is in [low, high) whole units: each bound
    turned into each gift currency's minor units at the day's rate (currencies without a
    rate are in no bucket)."""
    condition = Q(pk__in=[])
    for currency in currencies:
        factor = convert.rate(convert.currency, currency, day)
        if factor is None:
            continue
        per_unit = factor.scaleb(money.exponent(currency))
        bounds = Q(currency=currency, amount__gte=whole(low * per_unit))
        if high is not None:
            bounds &= Q(amount__lt=whole(high * per_unit))
        condition |= bounds
    return condition


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
