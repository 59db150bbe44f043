"""The funding goal month by month: this month's progress as the goal meter shows it, and for
each month before, what the goal meter would have shown at its end."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from tamizdat.prompts import goal
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
    found = []
    for month in history.period.months:
        if month.start == current.start and progress is not None:
            raised = progress.raised
        else:
            raised = _raised(history, month, convert, now)
        found.append(GoalMonth(month=month, raised=raised, goal=setting.amount))
    return found


def _raised(history: History, month: goal.Month, convert: Converter, now: datetime.datetime) -> int:
    totals = goal.monthly_totals(month, recurring=history.mrr_at_end(month))
    return convert(totals, goal.rates_day(month, now))
