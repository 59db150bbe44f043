"""Recurring revenue: MRR and ARR, their movement month by month, active plans, churn, ARPU
and lifetime value, read from the plans' history (`support.PlanChange`), which the ledger
keeps at the processor's time of each fact.

A plan counts while it is active, at its monthly value (an annual plan's charge ÷ 12), as it
counts towards the funding goal; a plan whose renewal failed counts again once it is paid.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, Sum

from tamizdat.prompts import goal
from tamizdat.support.models import PlanChange

from ..periods import Period, shift
from .common import Converter, month_number, ratio, whole

Kind = PlanChange.Kind
MOVEMENT_KINDS = (Kind.NEW, Kind.REACTIVATION, Kind.EXPANSION, Kind.CONTRACTION, Kind.CHURN)
Yearly = dict[str, int]  # twelve months' worth per currency, in minor units


def monthly(yearly: Yearly) -> dict[str, Decimal]:
    return {currency: Decimal(value) / 12 for currency, value in yearly.items() if value}


def yearly_before(moment: datetime.datetime) -> Yearly:
    """What active plans were worth over twelve months just before `moment`, per currency."""
    rows = (
        PlanChange.objects.filter(at__lt=moment)
        .values("currency")
        .annotate(total=Sum("yearly_change"))
        .order_by()
    )
    return {row["currency"]: row["total"] for row in rows}


class History:
    """The plans' movement in each month of a period, from two queries: what they were worth
    before it, and every change in it summed per month (numbered in the database), currency
    and kind."""

    def __init__(self, period: Period) -> None:
        self.period = period
        self.opening = yearly_before(period.start)
        months = period.months
        rows = (
            PlanChange.objects.filter(at__gte=period.start, at__lt=period.end)
            .annotate(month=month_number("at", period))
            .values("month", "currency", "kind")
            .annotate(total=Sum("yearly_change"))
            .order_by()
        )
        self.changes: dict[datetime.date, dict[str, Yearly]] = defaultdict(
            lambda: defaultdict(dict)
        )
        for row in rows:
            if row["total"]:
                first_day = months[row["month"]].first_day
                self.changes[first_day][row["kind"]][row["currency"]] = row["total"]
        self._active: dict[datetime.datetime, Active] = {}

    def read_active(self, moments: Iterable[datetime.datetime]) -> None:
        """Read `active_at` for the moments that will be asked for, from two queries."""
        self._active |= active_at([m for m in dict.fromkeys(moments) if m not in self._active])

    def active_at(self, moment: datetime.datetime) -> Active:
        """`active_at`, once per moment (a period's start is the previous one's end)."""
        self.read_active([moment])
        return self._active[moment]

    def movement(self, month: goal.Month) -> dict[str, Yearly]:
        """Per kind, per currency: the change of twelve months' worth in `month`."""
        return self.changes.get(month.first_day, {})

    def yearly_at_end(self, month: goal.Month) -> Yearly:
        """Twelve months' worth per currency at the end of `month`: a month of the period,
        or the one just before it."""
        totals = dict(self.opening)
        for each in self.period.months:
            if each.start > month.start:
                break
            for by_currency in self.movement(each).values():
                for currency, value in by_currency.items():
                    totals[currency] = totals.get(currency, 0) + value
        return totals

    def mrr_at_end(self, month: goal.Month) -> dict[str, Decimal]:
        return monthly(self.yearly_at_end(month))


@dataclass(frozen=True)
class Movement:
    """MRR gained and lost in a period, in minor units of one currency (losses negative)."""

    new: int = 0
    reactivation: int = 0
    expansion: int = 0
    contraction: int = 0
    churn: int = 0

    @property
    def net(self) -> int:
        return self.new + self.reactivation + self.expansion + self.contraction + self.churn


def movement(history: History, months: list[goal.Month], convert: Converter) -> Movement:
    """The movement of `months` (all in `history`'s period), each month converted at its own
    rates, each kind rounded once."""
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for month in months:
        day = month.last_day
        for kind, by_currency in history.movement(month).items():
            if kind in MOVEMENT_KINDS:
                # Converted in twelfths, then divided: one rounding per kind and month.
                sums[kind] += Decimal(convert(by_currency, day)) / 12
    return Movement(**{str(kind): whole(sums[kind]) for kind in MOVEMENT_KINDS})


@dataclass(frozen=True)
class Active:
    """Plans active at a moment, and the supporters holding them, per interval."""

    plans: dict[str, int] = field(default_factory=dict)
    supporters_by_interval: dict[str, int] = field(default_factory=dict)
    supporters: int = 0

    @property
    def total_plans(self) -> int:
        return sum(self.plans.values())


def active_at(moments: list[datetime.datetime]) -> dict[datetime.datetime, Active]:
    """For each moment, the plans whose terms held then (each plan's newest change before
    it) and were active: a filtered count per moment, in one query per interval and one
    for all intervals (a supporter may hold plans of both)."""
    if not moments:
        return {}
    held = {
        f"m{index}": Q(at__lt=moment) & (Q(until__isnull=True) | Q(until__gte=moment))
        for index, moment in enumerate(moments)
    }
    # Only the terms that held at one moment at least: terms superseded before the first
    # moment (the history of every upgrade and cancellation) are left out before counting.
    states = PlanChange.objects.filter(active=True, at__lt=max(moments)).filter(
        Q(until__isnull=True) | Q(until__gte=min(moments))
    )
    counts = {f"plans_{key}": Count("pk", filter=condition) for key, condition in held.items()}
    people = {
        f"supporters_{key}": Count("supporter", distinct=True, filter=condition)
        for key, condition in held.items()
    }
    rows = list(states.values("interval").annotate(**counts, **people).order_by())
    everyone = states.aggregate(**people)
    return {
        moment: Active(
            plans={
                row["interval"]: row[f"plans_m{index}"] for row in rows if row[f"plans_m{index}"]
            },
            supporters_by_interval={
                row["interval"]: row[f"supporters_m{index}"]
                for row in rows
                if row[f"supporters_m{index}"]
            },
            supporters=everyone[f"supporters_m{index}"] or 0,
        )
        for index, moment in enumerate(moments)
    }


def churned_plans(start: datetime.datetime, end: datetime.datetime) -> int:
    """Plans that stopped bringing money in [start, end): canceled or renewal failed."""
    return PlanChange.objects.filter(kind=Kind.CHURN, at__gte=start, at__lt=end).count()


@dataclass(frozen=True)
class Recurring:
    """The recurring figures of one period, in minor units of the converter's currency."""

    mrr: int
    mrr_at_start: int
    movement: Movement
    active: Active
    active_at_start: Active
    churned: int
    # Per month, as fractions (0.05 is 5 %); None where nothing was active to churn.
    supporter_churn: Decimal | None
    revenue_churn: Decimal | None
    arpu: int | None
    lifetime_value: int | None

    @property
    def arr(self) -> int:
        return self.mrr * 12


def recurring(
    period: Period, history: History, convert: Converter, now: datetime.datetime
) -> Recurring:
    before = shift(period.first, -1)
    at_start = convert(history.mrr_at_end(before), before.last_day)
    mrr = convert(history.mrr_at_end(period.last), period.rates_day(now))
    moved = movement(history, period.months, convert)
    active = history.active_at(period.until(now))
    active_before = history.active_at(period.start)
    churned = churned_plans(period.start, period.until(now))
    supporter_churn = ratio(churned, active_before.total_plans * period.length)
    revenue_churn = ratio(-(moved.churn + moved.contraction), at_start * period.length)
    arpu = ratio(mrr, active.supporters)
    lifetime = arpu / supporter_churn if arpu is not None and supporter_churn else None
    return Recurring(
        mrr=mrr,
        mrr_at_start=at_start,
        movement=moved,
        active=active,
        active_at_start=active_before,
        churned=churned,
        supporter_churn=supporter_churn,
        revenue_churn=revenue_churn,
        arpu=whole(arpu) if arpu is not None else None,
        lifetime_value=whole(lifetime) if lifetime is not None else None,
    )


def monthly_series(
    history: History, convert: Converter, now: datetime.datetime
) -> list[tuple[goal.Month, int, Movement]]:
    """For each month of the history's period: MRR at its end, and its movement."""
    return [
        (
            month,
            convert(history.mrr_at_end(month), goal.rates_day(month, now)),
            movement(history, [month], convert),
        )
        for month in history.period.months
    ]
