"""Stripe's webhook events, applied to the ledger as the facts they report.

Every object we create carries our reference in its metadata, so any event, in any order,
finds its contribution. Each handler takes the event's object, the event's time and its actor,
and runs inside the transaction that stores the event; reconciliation repairs drift through the
same handlers, so a late webhook changes nothing twice.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from tamizdat.support import ledger
from tamizdat.support.ledger import Actor, Contribution, Payment, PlanStatus, RecurringPlan

from ..base import MalformedEvent, ParsedEvent
from ..signals import card_declined
from ..webhooks import RetryLater
from .common import (
    IDENTIFIER,
    PLAN_KEY,
    REFERENCE_KEY,
    PlanTerms,
    call,
    client,
    invoice_subscription,
    stripe_time,
)


def contribution_of(metadata: Mapping[str, Any] | None) -> Contribution | None:
    reference = (metadata or {}).get(REFERENCE_KEY)
    if not reference:
        return None
    return ledger.contribution_by_reference(IDENTIFIER, reference)


def plan_of(
    subscription_id: str | None,
    metadata: Mapping[str, Any] | None,
    customer: str,
    as_of: datetime,
    actor: Actor,
) -> RecurringPlan | None:
    """The plan a subscription is, created when its contribution's first fact names it."""
    contribution = contribution_of(metadata)
    if contribution is not None and contribution.is_recurring:
        return ledger.plan_for(
            contribution,
            provider_plan_id=subscription_id or "",
            customer_id=customer,
            as_of=as_of,
            actor=actor,
        )
    if subscription_id:
        return ledger.plan_by_processor_id(IDENTIFIER, subscription_id)
    return None


def session_completed(session: dict[str, Any], as_of: datetime, actor: Actor) -> None:
    if session.get("mode") == "setup":
        card_saved(session)
        return
    contribution = contribution_of(session.get("metadata"))
    if contribution is None or session.get("payment_status") != "paid":
        return
    if session.get("mode") == "subscription":
        plan = plan_of(
            session.get("subscription"),
            session.get("metadata"),
            session.get("customer") or "",
            as_of,
            actor,
        )
        assert plan is not None  # a recurring contribution always has its plan
        ledger.apply_plan_state(plan, as_of=as_of, actor=actor, status=PlanStatus.ACTIVE)
        if session.get("invoice"):
            ledger.record_payment(
                contribution=contribution,
                plan=plan,
                kind=Payment.Kind.FIRST,
                provider=IDENTIFIER,
                provider_payment_id=session["invoice"],
                amount=session["amount_total"],
                currency=session["currency"],
                paid_at=as_of,
                actor=actor,
            )
    else:
        ledger.record_payment(
            contribution=contribution,
            plan=None,
            kind=Payment.Kind.ONCE,
            provider=IDENTIFIER,
            provider_payment_id=session["payment_intent"],
            amount=session["amount_total"],
            currency=session["currency"],
            paid_at=as_of,
            actor=actor,
            charge_ref=session["payment_intent"],
        )
    ledger.mark_paid(contribution, as_of, actor)


def session_expired(session: dict[str, Any], as_of: datetime, actor: Actor) -> None:
    contribution = contribution_of(session.get("metadata"))
    if contribution is not None:
        ledger.mark_expired(contribution, actor)


def invoice_paid(invoice: dict[str, Any], as_of: datetime, actor: Actor) -> None:
    subscription_id, metadata = invoice_subscription(invoice)
    plan = plan_of(subscription_id, metadata, invoice.get("customer") or "", as_of, actor)
    if plan is None:
        if subscription_id:
            # A renewal of a plan whose start we have not heard of yet: let Stripe retry.
            raise RetryLater(f"no plan for {subscription_id} yet")
        return
    first = invoice.get("billing_reason") == "subscription_create"
    if invoice.get("amount_paid"):
        ledger.record_payment(
            contribution=plan.contribution if first else None,
            plan=plan,
            kind=Payment.Kind.FIRST if first else Payment.Kind.RENEWAL,
            provider=IDENTIFIER,
            provider_payment_id=invoice["id"],
            amount=invoice["amount_paid"],
            currency=invoice["currency"],
            paid_at=as_of,
            actor=actor,
            charge_ref=invoice.get("payment_intent") or "",
        )
    lines = (invoice.get("lines") or {}).get("data") or []
    period_end = stripe_time(lines[0].get("period", {}).get("end")) if lines else None
    ledger.apply_plan_state(
        plan, as_of=as_of, actor=actor, status=PlanStatus.ACTIVE, period_end=period_end
    )
    if first:
        ledger.mark_paid(plan.contribution, as_of, actor)


def invoice_failed(invoice: dict[str, Any], as_of: datetime, actor: Actor) -> None:
    subscription_id, metadata = invoice_subscription(invoice)
    plan = plan_of(subscription_id, metadata, invoice.get("customer") or "", as_of, actor)
    if plan is not None and invoice.get("billing_reason") != "subscription_create":
        ledger.apply_plan_state(plan, as_of=as_of, actor=actor, status=PlanStatus.PAST_DUE)


def subscription_changed(subscription: dict[str, Any], as_of: datetime, actor: Actor) -> bool:
    """Apply a subscription's state; True if the ledger took it (canceled stays final)."""
    plan = plan_of(
        subscription["id"],
        subscription.get("metadata"),
        subscription.get("customer") or "",
        as_of,
        actor,
    )
    if plan is None:
        return False
    terms = PlanTerms.of(subscription)
    return ledger.apply_plan_state(
        plan,
        as_of=as_of,
        actor=actor,
        status=terms.status,
        amount=terms.amount,
        interval=terms.interval,
        period_end=terms.period_end,
    )


def charge_refunded(charge: dict[str, Any], as_of: datetime, actor: Actor) -> None:
    intent = charge.get("payment_intent")
    payment = ledger.payment_by_charge_ref(IDENTIFIER, intent) if intent else None
    if payment is None:
        if contribution_of(charge.get("metadata")) is not None:
            raise RetryLater(f"refund of {intent} before its payment")
        return
    ledger.record_refund(payment, charge.get("amount_refunded", 0), as_of, actor)


def payment_failed(intent: dict[str, Any], as_of: datetime, actor: Actor) -> None:
    # A declined card is what card testing looks like from the processor's side.
    if contribution_of(intent.get("metadata")) is not None:
        card_declined.send(sender=IDENTIFIER)


def card_saved(session: dict[str, Any]) -> None:
    """A card saved through setup mode becomes the plan's card for its next payments."""
    plan = ledger.plan_by_pk(IDENTIFIER, (session.get("metadata") or {}).get(PLAN_KEY))
    if plan is None or not plan.provider_plan_id or not session.get("setup_intent"):
        return
    stripe = client()
    intent = call(stripe.v1.setup_intents.retrieve, session["setup_intent"])
    call(
        stripe.v1.subscriptions.update,
        plan.provider_plan_id,
        {"default_payment_method": intent.payment_method},
        {"idempotency_key": f"tamizdat-card-{session['id']}"},
    )


Handler = Callable[[dict[str, Any], datetime, Actor], object]
# The events the ledger applies, and the handler of each.
HANDLERS: dict[str, Handler] = {
    "checkout.session.completed": session_completed,
    "checkout.session.async_payment_succeeded": session_completed,
    "checkout.session.expired": session_expired,
    "invoice.paid": invoice_paid,
    "invoice.payment_failed": invoice_failed,
    "customer.subscription.updated": subscription_changed,
    "customer.subscription.deleted": subscription_changed,
    "charge.refunded": charge_refunded,
    "payment_intent.payment_failed": payment_failed,
}


def apply(event: ParsedEvent) -> None:
    handler = HANDLERS.get(event.type)
    if handler is None:
        return
    actor = Actor.processor(IDENTIFIER, event.id)
    try:
        handler(event.payload["data"]["object"], event.created, actor)
    except (KeyError, IndexError, TypeError, AttributeError, ValueError) as exc:
        # The handlers read the body as Stripe documents it; a signed body that is shaped
        # otherwise (a field missing, metadata that is a string) is refused, not a 500.
        # Everything the handler wrote so far is rolled back with the event's transaction.
        raise MalformedEvent(f"{type(exc).__name__}: {exc}") from exc
