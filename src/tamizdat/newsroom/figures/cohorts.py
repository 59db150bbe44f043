"""Retention cohorts: supporters by the month of their first gift, and the share of each
cohort still giving in each month after."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import F, Max, Min, Q

from tamizdat.prompts import goal
from tamizdat.support.models import Frequency, Payment

from ..periods import Period

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
    plan's payment counting for the eleven months after its own. One query, one row per
    supporter whose first gift fell in the period."""
    kept = Payment.objects.filter(amount__gt=F("refunded_amount"))
    rows = (
        kept.values("supporter")
        .annotate(
            first=Min("paid_at"),
            last=Max("paid_at"),
            last_annual=Max("paid_at", filter=Q(plan__interval=Frequency.YEAR)),
        )
        .filter(first__gte=months.start, first__lt=months.end)
        .values_list("first", "last", "last_annual")
        .order_by()
    )
    first_index = _index(months.start)
    current = _index(now)
    sizes = [0] * months.length
    still = [[0] * (current - _index(m.start) + 1) for m in months.months]
    for first, last, last_annual in rows:
        cohort = _index(first) - first_index
        covered = _index(last)
        if last_annual is not None:
            covered = max(covered, _index(last_annual) + ANNUAL_COVERS)
        sizes[cohort] += 1
        for after in range(min(covered - _index(first), len(still[cohort]) - 1) + 1):
            still[cohort][after] += 1
    return [
        Cohort(month=month, size=sizes[index], still=still[index])
        for index, month in enumerate(months.months)
    ]
