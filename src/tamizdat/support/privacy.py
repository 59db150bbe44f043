"""Donor privacy: a supporter's personal data is shredded on request or once they have lapsed.

Shredding removes who a supporter is (e-mail, name, a cancellation note in their own words, the
processor's customer record) and keeps what the newsroom's books need (amounts, currencies,
dates, receipt numbers), so the ledger and the funding goal still add up. A supporter lapses
when they have no running plan and have not paid for `SUPPORT_RETENTION_DAYS`.

Other copies of who a supporter is go with them: their newsletter subscriptions, webhook
payloads that name them (the processor's copy of a payer's e-mail, name and country), the
admin's history labels, and the tracebacks of mail tasks that failed for their address. Once an
event is applied the ledger holds what matters, so payloads older than the retention period are
emptied for everyone. Stripe keeps its own copy of a one-time payer's e-mail on the Checkout
Session, which its API cannot delete.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from wagtail.models import ModelLogEntry

from tamizdat.newsletters import privacy as newsletter_privacy
from tamizdat.payments import webhooks
from tamizdat.payments.registry import get_provider

from . import ledger
from .models import Contribution, Payment, RecurringPlan, Supporter

RUNNING = (RecurringPlan.Status.ACTIVE, RecurringPlan.Status.PAST_DUE)
# A checkout can still be paid this long after it was opened (Stripe's longest session life).
OPEN_CHECKOUT = datetime.timedelta(hours=24)


class StillSupporting(Exception):
    """The supporter has a running plan or an open checkout: it must end first, or the
    processor would go on charging someone who can no longer be reached or manage it."""


def is_still_supporting(supporter: Supporter) -> bool:
    open_since = timezone.now() - OPEN_CHECKOUT
    return (
        supporter.plans.filter(status__in=RUNNING).exists()
        or supporter.contributions.filter(
            status__in=(Contribution.Status.HELD, Contribution.Status.PENDING),
            created_at__gte=open_since,
        ).exists()
    )


def shredded_email(supporter: Supporter) -> str:
    # Unique like every e-mail in the table, and on a reserved domain no mail can reach.
    return f"shredded-{supporter.pk}@shredded.invalid"


def shred(supporter: Supporter, actor: ledger.Actor) -> None:
    """Forget who `supporter` is, here and at every processor they paid through."""
    if supporter.shredded_at:
        return
    if is_still_supporting(supporter):
        raise StillSupporting(supporter.email)
    providers = set(supporter.contributions.values_list("provider", flat=True))
    for identifier in sorted(providers):
        provider = get_provider(identifier)
        # A processor switched off here cannot be asked; what we keep is shredded anyway.
        if provider is not None and provider.is_enabled():
            provider.shred(supporter)
    traces = _traces(supporter)
    with transaction.atomic():
        webhooks.empty_payloads_naming(traces)
        DBTaskResult.objects.filter(traceback__contains=supporter.email).update(traceback="")
        email = supporter.email
        newsletter_privacy.forget(email)  # a supporter who also took newsletters
        ledger.forget(supporter, shredded_email(supporter), actor)
        ModelLogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(Supporter),
            object_id=str(supporter.pk),
            label=email,
        ).update(label=supporter.email)


def _traces(supporter: Supporter) -> set[str]:
    """What a processor's payload would name this supporter by: the e-mail and the ids of
    their checkouts, plans, customers and payments."""
    found = {supporter.email}
    found.update(supporter.contributions.values_list("provider_session_id", flat=True))
    for plan_id, customer_id in supporter.plans.values_list(
        "provider_plan_id", "provider_customer_id"
    ):
        found.update(trace for trace in (plan_id, customer_id) if trace)
    for payment_id, charge_ref in supporter.payments.values_list(
        "provider_payment_id", "provider_charge_ref"
    ):
        found.update((payment_id, charge_ref))
    return {trace for trace in found if trace}


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


def export(supporter: Supporter) -> dict[str, Any]:
    """Everything kept about a supporter, for a request to see their data."""
    payments = Payment.objects.filter(supporter=supporter).order_by("paid_at")
    return {
        "email": supporter.email,
        "name": supporter.name,
        "language": supporter.language,
        "anonymous": supporter.anonymous,
        "first_gave": supporter.created_at.isoformat(),
        "contributions": [
            {
                "reference": contribution.reference,
                "frequency": contribution.frequency,
                "amount": contribution.amount,
                "fees_covered": contribution.fee_amount,
                "currency": contribution.currency,
                "status": contribution.status,
                "method": contribution.provider,
                "language": contribution.language,
                "campaign": contribution.campaign,
                "started": contribution.created_at.isoformat(),
                "processor_checkout": contribution.provider_session_id,
            }
            for contribution in supporter.contributions.order_by("created_at")
        ],
        "plans": [
            {
                "processor_subscription": plan.provider_plan_id,
                "processor_customer": plan.provider_customer_id,
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
                "processor_payment": payment.provider_payment_id,
            }
            for payment in payments
        ],
        "newsletters": newsletter_privacy.export(supporter.email),
    }
