"""The funding goal month by month: this month's progress as the goal meter shows it, and for
each month before, what the goal meter would have shown at its end."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import F, Q, Sum

from tamizdat.prompts import goal
from tamizdat.prompts.models import FundingGoal
from tamizdat.support import summaries
from tamizdat.support.models import Payment

from .common import Converter
from .recurring import History


@dataclass(frozen=True)
class GoalMonth:
    month: goal.Month
    raised: int  # in minor units of the goal's currency
    goal: int  # today's goal: the goal's past values are not kept

    @property
    def met(self) -> bool:
        return bool(self.goal) and self.raised >= self.goal


def months(
    history: History,
    convert: Converter,
    now: datetime.datetime,
    progress: goal.Progress | None,
) -> list[GoalMonth]:
    """Each month of the history: plans active at its end, plus its one-time gifts less
    refunds, converted at its last day's rates; this month is the goal meter's `progress`
    (`goal.compute`) when a goal is set."""
    setting = FundingGoal.current()
    current = goal.month_of(now)
    months = history.period.months
    gifts = _one_time_net(months)
    found = []
    for month, one_time in zip(months, gifts, strict=True):
        if month.start == current.start and progress is not None:
            raised = progress.raised
        else:
            totals = goal.monthly_totals(month, history.mrr_at_end(month), one_time)
            raised = convert(totals, goal.rates_day(month, now))
        found.append(GoalMonth(month=month, raised=raised, goal=setting.amount))
    return found


def _one_time_net(months: list[goal.Month]) -> list[dict[str, int]]:
    """One-time gifts paid in each month, less what was refunded of them, per currency: one
    query of the day totals, a filtered sum per month."""
    net = F("amount") - F("refunded")
    sums = {
        f"m{index}": Sum(net, filter=Q(day__gte=month.first_day, day__lte=month.last_day))
        for index, month in enumerate(months)
    }
    days = summaries.days(months[0].first_day, months[-1].last_day)
    rows = list(days.filter(kind=Payment.Kind.ONCE).values("currency").annotate(**sums).order_by())
    return [
        {row["currency"]: row[f"m{index}"] for row in rows if row[f"m{index}"]}
        for index in range(len(months))
    ]
