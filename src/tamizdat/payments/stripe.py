"""Stripe through its official SDK and hosted Checkout: no Stripe script on our pages.

- Once: a Checkout Session in payment mode. Monthly/annual: subscription mode; Stripe owns the
  renewal schedule and tells us about each renewal with `invoice.paid`.
- Changing the card: a Checkout Session in setup mode; the new card becomes the plan's default.
- Every object we create carries our reference in its metadata, so any event, in any order,
  finds its contribution; every create call carries an idempotency key derived from our record.
- Only `TAMIZDAT_STRIPE_API_BASE` differs between production and the test suite's Stripe peer.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import stripe
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tamizdat.support import defence, ledger
from tamizdat.support.models import Contribution, Frequency, Payment, RecurringPlan, Supporter

from .base import (
    InvalidWebhook,
    ParsedEvent,
    PaymentProvider,
    ProviderError,
    ReconcileReport,
    Redirect,
    ReturnUrls,
)
from .webhooks import RetryLater

log = logging.getLogger(__name__)

REFERENCE_KEY = "tamizdat_reference"
PLAN_KEY = "tamizdat_plan"
WEBHOOK_TOLERANCE_SECONDS = 300
# Languages Stripe's hosted page speaks that Tamizdat may be read in.
CHECKOUT_LOCALES = {"en", "ru", "uk", "de", "fr", "es", "it", "pl", "lv", "lt", "et", "fi", "ka"}
PLAN_STATUSES = {
    "active": RecurringPlan.Status.ACTIVE,
    "trialing": RecurringPlan.Status.ACTIVE,
    "past_due": RecurringPlan.Status.PAST_DUE,
    "unpaid": RecurringPlan.Status.PAST_DUE,
    "canceled": RecurringPlan.Status.CANCELED,
    "incomplete_expired": RecurringPlan.Status.CANCELED,
}


@lru_cache(maxsize=4)
def _client(secret_key: str, api_base: str) -> stripe.StripeClient:
    return stripe.StripeClient(secret_key, base_addresses={"api": api_base}, max_network_retries=2)


def _time(timestamp: int | None) -> datetime | None:
    return datetime.fromtimestamp(timestamp, UTC) if timestamp else None


def _dict(obj: Any) -> dict[str, Any]:
    return obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)


def _now() -> datetime:
    """Now, to the second: Stripe's events carry whole seconds, and an event of this same
    second must still count as not older than a change we made."""
    return datetime.now(UTC).replace(microsecond=0)


class StripeProvider(PaymentProvider):
    identifier = "stripe"
    verbose_name = _("Card")
    takes_cards = True
    frequencies = (Frequency.ONCE.value, Frequency.MONTH.value, Frequency.YEAR.value)

    def is_enabled(self) -> bool:
        return bool(settings.STRIPE_SECRET_KEY)

    @property
    def client(self) -> stripe.StripeClient:
        return _client(settings.STRIPE_SECRET_KEY, settings.STRIPE_API_BASE)

    def _call(self, method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except stripe.StripeError as exc:
            log.warning("Stripe refused %s: %s", getattr(method, "__name__", method), exc)
            raise ProviderError(str(exc)) from exc

    # -- starting payments ---------------------------------------------------------------

    def start_payment(self, contribution: Contribution, urls: ReturnUrls) -> Redirect:
        metadata = {REFERENCE_KEY: contribution.reference}
        with_name = gettext("Support for %(site)s") % {"site": settings.WAGTAIL_SITE_NAME}
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
        session = self._call(
            self.client.v1.checkout.sessions.create,
            params,
            {"idempotency_key": f"tamizdat-checkout-{contribution.reference}"},
        )
        Contribution.objects.filter(pk=contribution.pk).update(provider_session_id=session.id)
        contribution.provider_session_id = session.id
        return Redirect(session.url)

    def sync_contribution(self, contribution: Contribution) -> None:
        if (
            not contribution.provider_session_id
            or contribution.status != Contribution.Status.PENDING
        ):
            return
        session = self._call(
            self.client.v1.checkout.sessions.retrieve, contribution.provider_session_id
        )
        if session.status == "complete":
            with transaction.atomic():
                self._session_completed(_dict(session), _time(session.created) or _now())

    # -- webhooks ------------------------------------------------------------------------

    def parse_webhook(self, body: bytes, headers: Mapping[str, str]) -> ParsedEvent:
        secret = settings.STRIPE_WEBHOOK_SECRET
        signature = headers.get("Stripe-Signature", "")
        if not secret or not signature:
            raise InvalidWebhook("no webhook secret configured, or no signature sent")
        try:
            text = body.decode()
            stripe.WebhookSignature.verify_header(
                text, signature, secret, WEBHOOK_TOLERANCE_SECONDS
            )
            data = json.loads(text)
            return ParsedEvent(
                id=str(data["id"]),
                type=str(data["type"]),
                created=_time(int(data["created"])) or _now(),
                payload=data,
            )
        except (stripe.SignatureVerificationError, UnicodeDecodeError, ValueError, KeyError) as e:
            raise InvalidWebhook(str(e)) from e

    def apply_event(self, event: ParsedEvent) -> None:
        handler = {
            "checkout.session.completed": self._session_completed,
            "checkout.session.async_payment_succeeded": self._session_completed,
            "checkout.session.expired": self._session_expired,
            "invoice.paid": self._invoice_paid,
            "invoice.payment_failed": self._invoice_failed,
            "customer.subscription.updated": self._subscription_changed,
            "customer.subscription.deleted": self._subscription_changed,
            "charge.refunded": self._charge_refunded,
            "payment_intent.payment_failed": self._payment_failed,
        }.get(event.type)
        if handler is not None:
            handler(event.payload["data"]["object"], event.created)

    def _contribution(self, metadata: Mapping[str, Any] | None) -> Contribution | None:
        reference = (metadata or {}).get(REFERENCE_KEY)
        if not reference:
            return None
        return (
            Contribution.objects.select_for_update()
            .select_related("supporter")
            .filter(reference=reference, provider=self.identifier)
            .first()
        )

    def _plan(
        self,
        subscription_id: str | None,
        metadata: Mapping[str, Any] | None,
        customer: str,
        as_of: datetime,
    ) -> RecurringPlan | None:
        contribution = self._contribution(metadata)
        if contribution is not None and contribution.is_recurring:
            return ledger.plan_for(
                contribution,
                provider_plan_id=subscription_id or "",
                customer_id=customer,
                as_of=as_of,
            )
        if subscription_id:
            return (
                RecurringPlan.objects.select_for_update()
                .filter(provider=self.identifier, provider_plan_id=subscription_id)
                .first()
            )
        return None

    def _session_completed(self, session: dict[str, Any], as_of: datetime) -> None:
        if session.get("mode") == "setup":
            self._card_saved(session)
            return
        contribution = self._contribution(session.get("metadata"))
        if contribution is None or session.get("payment_status") != "paid":
            return
        if session.get("mode") == "subscription":
            plan = self._plan(
                session.get("subscription"),
                session.get("metadata"),
                session.get("customer") or "",
                as_of,
            )
            assert plan is not None
            ledger.apply_plan_state(plan, as_of=as_of, status=RecurringPlan.Status.ACTIVE)
            if session.get("invoice"):
                ledger.record_payment(
                    contribution=contribution,
                    plan=plan,
                    kind=Payment.Kind.FIRST,
                    provider=self.identifier,
                    provider_payment_id=session["invoice"],
                    amount=session["amount_total"],
                    currency=session["currency"],
                    paid_at=as_of,
                )
        else:
            ledger.record_payment(
                contribution=contribution,
                plan=None,
                kind=Payment.Kind.ONCE,
                provider=self.identifier,
                provider_payment_id=session["payment_intent"],
                amount=session["amount_total"],
                currency=session["currency"],
                paid_at=as_of,
                charge_ref=session["payment_intent"],
            )
        ledger.mark_paid(contribution, as_of)

    def _session_expired(self, session: dict[str, Any], as_of: datetime) -> None:
        contribution = self._contribution(session.get("metadata"))
        if contribution is not None:
            ledger.mark_expired(contribution)

    @staticmethod
    def _invoice_subscription(invoice: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
        details = (
            (invoice.get("parent") or {}).get("subscription_details")
            or invoice.get("subscription_details")
            or {}
        )
        subscription = invoice.get("subscription") or details.get("subscription")
        if isinstance(subscription, dict):
            subscription = subscription.get("id")
        return subscription, details.get("metadata") or {}

    def _invoice_paid(self, invoice: dict[str, Any], as_of: datetime) -> None:
        subscription_id, metadata = self._invoice_subscription(invoice)
        plan = self._plan(subscription_id, metadata, invoice.get("customer") or "", as_of)
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
                provider=self.identifier,
                provider_payment_id=invoice["id"],
                amount=invoice["amount_paid"],
                currency=invoice["currency"],
                paid_at=as_of,
                charge_ref=invoice.get("payment_intent") or "",
            )
        lines = (invoice.get("lines") or {}).get("data") or []
        period_end = _time(lines[0].get("period", {}).get("end")) if lines else None
        ledger.apply_plan_state(
            plan, as_of=as_of, status=RecurringPlan.Status.ACTIVE, period_end=period_end
        )
        if first:
            ledger.mark_paid(plan.contribution, as_of)

    def _invoice_failed(self, invoice: dict[str, Any], as_of: datetime) -> None:
        subscription_id, metadata = self._invoice_subscription(invoice)
        plan = self._plan(subscription_id, metadata, invoice.get("customer") or "", as_of)
        if plan is not None and invoice.get("billing_reason") != "subscription_create":
            ledger.apply_plan_state(plan, as_of=as_of, status=RecurringPlan.Status.PAST_DUE)

    def _subscription_changed(self, subscription: dict[str, Any], as_of: datetime) -> None:
        plan = self._plan(
            subscription["id"],
            subscription.get("metadata"),
            subscription.get("customer") or "",
            as_of,
        )
        if plan is None:
            return
        items = (subscription.get("items") or {}).get("data") or []
        amount = interval = period_end = None
        if items:
            price = items[0]["price"]
            amount = price["unit_amount"] * items[0].get("quantity", 1)
            interval = (price.get("recurring") or {}).get("interval")
            period_end = _time(items[0].get("current_period_end"))
        period_end = period_end or _time(subscription.get("current_period_end"))
        ledger.apply_plan_state(
            plan,
            as_of=as_of,
            status=PLAN_STATUSES.get(subscription.get("status", "")),
            amount=amount,
            interval=interval if interval in Frequency.values else None,
            period_end=period_end,
        )

    def _charge_refunded(self, charge: dict[str, Any], as_of: datetime) -> None:
        intent = charge.get("payment_intent")
        payment = (
            Payment.objects.select_for_update()
            .filter(provider=self.identifier, provider_charge_ref=intent)
            .first()
            if intent
            else None
        )
        if payment is None:
            if self._contribution(charge.get("metadata")) is not None:
                raise RetryLater(f"refund of {intent} before its payment")
            return
        ledger.record_refund(payment, charge.get("amount_refunded", 0), as_of)

    def _payment_failed(self, intent: dict[str, Any], as_of: datetime) -> None:
        # A declined card is what card testing looks like from the processor's side.
        if self._contribution(intent.get("metadata")) is not None:
            defence.note_reject()  # a decline counts toward a burst like a refusal

    def _card_saved(self, session: dict[str, Any]) -> None:
        plan_id = (session.get("metadata") or {}).get(PLAN_KEY)
        plan = RecurringPlan.objects.filter(pk=plan_id, provider=self.identifier).first()
        if plan is None or not plan.provider_plan_id or not session.get("setup_intent"):
            return
        intent = self._call(self.client.v1.setup_intents.retrieve, session["setup_intent"])
        self._call(
            self.client.v1.subscriptions.update,
            plan.provider_plan_id,
            {"default_payment_method": intent.payment_method},
            {"idempotency_key": f"tamizdat-card-{session['id']}"},
        )

    # -- self-service --------------------------------------------------------------------

    def _bump(self, plan: RecurringPlan) -> int:
        RecurringPlan.objects.filter(pk=plan.pk).update(revision=plan.revision + 1)
        plan.revision += 1
        return plan.revision

    def change_plan(self, plan: RecurringPlan, amount: int, interval: str) -> None:
        revision = self._bump(plan)
        key = f"tamizdat-plan-{plan.pk}-r{revision}"
        subscription = self._call(self.client.v1.subscriptions.retrieve, plan.provider_plan_id)
        item = subscription["items"].data[0]
        price = self._call(
            self.client.v1.prices.create,
            {
                "currency": plan.currency.lower(),
                "unit_amount": amount,
                "recurring": {"interval": interval},
                "product": item.price.product,
            },
            {"idempotency_key": f"{key}-price"},
        )
        self._call(
            self.client.v1.subscriptions.update,
            plan.provider_plan_id,
            {"items": [{"id": item.id, "price": price.id}], "proration_behavior": "none"},
            {"idempotency_key": f"{key}-update"},
        )
        ledger.apply_plan_state(plan, as_of=_now(), amount=amount, interval=interval)

    def start_card_update(self, plan: RecurringPlan, urls: ReturnUrls) -> Redirect:
        revision = self._bump(plan)
        session = self._call(
            self.client.v1.checkout.sessions.create,
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

    def cancel_plan(self, plan: RecurringPlan, reason: str) -> None:
        try:
            self.client.v1.subscriptions.cancel(plan.provider_plan_id)
        except stripe.InvalidRequestError as exc:
            # Already canceled at Stripe (say, from its dashboard): the ledger catches up.
            if "cancel" not in str(exc).lower():
                raise ProviderError(str(exc)) from exc
        except stripe.StripeError as exc:
            raise ProviderError(str(exc)) from exc
        RecurringPlan.objects.filter(pk=plan.pk).update(cancel_reason=reason[:2000])
        plan.cancel_reason = reason[:2000]
        ledger.apply_plan_state(plan, as_of=_now(), status=RecurringPlan.Status.CANCELED)

    def refund(self, payment: Payment, amount: int | None = None) -> None:
        amount = amount or payment.net_amount
        self._call(
            self.client.v1.refunds.create,
            {"payment_intent": payment.provider_charge_ref, "amount": amount},
            {"idempotency_key": f"tamizdat-refund-{payment.pk}-{payment.refunded_amount}-{amount}"},
        )

    def shred(self, supporter: Supporter) -> None:
        for plan in supporter.plans.filter(provider=self.identifier).exclude(
            provider_customer_id=""
        ):
            with contextlib.suppress(stripe.InvalidRequestError):  # already gone
                self.client.v1.customers.delete(plan.provider_customer_id)

    # -- reconciliation ------------------------------------------------------------------

    def _listed(
        self, lister: Callable[..., Any], since: datetime, params: dict[str, Any]
    ) -> Iterator[Any]:
        """Stripe lists newest first: page until the objects are older than `since`."""
        page = self._call(lister, {"limit": 100, **params})
        while True:
            for obj in page.data:
                if _time(obj.created) and _time(obj.created) < since:  # type: ignore[operator]
                    return
                yield obj
            if not page.has_more or not page.data:
                return
            page = self._call(lister, {"limit": 100, "starting_after": page.data[-1].id, **params})

    def reconcile(self, since: datetime, until: datetime, repair: bool) -> ReconcileReport:
        report = ReconcileReport()
        for listed in self._listed(self.client.v1.checkout.sessions.list, since, {}):
            session = _dict(listed)
            created = _time(session.get("created"))
            reference = (session.get("metadata") or {}).get(REFERENCE_KEY)
            if not reference or created is None or created > until:
                continue
            report.checked += 1
            contribution = Contribution.objects.filter(reference=reference).first()
            if contribution is None:
                report.drift.append(f"{session['id']}: no contribution {reference} in the ledger")
                continue
            paid = session.get("status") == "complete" and session.get("payment_status") == "paid"
            if paid and contribution.status != Contribution.Status.PAID:
                report.drift.append(f"{reference}: paid at Stripe, {contribution.status} here")
                if repair:
                    with transaction.atomic():
                        self._session_completed(session, created)
                    report.repaired.append(reference)
            elif session.get("status") == "expired" and contribution.status == "pending":
                report.drift.append(f"{reference}: expired at Stripe, pending here")
                if repair:
                    ledger.mark_expired(contribution)
                    report.repaired.append(reference)
        for subscription in self._listed(
            self.client.v1.subscriptions.list, since, {"status": "all"}
        ):
            report.checked += 1
            data = _dict(subscription)
            plan = RecurringPlan.objects.filter(provider_plan_id=subscription.id).first()
            expected = PLAN_STATUSES.get(data.get("status", ""))
            amount = data["items"]["data"][0]["price"]["unit_amount"] if data.get("items") else None
            if plan is not None and (plan.status, plan.amount) == (expected, amount):
                continue
            state = "missing" if plan is None else f"{plan.status} {plan.amount}"
            report.drift.append(
                f"{subscription.id}: {data.get('status')} {amount} at Stripe, {state} here"
            )
            if repair:
                with transaction.atomic():
                    self._subscription_changed(data, _now())
                report.repaired.append(subscription.id)
        return report
