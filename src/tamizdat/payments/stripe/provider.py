"""The Stripe provider: what the rest of Tamizdat asks of Stripe, through hosted Checkout.

- Once: a Checkout Session in payment mode. Monthly/annual: subscription mode; Stripe owns the
  renewal schedule and tells us about each renewal with `invoice.paid` (see `events`).
- Changing the card: a Checkout Session in setup mode; the new card becomes the plan's default.
- Every create call carries an idempotency key derived from our record.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tamizdat.news.context import newsroom_name
from tamizdat.support import ledger
from tamizdat.support.ledger import (
    Actor,
    Contribution,
    Frequency,
    Payment,
    RecurringPlan,
    Supporter,
)

from ..base import (
    InvalidWebhook,
    ParsedEvent,
    PaymentProvider,
    ProviderError,
    ReconcileReport,
    Redirect,
    ReturnUrls,
)
from . import events
from .common import (
    IDENTIFIER,
    PLAN_KEY,
    REFERENCE_KEY,
    as_dict,
    call,
    client,
    is_missing,
    now,
    stripe_time,
)

WEBHOOK_TOLERANCE_SECONDS = 300
# Languages Stripe's hosted page speaks that Tamizdat may be read in.
CHECKOUT_LOCALES = {"en", "ru", "uk", "de", "fr", "es", "it", "pl", "lv", "lt", "et", "fi", "ka"}


# What an event's id and type look like ("evt_1Q...", "invoice.paid"); anything else, a NUL
# byte or a kilobyte of text, has no place in their columns.
_TOKEN = re.compile(r"[A-Za-z0-9_.-]{1,100}")


def _signed_at(signature: str) -> int:
    """The time in a Stripe-Signature header that `verify_header` has accepted."""
    found = re.search(r"(?:^|,)\s*t=(\d+)", signature)
    return int(found[1]) if found else 0


def _event_time(created: object) -> datetime | None:
    """An event's `created`, if it is a whole second between 1970 and a few minutes from now
    (Stripe's clock may run a little ahead of ours)."""
    if type(created) is not int or not 0 < created <= time.time() + WEBHOOK_TOLERANCE_SECONDS:
        return None
    return stripe_time(created)


class StripeProvider(PaymentProvider):
    identifier = IDENTIFIER
    verbose_name = _("Card")
    takes_cards = True
    frequencies = (Frequency.ONCE.value, Frequency.MONTH.value, Frequency.YEAR.value)

    def is_enabled(self) -> bool:
        return bool(settings.STRIPE_SECRET_KEY)

    def notice(self) -> str:
        if not settings.STRIPE_DEMO:
            return ""
        return gettext(
            "Card: a demo processor, no money moves. Pay with the test card 4242 4242 4242 4242."
        )

    # -- starting payments ---------------------------------------------------------------

    def start_payment(self, contribution: Contribution, urls: ReturnUrls) -> Redirect:
        metadata = {REFERENCE_KEY: contribution.reference}
        with_name = gettext("Support for %(site)s") % {"site": newsroom_name()}
        price_data: dict[str, Any] = {
            "currency": contribution.currency.lower(),
            "unit_amount": contribution.total,
            "product_data": {"name": with_name},
        }
        params: dict[str, Any] = {
            "line_items": [{"price_data": price_data, "quantity": 1}],
            "success_url": urls.success,
            "cancel_url": urls.cancel,
            "customer_email": contribution.supporter.email,
            "client_reference_id": contribution.reference,
            "metadata": metadata,
            "locale": contribution.language
            if contribution.language in CHECKOUT_LOCALES
            else "auto",
        }
        if contribution.is_recurring:
            price_data["recurring"] = {"interval": contribution.frequency}
            params["mode"] = "subscription"
            params["subscription_data"] = {"metadata": metadata}
        else:
            params["mode"] = "payment"
            params["submit_type"] = "donate"
            params["payment_intent_data"] = {"metadata": metadata}
        session = call(
            client().v1.checkout.sessions.create,
            params,
            {"idempotency_key": f"tamizdat-checkout-{contribution.reference}"},
        )
        ledger.checkout_opened(contribution, session.id, Actor.reader())
        return Redirect(session.url)

    def sync_contribution(self, contribution: Contribution) -> None:
        if (
            not contribution.provider_session_id
            or contribution.status != Contribution.Status.PENDING
        ):
            return
        session = call(client().v1.checkout.sessions.retrieve, contribution.provider_session_id)
        if session.status == "complete":
            actor = Actor.processor(self.identifier, session.id)
            with transaction.atomic():
                events.session_completed(
                    as_dict(session), stripe_time(session.created) or now(), actor
                )

    # -- webhooks ------------------------------------------------------------------------

    def parse_webhook(self, body: bytes, headers: Mapping[str, str]) -> ParsedEvent:
        secret = settings.STRIPE_WEBHOOK_SECRET
        signature = headers.get("Stripe-Signature", "")
        if not secret or not signature:
            raise InvalidWebhook("no webhook secret configured, or no signature sent")
        import stripe  # when first needed (`common`)

        try:
            text = body.decode()
            # Refuses a signature older than the tolerance; one from the future is refused
            # below, or a signature made ahead of time would be good for years.
            stripe.WebhookSignature.verify_header(
                text, signature, secret, WEBHOOK_TOLERANCE_SECONDS
            )
            data = json.loads(text)
        except (stripe.SignatureVerificationError, UnicodeDecodeError, ValueError) as e:
            raise InvalidWebhook(str(e)) from e
        if _signed_at(signature) > time.time() + WEBHOOK_TOLERANCE_SECONDS:
            raise InvalidWebhook("signed in the future")
        if not isinstance(data, dict) or not all(
            isinstance(data.get(key), str) and _TOKEN.fullmatch(data[key]) for key in ("id", "type")
        ):
            raise InvalidWebhook("not an event with an id and a type")
        created = _event_time(data.get("created"))
        return ParsedEvent(
            id=data["id"],
            type=data["type"],
            created=created or now(),
            # An event the ledger does not apply (customer.deleted, say) is kept by its id
            # only: its body would be a copy of a payer's details that nothing needs.
            payload=data if data["type"] in events.HANDLERS else {},
            problem="" if created else "its created time is not a moment up to now",
        )

    def apply_event(self, event: ParsedEvent) -> None:
        events.apply(event)

    # -- self-service --------------------------------------------------------------------

    def change_plan(self, plan: RecurringPlan, amount: int, interval: str, actor: Actor) -> None:
        stripe_client = client()
        key = f"tamizdat-plan-{plan.pk}-r{ledger.next_revision(plan)}"
        subscription = call(stripe_client.v1.subscriptions.retrieve, plan.provider_plan_id)
        item = subscription["items"].data[0]
        price = call(
            stripe_client.v1.prices.create,
            {
                "currency": plan.currency.lower(),
                "unit_amount": amount,
                "recurring": {"interval": interval},
                "product": item.price.product,
            },
            {"idempotency_key": f"{key}-price"},
        )
        call(
            stripe_client.v1.subscriptions.update,
            plan.provider_plan_id,
            {"items": [{"id": item.id, "price": price.id}], "proration_behavior": "none"},
            {"idempotency_key": f"{key}-update"},
        )
        ledger.apply_plan_state(plan, as_of=now(), actor=actor, amount=amount, interval=interval)

    def start_card_update(self, plan: RecurringPlan, urls: ReturnUrls) -> Redirect:
        revision = ledger.next_revision(plan)
        session = call(
            client().v1.checkout.sessions.create,
            {
                "mode": "setup",
                "customer": plan.provider_customer_id,
                "currency": plan.currency.lower(),
                "metadata": {PLAN_KEY: str(plan.pk)},
                "setup_intent_data": {"metadata": {PLAN_KEY: str(plan.pk)}},
                "success_url": urls.success,
                "cancel_url": urls.cancel,
            },
            {"idempotency_key": f"tamizdat-plan-{plan.pk}-r{revision}-card"},
        )
        return Redirect(session.url)

    def cancel_plan(self, plan: RecurringPlan, reason: str, actor: Actor) -> None:
        import stripe  # when first needed (`common`)

        try:
            client().v1.subscriptions.cancel(plan.provider_plan_id or "")
        except stripe.StripeError as exc:
            # Already canceled at Stripe (say, from its dashboard): the ledger catches up.
            if not is_missing(exc):
                raise ProviderError(str(exc)) from exc
        ledger.cancel_plan(plan, reason=reason, as_of=now(), actor=actor)

    def refund(self, payment: Payment, amount: int, reason: str, actor: Actor) -> None:
        """Through Stripe's API, keyed by what was refunded before: a repeated request for
        the same refund is the same refund. Stripe's `charge.refunded` reports the same
        cumulative amount, which the ledger then already holds."""
        total = ledger.ask_refund(payment, amount, reason, actor)
        before = total - amount
        call(
            client().v1.refunds.create,
            {"payment_intent": payment.provider_charge_ref, "amount": amount},
            {"idempotency_key": f"tamizdat-refund-{payment.pk}-{before}-{amount}"},
        )
        ledger.record_refund(payment, total, now(), actor)

    def shred(self, supporter: Supporter) -> None:
        """Delete the customers that plans created (one-time payments create none), and with
        them the e-mail and card details Stripe keeps for them."""
        import stripe  # when first needed (`common`)

        for customer_id in ledger.customer_ids(self.identifier, supporter):
            try:
                client().v1.customers.delete(customer_id)
            except stripe.StripeError as exc:
                if not is_missing(exc):  # else already gone
                    raise ProviderError(str(exc)) from exc

    def reconcile(self, since: datetime, until: datetime, repair: bool) -> ReconcileReport:
        from . import reconcile  # it uses the SDK throughout (`common`)

        return reconcile.reconcile(since, until, repair)
