"""Newsletters on the dashboard: per newsletter, subscribers at the start and end of the period,
confirmations and unsubscribes in it, and how many subscribers gave after subscribing (matched
by e-mail inside the ledger, never sent anywhere)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet

from tamizdat.newsletters.models import Newsletter, Subscription
from tamizdat.support.models import Payment

from ..periods import Period


@dataclass(frozen=True)
class NewsletterFigures:
    name: str
    at_start: int
    at_end: int
    confirmed: int
    left: int
    became_supporters: int


def _receiving(subscriptions: QuerySet[Subscription], moment: datetime.datetime) -> int:
    received = Q(unsubscribed_at__isnull=True) | Q(unsubscribed_at__gte=moment)
    return subscriptions.filter(received, consented_at__lt=moment).count()


def newsletters(period: Period, now: datetime.datetime) -> list[NewsletterFigures]:
    until = period.until(now)
    gave = Payment.objects.filter(
        supporter__email=OuterRef("subscriber__email"),
        paid_at__gte=OuterRef("consented_at"),
        paid_at__lt=until,
    )
    figures = []
    for newsletter in Newsletter.objects.order_by("language", "name"):
        subscriptions = Subscription.objects.filter(newsletter=newsletter)
        figures.append(
            NewsletterFigures(
                name=newsletter.name,
                at_start=_receiving(subscriptions, period.start),
                at_end=_receiving(subscriptions, until),
                confirmed=subscriptions.filter(
                    consented_at__gte=period.start, consented_at__lt=until
                ).count(),
                left=subscriptions.filter(
                    unsubscribed_at__gte=period.start, unsubscribed_at__lt=until
                ).count(),
                became_supporters=subscriptions.filter(Exists(gave)).count(),
            )
        )
    return figures
