"""Campaign results for staff: impressions → clicks → checkouts → contributions and revenue, per
campaign and arm, over a period of days.

The first steps come from the anonymous event counters; contributions and revenue from the
ledger, through the campaign and variant that the contribution form recorded.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import format_percent
from django.db.models import Sum
from django.utils.translation import get_language, gettext, to_locale

from tamizdat.support import money

from . import goal, revenue
from .models import BASE_ARM, Campaign, Event, EventCount, FundingGoal


@dataclass
class ArmResult:
    key: str
    events: dict[str, int] = field(default_factory=dict)
    contributions: int = 0
    revenue: dict[str, int] = field(default_factory=dict)
    revenue_converted: int = 0
    revenue_text: str = ""
    revenue_converted_text: str = ""

    def count(self, event: str) -> int:
        return self.events.get(event, 0)

    @property
    def label(self) -> str:
        """How staff read the arm: the campaign's own copy by name, a variant by its key."""
        return gettext("The campaign's own copy") if self.key == BASE_ARM else self.key

    @property
    def impressions(self) -> int:
        return self.count(Event.IMPRESSION)

    @property
    def clicks(self) -> int:
        return self.count(Event.CLICK)

    @property
    def checkouts(self) -> int:
        return self.count(Event.CHECKOUT)

    @property
    def looks_forged(self) -> bool:
        """Whether the counts cannot all be readers' own: every click, dismissal and
        "remind me later" follows an impression of the prompt, so more of any of them than
        impressions means someone sent events that no reader caused."""
        follow_ups = (Event.CLICK, Event.DISMISS, Event.SNOOZE)
        return any(self.count(event) > self.impressions for event in follow_ups)

    @property
    def conversion(self) -> str:
        """Contributions per impression, as a percentage with one decimal."""
        return percent(self.contributions, self.impressions)


@dataclass
class CampaignResult:
    campaign: Campaign
    arms: list[ArmResult]


def percent(part: int, whole: int) -> str:
    if not whole:
        return "–"
    value = (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)
    # In the reader of the report's language: "12.5%", "12,5 %".
    return format_percent(value / 100, "#,##0.0%", locale=to_locale(get_language() or "en"))


def period_bounds(first: datetime.date, last: datetime.date) -> tuple[datetime.datetime, ...]:
    """[first day 00:00, day after the last 00:00) in the newsroom's time zone."""
    zone = goal.newsroom_zone()
    start = datetime.datetime.combine(first, datetime.time(), tzinfo=zone)
    end = datetime.datetime.combine(last + datetime.timedelta(days=1), datetime.time(), tzinfo=zone)
    return start, end


def results(first: datetime.date, last: datetime.date, language: str) -> list[CampaignResult]:
    counts = (
        EventCount.objects.filter(day__gte=first, day__lte=last)
        .values("campaign_id", "variant", "event")
        .annotate(total=Sum("count"))
    )
    events: dict[int, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    for row in counts:
        events[row["campaign_id"]][row["variant"]][row["event"]] = row["total"]

    shown = Campaign.objects.filter(pk__in=events.keys()) | Campaign.objects.filter(live=True)
    campaigns = list(shown.distinct().select_related("locale").prefetch_related("variants"))
    start, end = period_bounds(first, last)
    converted = revenue.conversions([str(campaign.pk) for campaign in campaigns], start, end)
    goal_currency = FundingGoal.current().currency

    found = []
    for campaign in campaigns:
        keys = [*campaign.arm_keys()]
        keys += sorted(set(events[campaign.pk]) - set(keys))  # arms since removed
        arms = []
        for key in keys:
            conversions = converted.get((str(campaign.pk), key))
            arm = ArmResult(key=key, events=dict(events[campaign.pk].get(key, {})))
            if conversions:
                arm.contributions = conversions.contributions
                arm.revenue = conversions.revenue
                arm.revenue_converted, _ = goal.convert(
                    {c: Decimal(v) for c, v in conversions.revenue.items()}, goal_currency, last
                )
                arm.revenue_text = format_revenue(arm.revenue, language)
                if set(arm.revenue) != {goal_currency}:
                    arm.revenue_converted_text = money.format_money(
                        arm.revenue_converted, goal_currency, language
                    )
            arms.append(arm)
        found.append(CampaignResult(campaign=campaign, arms=arms))
    return found


def format_revenue(revenue: dict[str, int], language: str) -> str:
    return ", ".join(
        money.format_money(amount, currency, language)
        for currency, amount in sorted(revenue.items())
    )
