"""Retention cohorts: supporters by the month of their first gift, and the share of each
cohort still giving in each month after."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count

from tamizdat.prompts import goal
from tamizdat.support.models import GivingSpan

from ..periods import Period
from .common import month_number

# An annual payment keeps its supporter giving for the months the year covers.
ANNUAL_COVERS = 11


def _index(moment: datetime.datetime) -> int:
    local = moment.astimezone(goal.newsroom_zone())
    return local.year * 12 + local.month - 1


@dataclass(frozen=True)
class Cohort:
    month: goal.Month
    size: int
    # still[n]: supporters of the cohort still giving n months after their first (still[0]
    # is the whole cohort); as many entries as months have passed.
    still: list[int]

    def share(self, after: int) -> float | None:
        if after >= len(self.still) or not self.size:
            return None
        return self.still[after] / self.size


def cohorts(months: Period, now: datetime.datetime) -> list[Cohort]:
    """One cohort per month of `months`. A supporter still gives `n` months after their first
    gift if a payment of theirs (not wholly refunded) falls in that month or later, an annual
    plan's payment counting for the eleven months after its own. One query of the supporters'
    spans of giving (`GivingSpan`), counted per month of first, last and last annual gift."""
    rows = (
        GivingSpan.objects.filter(first_at__gte=months.start, first_at__lt=months.end)
        .annotate(
            first_month=month_number("first_at", months),
            last_month=month_number("last_at", months),
            annual_month=month_number("last_annual_at", months),
        )
        .values("first_month", "last_month", "annual_month")
        .annotate(supporters=Count("pk"))
        .values_list("first_month", "last_month", "annual_month", "supporters")
        .order_by()
    )
    current = _index(now) - _index(months.start)
    sizes = [0] * months.length
    still = [[0] * (current - index + 1) for index in range(months.length)]
    for cohort, last, annual, supporters in rows:
        covered = last if annual is None else max(last, annual + ANNUAL_COVERS)
        sizes[cohort] += supporters
        for after in range(min(covered - cohort, len(still[cohort]) - 1) + 1):
            still[cohort][after] += supporters
    return [
        Cohort(month=month, size=sizes[index], still=still[index])
        for index, month in enumerate(months.months)
    ]
