"""What the campaigns read from the reader-revenue ledger (`tamizdat.support`), in one place.

Only reads, only aggregates: sums per currency, never anything about a supporter.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, F, Q, Sum

from tamizdat.support.models import Contribution, Payment, RecurringPlan

from .models import BASE_ARM


def recurring_totals() -> dict[tuple[str, str], int]:
    """What active plans charge per period, in minor units, per (currency, "month" | "year")."""
    rows = (
        RecurringPlan.objects.filter(status=RecurringPlan.Status.ACTIVE)
        .values("currency", "interval")
        .annotate(total=Sum("amount"))
    )
    return {(row["currency"], row["interval"]): row["total"] for row in rows}


def one_time_net(start: datetime.datetime, end: datetime.datetime) -> dict[str, int]:
    """One-time gifts paid in [start, end), less what was refunded of them, per currency."""
    rows = (
        Payment.objects.filter(kind=Payment.Kind.ONCE, paid_at__gte=start, paid_at__lt=end)
        .values("currency")
        .annotate(total=Sum(F("amount") - F("refunded_amount")))
    )
    return {row["currency"]: row["total"] for row in rows if row["total"]}


@dataclass
class Conversions:
    """Contributions a campaign's arm led to, and the money paid through them."""

    contributions: int = 0
    revenue: dict[str, int] = field(default_factory=dict)


def conversions(
    campaign_ids: list[str], start: datetime.datetime, end: datetime.datetime
) -> dict[tuple[str, str], Conversions]:
    """Per (campaign, variant) as the contribution form recorded them: contributions paid in
    [start, end), and every payment (first, renewals) in that period made through them, net of
    refunds, per currency."""
    results: dict[tuple[str, str], Conversions] = defaultdict(Conversions)
    paid = (
        Contribution.objects.filter(
            campaign__in=campaign_ids,
            status=Contribution.Status.PAID,
            paid_at__gte=start,
            paid_at__lt=end,
        )
        .values("campaign", "variant")
        .annotate(number=Count("pk"))
    )
    # A contribution that came through a campaign without naming a variant counts for its
    # base arm (the copy everyone sees when there are no variants).
    for row in paid:
        results[(row["campaign"], row["variant"] or BASE_ARM)].contributions += row["number"]
    payments = (
        Payment.objects.filter(paid_at__gte=start, paid_at__lt=end)
        .filter(
            Q(contribution__campaign__in=campaign_ids)
            | Q(plan__contribution__campaign__in=campaign_ids)
        )
        .values(
            "currency",
            "contribution__campaign",
            "contribution__variant",
            "plan__contribution__campaign",
            "plan__contribution__variant",
        )
        .annotate(total=Sum(F("amount") - F("refunded_amount")))
    )
    for row in payments:
        campaign = row["contribution__campaign"] or row["plan__contribution__campaign"]
        variant = row["contribution__variant"] or row["plan__contribution__variant"] or BASE_ARM
        revenue = results[(campaign, variant)].revenue
        revenue[row["currency"]] = revenue.get(row["currency"], 0) + row["total"]
    return dict(results)
