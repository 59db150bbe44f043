"""MRR at the end of a period split by the plans' payment rail and by the campaign each plan
started from (the campaign the contribution form recorded on the plan's first gift), read
from the plans' history (`support.PlanChange`) as the MRR itself is."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import Q, Sum

from tamizdat.prompts.models import Campaign
from tamizdat.support.models import PlanChange

from ..periods import Period
from .breakdowns import Share
from .common import Converter
from .recurring import monthly

NO_CAMPAIGN = ""  # what a plan that started from no campaign records
Yearly = dict[str, int]  # twelve months' worth per currency, in minor units


@dataclass(frozen=True)
class Split:
    """MRR at a period's end per rail and per campaign, in minor units of the converter's
    currency. Either list adds up to the period's MRR exactly."""

    rails: list[Share]  # key: the rail's identifier
    campaigns: list[Share]  # key: the campaign's id as recorded, NO_CAMPAIGN for none
    campaign_names: dict[str, str] = field(default_factory=dict)  # of those still kept

    @property
    def total(self) -> int:
        return sum(share.amount for share in self.rails)


def _parts(parts: dict[str, Yearly], convert: Converter, day: datetime.date) -> list[Share]:
    """Each part's monthly value, converted so that the parts add up to the whole exactly as
    the whole is rounded: a part is the rounded running total with it less the rounded
    running total before it, so it is within a minor unit of its own rounding."""
    running: Yearly = defaultdict(int)
    before = 0
    shares = []
    for key, totals in sorted(parts.items()):
        if not any(totals.values()):
            continue  # every plan of it stopped before the period's end
        for currency, value in totals.items():
            running[currency] += value
        upto = convert(monthly(running), day)
        shares.append(Share(key, upto - before))
        before = upto
    return sorted(shares, key=lambda share: (-share.amount, share.key))


def splits(periods: Sequence[Period], convert: Converter, now: datetime.datetime) -> list[Split]:
    """The split of each period, from one query summing the plans' changes before each
    period's end per rail, campaign and currency (and one naming the campaigns)."""
    ends = [period.end for period in periods]
    sums = {
        f"m{index}": Sum("yearly_change", filter=Q(at__lt=end)) for index, end in enumerate(ends)
    }
    rows = list(
        PlanChange.objects.filter(at__lt=max(ends))
        .values("plan__provider", "plan__contribution__campaign", "currency")
        .annotate(**sums)
        .order_by()
    )
    keys = {row["plan__contribution__campaign"] for row in rows} - {NO_CAMPAIGN}
    names = dict(
        Campaign.objects.filter(pk__in=[key for key in keys if key.isdigit()]).values_list(
            "pk", "name"
        )
    )
    found = []
    for index, period in enumerate(periods):
        rails: dict[str, Yearly] = defaultdict(lambda: defaultdict(int))
        campaigns: dict[str, Yearly] = defaultdict(lambda: defaultdict(int))
        for row in rows:
            value = row[f"m{index}"] or 0
            rails[row["plan__provider"]][row["currency"]] += value
            campaigns[row["plan__contribution__campaign"]][row["currency"]] += value
        day = period.rates_day(now)
        found.append(
            Split(
                rails=_parts(rails, convert, day),
                campaigns=_parts(campaigns, convert, day),
                campaign_names={str(pk): name for pk, name in names.items()},
            )
        )
    return found
