"""Every figure of the dashboard for one period, with the period before it beside it."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass

from django.utils import timezone

from tamizdat.prompts import goal, results
from tamizdat.support import summaries

from . import periods
from .figures import (
    breakdowns,
    cohorts,
    gifts,
    goal_history,
    mrr_split,
    newsletters,
    recurring,
    safety,
)
from .figures.common import Converter
from .periods import Period

COHORT_MONTHS = 12


@dataclass(frozen=True)
class PeriodFigures:
    period: Period
    recurring: recurring.Recurring
    one_time: gifts.OneTime
    refunds: gifts.Refunds
    currencies: list[breakdowns.Share]
    rails: list[breakdowns.Share]
    languages: list[breakdowns.Share]

    @property
    def revenue(self) -> int:
        """Everything paid in the period, less refunds, in the goal's currency."""
        return sum(share.amount for share in self.currencies)


@dataclass(frozen=True)
class Dashboard:
    currency: str
    now: datetime.datetime
    chosen: PeriodFigures
    previous: PeriodFigures
    # MRR at the end of the chosen period and of the previous one, by rail and by campaign.
    mrr_shares: mrr_split.Split
    previous_mrr_shares: mrr_split.Split
    progress: goal.Progress | None  # this month's, as the goal meter shows it
    goal_months: list[goal_history.GoalMonth]
    series: list[tuple[goal.Month, int, recurring.Movement]]  # MRR and movement per month
    cohorts: list[cohorts.Cohort]
    funnel: list[results.CampaignResult]
    attention: gifts.Attention
    safety: safety.Safety
    unconverted: tuple[str, ...]  # currencies without an exchange rate, left out of sums
    newsletters: list[newsletters.NewsletterFigures]


def _figures(
    period: Period, history: recurring.History, convert: Converter, now: datetime.datetime
) -> PeriodFigures:
    return PeriodFigures(
        period=period,
        recurring=recurring.recurring(period, history, convert, now),
        one_time=gifts.one_time(period, convert, now),
        refunds=gifts.refunds(period, convert, now),
        currencies=breakdowns.by_currency(period, convert, now),
        rails=breakdowns.by_rail(period, convert, now),
        languages=breakdowns.by_language(period, convert, now),
    )


def build(period: Period, language: str, now: datetime.datetime | None = None) -> Dashboard:
    now = now or timezone.now()
    summaries.ensure_current_zone()
    convert = Converter.for_goal()
    last18 = periods.history(now)
    earliest = min(period.previous().first, last18.first, key=lambda month: month.start)
    current = goal.month_of(now)
    span = (current.first_day.year - earliest.first_day.year) * 12
    span += current.first_day.month - earliest.first_day.month + 1
    history = recurring.History(Period(earliest, span))
    # The last 18 months only: the series' months are a slice of the history's.
    recent = recurring.History(last18) if span != last18.length else history
    progress = goal.compute(now)
    history.read_active(
        moment for each in (period, period.previous()) for moment in (each.start, each.until(now))
    )
    chosen = _figures(period, history, convert, now)
    previous = _figures(period.previous(), history, convert, now)
    split, previous_split = mrr_split.splits([period, period.previous()], convert, now)
    cohort_months = Period(periods.shift(current, 1 - COHORT_MONTHS), COHORT_MONTHS)
    return Dashboard(
        currency=convert.currency,
        now=now,
        chosen=chosen,
        previous=previous,
        mrr_shares=split,
        previous_mrr_shares=previous_split,
        progress=progress,
        goal_months=goal_history.months(recent, convert, now, progress),
        series=recurring.monthly_series(recent, convert, now),
        cohorts=cohorts.cohorts(cohort_months, now),
        funnel=breakdowns.funnel(period, language),
        attention=gifts.attention(),
        safety=safety.safety(period.first.first_day, period.last_day),
        unconverted=tuple(sorted(convert.missing)),
        newsletters=newsletters.newsletters(period, now),
    )


@dataclass(frozen=True)
class MonthFigures:
    currency: str
    goal: goal_history.GoalMonth
    figures: PeriodFigures


def by_month(period: Period, now: datetime.datetime) -> Iterator[MonthFigures]:
    """The figures of each month of `period` on its own, as the monthly export lists them."""
    summaries.ensure_current_zone()
    convert = Converter.for_goal()
    history = recurring.History(period)
    goal_months = goal_history.months(history, convert, now, goal.compute(now))
    for month, goal_month in zip(period.months, goal_months, strict=True):
        figures = _figures(Period(month), history, convert, now)
        yield MonthFigures(currency=convert.currency, goal=goal_month, figures=figures)
