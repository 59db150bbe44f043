"""The ledger: the only code that writes contributions, payments, plans and refunds.

Providers report the processor's facts here, views ask here, and every transition is kept in
the admin history with its actor (`audit.Actor`). The rules, independent of any processor:

- A contribution moves held → pending → paid (or → expired); paid is final, and expired gives
  way only to paid (a late payment of a checkout we had given up on).
- A payment is recorded once per processor payment id; its receipt is queued once, in the same
  transaction.
- A plan's state follows the processor's newest fact: a fact older than the one applied last is
  ignored, and canceled is final.
- A refund only ever raises the refunded amount.
- The dashboard's summaries of payments (`summaries.py`) change in the same transaction as
  the payments and refunds they sum.
- Every change of what a plan brings in each month is kept as a `PlanChange`, at the
  processor's time of the fact: the history the dashboard's MRR figures read.

With the lookups of `lookups.py` re-exported, it is all that payment providers know of this app.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from tamizdat.leases import RECEIPT_CLAIM

from . import summaries
from .audit import Actor
from .audit import record as log
from .ledger_plans import apply_plan_state, cancel_plan, next_revision, plan_for
from .lookups import (
    contribution_by_reference,
    contributions_by_reference,
    customer_ids,
    live_plans,
    payment_by_charge_ref,
    plan_by_pk,
    plan_by_processor_id,
    plans_by_processor_id,
    recorded_payment_ids,
)
from .models import (
    Contribution,
    Frequency,
    Payment,
    RecurringPlan,
    Supporter,
    normalize_email,
)

__all__ = [
    "Actor",
    "Contribution",
    "Frequency",
    "LedgerError",
    "Payment",
    "PlanStatus",
    "RecurringPlan",
    "Status",
    "Supporter",
    "apply_plan_state",
    "cancel_plan",
    "contribution_by_reference",
    "contributions_by_reference",
    "customer_ids",
    "live_plans",
    "next_revision",
    "payment_by_charge_ref",
    "plan_by_pk",
    "plan_by_processor_id",
    "plan_for",
    "plans_by_processor_id",
    "recorded_payment_ids",
]

Status = Contribution.Status
PlanStatus = RecurringPlan.Status


class LedgerError(Exception):
    """A change the ledger's rules refuse; nothing was written."""


# -- supporters and contributions ----------------------------------------------------------


def supporter_for(email: str, *, name: str = "", language: str, anonymous: bool) -> Supporter:
    """The supporter with this address, created on first gift; their latest choices win."""
    email = normalize_email(email)
    try:
        with transaction.atomic():
            supporter, created = Supporter.objects.get_or_create(
                email=email,
                defaults={"name": name, "language": language, "anonymous": anonymous},
            )
    except IntegrityError:  # another request created them first
        supporter, created = Supporter.objects.get(email=email), False
    if not created:
        supporter.language = language
        supporter.anonymous = anonymous
        supporter.name = name or supporter.name
        supporter.save(update_fields=["language", "anonymous", "name"])
    return supporter


def start_contribution(
    supporter: Supporter,
    *,
    frequency: str,
    amount: int,
    currency: str,
    provider: str,
    actor: Actor,
    fee_amount: int = 0,
    language: str = "en",
    campaign: str = "",
    variant: str = "",
    confirm_email_first: bool = False,
) -> Contribution:
    """A reader pressed "Continue": held for e-mail confirmation if the defence asks, or pending."""
    if amount <= 0 or fee_amount < 0:
        raise LedgerError("a contribution needs a positive amount")
    contribution = Contribution.objects.create(
        supporter=supporter,
        frequency=frequency,
        amount=amount,
        fee_amount=fee_amount,
        currency=currency,
        provider=provider,
        status=Status.HELD if confirm_email_first else Status.PENDING,
        language=language,
        campaign=campaign,
        variant=variant,
    )
    log(contribution, "start", actor, amount=contribution.total, currency=currency)
    return contribution


def checkout_opened(contribution: Contribution, session_id: str, actor: Actor) -> None:
    """The processor's checkout for this contribution, which its events will name."""
    Contribution.objects.filter(pk=contribution.pk).update(provider_session_id=session_id)
    contribution.provider_session_id = session_id
    log(contribution, "checkout", actor)


def _move(
    contribution: Contribution, to: str, allowed_from: Iterable[str], **fields: object
) -> bool:
    """Move a contribution to `to` if it is in one of `allowed_from`, atomically: of two
    concurrent deliveries of one fact, exactly one moves it."""
    updated = Contribution.objects.filter(pk=contribution.pk, status__in=list(allowed_from)).update(
        status=to, **fields
    )
    contribution.refresh_from_db(fields=["status", "paid_at"])
    return bool(updated)


def release(contribution: Contribution, actor: Actor) -> bool:
    """A held contribution (waiting for e-mail confirmation) may go to the processor."""
    moved = _move(contribution, Status.PENDING, [Status.HELD])
    if moved:
        log(contribution, "release", actor)
    return moved


def mark_paid(contribution: Contribution, at: datetime.datetime, actor: Actor) -> bool:
    moved = _move(
        contribution, Status.PAID, [Status.HELD, Status.PENDING, Status.EXPIRED], paid_at=at
    )
    if moved:
        log(contribution, "paid", actor)
    return moved


def mark_expired(contribution: Contribution, actor: Actor) -> bool:
    moved = _move(contribution, Status.EXPIRED, [Status.HELD, Status.PENDING])
    if moved:
        log(contribution, "expired", actor)
    return moved


# -- payments ------------------------------------------------------------------------------


def record_payment(
    *,
    contribution: Contribution | None,
    plan: RecurringPlan | None,
    kind: str,
    provider: str,
    provider_payment_id: str,
    amount: int,
    currency: str,
    paid_at: datetime.datetime,
    actor: Actor,
    charge_ref: str = "",
    receipt: bool = True,
) -> tuple[Payment, bool]:
    """The payment with this processor id, recorded on first sight; its receipt follows once
    (unless `receipt` is off: the demo's made-up payments mail no one)."""
    owner = plan or contribution
    if owner is None:
        raise LedgerError("a payment belongs to a contribution or a plan")
    if amount <= 0:
        raise LedgerError("a payment needs a positive amount")
    try:
        with transaction.atomic():
            payment, created = Payment.objects.get_or_create(
                provider=provider,
                provider_payment_id=provider_payment_id,
                defaults={
                    "supporter": owner.supporter,
                    "contribution": contribution,
                    "plan": plan,
                    "kind": kind,
                    "amount": amount,
                    "currency": currency.upper(),
                    "paid_at": paid_at,
                    "provider_charge_ref": charge_ref,
                },
            )
            if created:
                summaries.payment_recorded(payment)
            if created and receipt:
                from .tasks import send_receipt

                # The task queue lives in the same database, so queuing the receipt in the
                # payment's own transaction means no payment is ever kept without its receipt
                # queued, even if the process dies or the database refuses a write right after.
                send_receipt.enqueue(payment.pk)
    except IntegrityError:  # another delivery recorded it first
        payment = Payment.objects.get(provider=provider, provider_payment_id=provider_payment_id)
        created = False
    if not created and charge_ref and not payment.provider_charge_ref:
        payment.provider_charge_ref = charge_ref
        payment.save(update_fields=["provider_charge_ref"])
    if created:
        log(payment, "payment", actor, amount=payment.amount, currency=payment.currency)
    return payment, created


def claim_receipt(payment_id: int) -> bool:
    """Claim an unsent receipt for one sender; False if it went out or a live claim holds it."""
    now = timezone.now()
    unclaimed = Q(receipt_claimed_at__isnull=True) | Q(receipt_claimed_at__lt=now - RECEIPT_CLAIM)
    claimed = Payment.objects.filter(unclaimed, pk=payment_id, receipt_sent_at__isnull=True)
    return bool(claimed.update(receipt_claimed_at=now))


def finish_receipt(payment_id: int, *, sent: bool) -> None:
    """Sent: the mail server accepted the receipt, which counts as sent from now on. Not sent:
    sending failed, and a later attempt may claim it again at once."""
    field = "receipt_sent_at" if sent else "receipt_claimed_at"
    Payment.objects.filter(pk=payment_id).update(**{field: timezone.now() if sent else None})


def receive_transfer(
    contribution: Contribution, *, amount: int, received_on: datetime.date, actor: Actor
) -> Payment:
    """Staff saw a transfer arrive: record it once, whoever clicks twice, with the day the
    money came and who said so. `amount` may differ from the promise (staff confirm that)."""
    if amount <= 0:
        raise LedgerError("a received transfer needs a positive amount")
    today = timezone.localdate()
    if received_on > today:
        raise LedgerError("a transfer cannot be received in the future")
    # The day staff name, at its start in the newsroom's time zone; today's is now.
    paid_at = (
        timezone.now()
        if received_on == today
        else timezone.make_aware(datetime.datetime.combine(received_on, datetime.time.min))
    )
    with transaction.atomic():
        contribution = Contribution.objects.select_for_update().get(pk=contribution.pk)
        if contribution.status not in (Status.HELD, Status.PENDING):
            raise LedgerError("this contribution is not waiting for a payment")
        payment, _created = record_payment(
            contribution=contribution,
            plan=None,
            kind=Payment.Kind.ONCE,
            provider=contribution.provider,
            provider_payment_id=contribution.reference,
            amount=amount,
            currency=contribution.currency,
            paid_at=paid_at,
            actor=actor,
        )
        log(
            contribution,
            "received",
            actor,
            amount=amount,
            expected=contribution.total,
            currency=contribution.currency,
            received_on=received_on.isoformat(),
        )
        mark_paid(contribution, paid_at, actor)
    return payment


REFUND_REASON_LENGTH = 200


def ask_refund(payment: Payment, amount: int, reason: str, actor: Actor) -> int:
    """Staff ask for `amount` of `payment` back, for `reason`: checked against what is left
    and kept in the payment's history with who asked. Returns the cumulative refunded amount
    the refund will reach, which is what the processor then reports (`record_refund`)."""
    payment.refresh_from_db(fields=["refunded_amount", "refunded_at"])
    left = payment.amount - payment.refunded_amount
    if left <= 0:
        raise LedgerError("this payment is refunded in full already")
    if not 0 < amount <= left:
        raise LedgerError("a refund must be more than nothing and at most what is left")
    log(
        payment,
        "refund_request",
        actor,
        amount=amount,
        currency=payment.currency,
        reason=reason.strip()[:REFUND_REASON_LENGTH],
    )
    return payment.refunded_amount + amount


def record_refund(
    payment: Payment, refunded_total: int, at: datetime.datetime, actor: Actor
) -> bool:
    """The processor's cumulative refunded amount; a stale smaller figure changes nothing."""
    refunded_total = min(refunded_total, payment.amount)
    with transaction.atomic():
        # Locked, so that the summaries add exactly what this refund adds.
        before = Payment.objects.select_for_update().get(pk=payment.pk).refunded_amount
        updated = Payment.objects.filter(pk=payment.pk, refunded_amount__lt=refunded_total).update(
            refunded_amount=refunded_total, refunded_at=at
        )
        payment.refresh_from_db(fields=["refunded_amount", "refunded_at"])
        if updated:
            summaries.refund_recorded(payment, refunded_total - before)
    if updated:
        changes = {"refunded_amount": [before, refunded_total]}
        log(payment, "refund", actor, changes=changes, currency=payment.currency)
    return bool(updated)


def forget(supporter: Supporter, shredded_email: str, actor: Actor) -> None:
    """Shred who a supporter is; amounts, dates and receipt numbers stay in the books."""
    supporter.plans.exclude(cancel_reason="").update(cancel_reason="")
    supporter.email = shredded_email
    supporter.name = ""
    supporter.shredded_at = timezone.now()
    supporter.save(update_fields=["email", "name", "shredded_at"])
    log(supporter, "shred", actor)
