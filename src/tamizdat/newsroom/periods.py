"""The periods the dashboard reports on: whole calendar months in the newsroom's time zone,
the same months the funding goal counts (`prompts.goal.month_of`)."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from functools import cached_property

from django.utils import timezone

from tamizdat.prompts import goal

HISTORY_MONTHS = 18
_MONTH_TEXT = re.compile(r"^(\d{4})-(\d{2})$")


def month_starting(year: int, month: int) -> goal.Month:
    first = datetime.datetime(year, month, 15, 12, tzinfo=goal.newsroom_zone())
    return goal.month_of(first)


def shift(month: goal.Month, months: int) -> goal.Month:
    """The month `months` after (or before, if negative) `month`."""
    index = month.first_day.year * 12 + month.first_day.month - 1 + months
    return month_starting(index // 12, index % 12 + 1)


@dataclass(frozen=True)
class Period:
    """`length` whole months, the first being `first`."""

    first: goal.Month
    length: int = 1

    @cached_property  # written into the instance's own dict, which a frozen one allows
    def months(self) -> list[goal.Month]:
        return [shift(self.first, offset) for offset in range(self.length)]

    @property
    def last(self) -> goal.Month:
        return shift(self.first, self.length - 1)

    @property
    def start(self) -> datetime.datetime:
        return self.first.start

    @property
    def end(self) -> datetime.datetime:
        return self.last.end

    @property
    def last_day(self) -> datetime.date:
        return self.last.last_day

    def previous(self) -> Period:
        """The period of the same length just before."""
        return Period(shift(self.first, -self.length), self.length)

    def until(self, now: datetime.datetime) -> datetime.datetime:
        """Where figures "at the end" are read: the period's end, or now while it lasts."""
        return min(self.end, now)

    def rates_day(self, now: datetime.datetime) -> datetime.date:
        """The day whose exchange rates convert the period's sums, as for the goal."""
        return goal.rates_day(self.last, now)

    def key(self) -> str:
        return f"{self.first.first_day:%Y-%m}"


def this_month(now: datetime.datetime | None = None) -> Period:
    return Period(goal.month_of(now or timezone.now()))


def parse_month(text: str) -> goal.Month | None:
    """A month typed as "2026-03"; None if it is not one."""
    found = _MONTH_TEXT.match(text.strip())
    if not found or not 1 <= int(found.group(2)) <= 12 or int(found.group(1)) < 1970:
        return None
    return month_starting(int(found.group(1)), int(found.group(2)))


def chosen(first: str, last: str, now: datetime.datetime | None = None) -> Period:
    """The period from month `first` to month `last` as a form sent them; this month for
    anything else, and never past this month."""
    current = goal.month_of(now or timezone.now())
    start, end = parse_month(first or ""), parse_month(last or "")
    if start is None:
        return Period(current)
    end = end or start
    start, end = (min(month, current, key=lambda m: m.start) for month in (start, end))
    if end.start < start.start:
        start, end = end, start
    length = (end.first_day.year - start.first_day.year) * 12
    length += end.first_day.month - start.first_day.month + 1
    return Period(start, min(length, 10 * 12))


def history(now: datetime.datetime | None = None) -> Period:
    """The last `HISTORY_MONTHS` months, this one included."""
    current = goal.month_of(now or timezone.now())
    return Period(shift(current, 1 - HISTORY_MONTHS), HISTORY_MONTHS)
