"""The funding goal month by month: this month's progress as the goal meter shows it, and for
each month before, what the goal meter would have shown at its end."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from tamizdat.prompts import goal, revenue
from tamizdat.prompts.models import FundingGoal

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
    gifts = revenue.one_time_net_by_period([(month.start, month.end) for month in months])
    found = []
    for month, one_time in zip(months, gifts, strict=True):
        if month.start == current.start and progress is not None:
            raised = progress.raised
        else:
            totals = goal.monthly_totals(month, history.mrr_at_end(month), one_time)
            raised = convert(totals, goal.rates_day(month, now))
        found.append(GoalMonth(month=month, raised=raised, goal=setting.amount))
    return found
