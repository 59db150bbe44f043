"""The ledger's rules, independent of any processor. Every change goes through here.

- A contribution moves held → pending → paid (or → expired); paid and expired are final.
- A payment is recorded once per processor payment id; its receipt is queued once, after commit.
- A plan's state follows the processor's newest fact: a fact older than the one applied last is
  ignored, and canceled is final.
- A refund only ever raises the refunded amount.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial

from django.db import IntegrityError, transaction

from .models import Contribution, Payment, RecurringPlan, Supporter, normalize_email

Status = Contribution.Status
PlanStatus = RecurringPlan.Status


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


def release(contribution: Contribution) -> bool:
    """A held contribution (waiting for e-mail confirmation) may go to the processor."""
    updated = Contribution.objects.filter(pk=contribution.pk, status=Status.HELD).update(
        status=Status.PENDING
    )
    contribution.refresh_from_db(fields=["status"])
    return bool(updated)


def mark_paid(contribution: Contribution, at: datetime) -> bool:
    updated = Contribution.objects.filter(
        pk=contribution.pk, status__in=[Status.HELD, Status.PENDING, Status.EXPIRED]
    ).update(status=Status.PAID, paid_at=at)
    contribution.refresh_from_db(fields=["status", "paid_at"])
    return bool(updated)


def mark_expired(contribution: Contribution) -> bool:
    updated = Contribution.objects.filter(
        pk=contribution.pk, status__in=[Status.HELD, Status.PENDING]
    ).update(status=Status.EXPIRED)
    contribution.refresh_from_db(fields=["status"])
    return bool(updated)


def record_payment(
    *,
    contribution: Contribution | None,
    plan: RecurringPlan | None,
    kind: str,
    provider: str,
    provider_payment_id: str,
    amount: int,
    currency: str,
    paid_at: datetime,
    charge_ref: str = "",
) -> tuple[Payment, bool]:
    """The payment with this processor id, recorded on first sight; its receipt follows once."""
    supporter = (plan or contribution).supporter  # type: ignore[union-attr]
    try:
        with transaction.atomic():
            payment, created = Payment.objects.get_or_create(
                provider=provider,
                provider_payment_id=provider_payment_id,
                defaults={
                    "supporter": supporter,
                    "contribution": contribution,
                    "plan": plan,
                    "kind": kind,
                    "amount": amount,
                    "currency": currency.upper(),
                    "paid_at": paid_at,
                    "provider_charge_ref": charge_ref,
                },
            )
    except IntegrityError:
        payment, created = (
            Payment.objects.get(provider=provider, provider_payment_id=provider_payment_id),
            False,
        )
    if not created and charge_ref and not payment.provider_charge_ref:
        payment.provider_charge_ref = charge_ref
        payment.save(update_fields=["provider_charge_ref"])
    if created:
        from .tasks import send_receipt

        transaction.on_commit(partial(send_receipt.enqueue, payment.pk))
    return payment, created


def plan_for(
    contribution: Contribution, *, provider_plan_id: str, customer_id: str, as_of: datetime
) -> RecurringPlan:
    """The plan a recurring contribution started, created when the processor first names it."""
    plan = RecurringPlan.objects.select_for_update().filter(contribution=contribution).first()
    if plan is None:
        plan = RecurringPlan.objects.create(
            supporter=contribution.supporter,
            contribution=contribution,
            provider=contribution.provider,
            provider_plan_id=provider_plan_id or None,
            provider_customer_id=customer_id,
            amount=contribution.total,
            currency=contribution.currency,
            interval=contribution.frequency,
            state_as_of=as_of,
        )
        return plan
    changed = []
    if provider_plan_id and not plan.provider_plan_id:
        plan.provider_plan_id = provider_plan_id
        changed.append("provider_plan_id")
    if customer_id and not plan.provider_customer_id:
        plan.provider_customer_id = customer_id
        changed.append("provider_customer_id")
    if changed:
        plan.save(update_fields=changed)
    return plan


def apply_plan_state(
    plan: RecurringPlan,
    *,
    as_of: datetime,
    status: str | None = None,
    amount: int | None = None,
    interval: str | None = None,
    period_end: datetime | None = None,
) -> bool:
    """Apply what the processor said at `as_of`, unless something newer was applied already."""
    if plan.status == PlanStatus.CANCELED:
        return False
    if plan.state_as_of and as_of < plan.state_as_of:
        return False
    if status is not None:
        plan.status = status
        if status == PlanStatus.CANCELED:
            plan.canceled_at = plan.canceled_at or as_of
    if amount is not None:
        plan.amount = amount
    if interval is not None:
        plan.interval = interval
    if period_end is not None:
        plan.current_period_end = period_end
    plan.state_as_of = as_of
    plan.save()
    return True


def record_refund(payment: Payment, refunded_total: int, at: datetime) -> bool:
    """The processor's cumulative refunded amount; a stale smaller figure changes nothing."""
    refunded_total = min(refunded_total, payment.amount)
    updated = Payment.objects.filter(pk=payment.pk, refunded_amount__lt=refunded_total).update(
        refunded_amount=refunded_total, refunded_at=at
    )
    payment.refresh_from_db(fields=["refunded_amount", "refunded_at"])
    return bool(updated)
