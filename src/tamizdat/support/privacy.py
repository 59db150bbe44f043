"""Donor privacy: a supporter's personal data is shredded on request or once they have lapsed.

Shredding removes who a supporter is (e-mail, name, a cancellation note in their own words, the
processor's customer record) and keeps what the newsroom's books need (amounts, currencies,
dates, receipt numbers), so the ledger and the funding goal still add up. A supporter lapses
when they have no running plan and have not paid for `SUPPORT_RETENTION_DAYS`.

Webhook payloads carry the processor's copy of a payer's details (e-mail, name, country); once
the event is applied the ledger holds what matters, so payloads older than the same period are
emptied too.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from tamizdat.payments.models import WebhookEvent
from tamizdat.payments.registry import get_provider

from .models import Payment, RecurringPlan, Supporter

RUNNING = (RecurringPlan.Status.ACTIVE, RecurringPlan.Status.PAST_DUE)


class StillSupporting(Exception):
    """The supporter has a running plan: it must be canceled first, or the processor would
    go on charging someone who can no longer be reached or manage it."""


def shredded_email(supporter: Supporter) -> str:
    # Unique like every e-mail in the table, and on a reserved domain no mail can reach.
    return f"shredded-{supporter.pk}@shredded.invalid"


def shred(supporter: Supporter) -> None:
    """Forget who `supporter` is, here and at every processor they paid through."""
    if supporter.shredded_at:
        return
    if supporter.plans.filter(status__in=RUNNING).exists():
        raise StillSupporting(supporter.email)
    providers = set(supporter.contributions.values_list("provider", flat=True))
    for identifier in sorted(providers):
        provider = get_provider(identifier)
        if provider is not None:
            provider.shred(supporter)
    with transaction.atomic():
        supporter.plans.exclude(cancel_reason="").update(cancel_reason="")
        supporter.email = shredded_email(supporter)
        supporter.name = ""
        supporter.shredded_at = timezone.now()
        supporter.save(update_fields=["email", "name", "shredded_at"])


def retention_cutoff(now: datetime.datetime | None = None) -> datetime.datetime:
    return (now or timezone.now()) - datetime.timedelta(days=settings.SUPPORT_RETENTION_DAYS)


def lapsed(cutoff: datetime.datetime) -> Any:
    """Supporters not yet shredded, with no running plan, who neither paid nor started a
    contribution since `cutoff`."""
    return (
        Supporter.objects.filter(shredded_at__isnull=True)
        .exclude(plans__status__in=RUNNING)
        .annotate(last_paid=Max("payments__paid_at"), last_started=Max("contributions__created_at"))
        .filter(Q(last_paid__isnull=True) | Q(last_paid__lt=cutoff))
        .filter(Q(last_started__isnull=True) | Q(last_started__lt=cutoff))
        .distinct()
    )


def empty_old_payloads(cutoff: datetime.datetime) -> int:
    """Empty the payloads of webhook events applied before `cutoff`; their ids stay, so a
    late redelivery is still recognised as a duplicate."""
    return (
        WebhookEvent.objects.filter(processed_at__lt=cutoff).exclude(payload={}).update(payload={})
    )


def export(supporter: Supporter) -> dict[str, Any]:
    """Everything kept about a supporter, for a request to see their data."""
    payments = Payment.objects.filter(supporter=supporter).order_by("paid_at")
    return {
        "email": supporter.email,
        "name": supporter.name,
        "language": supporter.language,
        "anonymous": supporter.anonymous,
        "first_gave": supporter.created_at.isoformat(),
        "plans": [
            {
                "amount": plan.amount,
                "currency": plan.currency,
                "interval": plan.interval,
                "status": plan.status,
                "started": plan.created_at.isoformat(),
                "canceled": plan.canceled_at.isoformat() if plan.canceled_at else None,
                "cancel_reason": plan.cancel_reason,
            }
            for plan in supporter.plans.order_by("created_at")
        ],
        "payments": [
            {
                "receipt": payment.receipt_number,
                "amount": payment.amount,
                "currency": payment.currency,
                "paid": payment.paid_at.isoformat(),
                "refunded": payment.refunded_amount,
                "method": payment.provider,
            }
            for payment in payments
        ],
    }
