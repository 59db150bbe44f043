"""Stripe through its official SDK and hosted Checkout: no Stripe script on our pages.

- Once: a Checkout Session in payment mode. Monthly/annual: subscription mode; Stripe owns the
  renewal schedule and tells us about each renewal with `invoice.paid`.
- Changing the card: a Checkout Session in setup mode; the new card becomes the plan's default.
- Every object we create carries our reference in its metadata, so any event, in any order,
  finds its contribution; every create call carries an idempotency key derived from our record.
- Only `TAMIZDAT_STRIPE_API_BASE` differs between production and the test suite's Stripe peer.
"""

from __future__ import annotations

import itertools
import json
import logging
import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any, TypeVar

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
T = TypeVar("T")

REFERENCE_KEY = "tamizdat_reference"
PLAN_KEY = "tamizdat_plan"
WEBHOOK_TOLERANCE_SECONDS = 300
# Stripe's longest: a Checkout Session expires at most 24 hours after it is created, and Smart
# Retries try a failed renewal for at most two months.
CHECKOUT_LIFETIME = timedelta(hours=24)
RENEWAL_RETRY_WINDOW = timedelta(days=62)
# Processor objects compared per read of the ledger.
RECONCILE_BATCH = 500
# The events the ledger applies, and the provider's method that applies each.
EVENT_HANDLERS = {
    "checkout.session.completed": "_session_completed",
    "checkout.session.async_payment_succeeded": "_session_completed",
    "checkout.session.expired": "_session_expired",
    "invoice.paid": "_invoice_paid",
    "invoice.payment_failed": "_invoice_failed",
    "customer.subscription.updated": "_subscription_changed",
    "customer.subscription.deleted": "_subscription_changed",
    "charge.refunded": "_charge_refunded",
    "payment_intent.payment_failed": "_payment_failed",
}
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


@dataclass(frozen=True)
class PlanTerms:
    """What a Stripe subscription says about its plan, in the ledger's terms (None: unknown)."""

    status: str | None
    amount: int | None
    interval: str | None
    period_end: datetime | None

    @classmethod
    def of(cls, subscription: Mapping[str, Any]) -> PlanTerms:
        items = (subscription.get("items") or {}).get("data") or []
        # Each period charges every item's unit price times its quantity.
        amount = sum(i["price"]["unit_amount"] * i.get("quantity", 1) for i in items)
        interval = (items[0]["price"].get("recurring") or {}).get("interval") if items else None
        # Since API version 2025-03-31 the period lives on the items; older ones keep it on top.
        period_end = _time(items[0].get("current_period_end")) if items else None
        return cls(
            status=PLAN_STATUSES.get(subscription.get("status", "")),
            amount=amount if items else None,
            interval=interval if interval in Frequency.values else None,
            period_end=period_end or _time(subscription.get("current_period_end")),
        )

    def differ_from(self, plan: RecurringPlan) -> bool:
        """The renewal period is left out: each paid renewal invoice moves it anyway."""
        known = (self.status, self.amount, self.interval)
        ours = (plan.status, plan.amount, plan.interval)
        return any(
            theirs is not None and theirs != mine for theirs, mine in zip(known, ours, strict=True)
        )

    def describe(self) -> str:
        return f"{self.status} {self.amount}/{self.interval}"


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
                # An event the ledger does not apply (customer.deleted, say) is kept by its id
                # only: its body would be a copy of a payer's details that nothing needs.
                payload=data if data["type"] in EVENT_HANDLERS else {},
            )
        except (stripe.SignatureVerificationError, UnicodeDecodeError, ValueError, KeyError) as e:
            raise InvalidWebhook(str(e)) from e

    def apply_event(self, event: ParsedEvent) -> None:
        name = EVENT_HANDLERS.get(event.type)
        if name is not None:
            getattr(self, name)(event.payload["data"]["object"], event.created)

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

    def _subscription_changed(self, subscription: dict[str, Any], as_of: datetime) -> bool:
        """Apply a subscription's state; True if the ledger took it (canceled stays final)."""
        plan = self._plan(
            subscription["id"],
            subscription.get("metadata"),
            subscription.get("customer") or "",
            as_of,
        )
        if plan is None:
            return False
        terms = PlanTerms.of(subscription)
        return ledger.apply_plan_state(
            plan,
            as_of=as_of,
            status=terms.status,
            amount=terms.amount,
            interval=terms.interval,
            period_end=terms.period_end,
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
        """Delete the customers that plans created (one-time payments create none), and with
        them the e-mail and card details Stripe keeps for them."""
        for plan in supporter.plans.filter(provider=self.identifier).exclude(
            provider_customer_id=""
        ):
            try:
                self.client.v1.customers.delete(plan.provider_customer_id)
            except stripe.InvalidRequestError:
                continue  # already gone
            except stripe.StripeError as exc:
                raise ProviderError(str(exc)) from exc

    # -- reconciliation ------------------------------------------------------------------

    def _listed(self, lister: Callable[..., Any], params: dict[str, Any]) -> Iterator[Any]:
        """Every object of a Stripe list, page after page."""
        try:
            for obj in self._call(lister, {"limit": 100, **params}).auto_paging_iter():
                yield _dict(obj)
        except stripe.StripeError as exc:  # a later page failed
            raise ProviderError(str(exc)) from exc

    def _plans(self, subscription_ids: Iterable[str]) -> dict[str, RecurringPlan]:
        plans = RecurringPlan.objects.filter(
            provider=self.identifier, provider_plan_id__in=list(subscription_ids)
        )
        return {plan.provider_plan_id: plan for plan in plans if plan.provider_plan_id}

    def reconcile(self, since: datetime, until: datetime, repair: bool) -> ReconcileReport:
        """Compare the period's checkout sessions and paid invoices, and every plan live on
        either side, with the ledger. Each pass reads the ledger after the previous pass's
        repairs: a repaired checkout creates the plan its subscription and invoice are then
        compared with. Repairs go through the webhook handlers, so a held webhook that arrives
        later finds its payment recorded and its older state ignored."""
        report = ReconcileReport()
        self._reconcile_sessions(since, until, repair, report)
        self._reconcile_subscriptions(since, until, repair, report)
        self._reconcile_invoices(since, until, repair, report)
        return report

    def _reconcile_sessions(
        self, since: datetime, until: datetime, repair: bool, report: ReconcileReport
    ) -> None:
        # A session can be paid until it expires, so one opened just before the period may
        # have been paid within it.
        period = _created(since - CHECKOUT_LIFETIME, until)
        sessions = self._listed(self.client.v1.checkout.sessions.list, {"created": period})
        ours = (s for s in sessions if (s.get("metadata") or {}).get(REFERENCE_KEY))
        for batch in _batches(ours):
            contributions = Contribution.objects.filter(provider=self.identifier).in_bulk(
                [s["metadata"][REFERENCE_KEY] for s in batch], field_name="reference"
            )
            for session in batch:
                report.checked += 1
                reference = session["metadata"][REFERENCE_KEY]
                contribution = contributions.get(reference)
                if contribution is None:
                    report.drift.append(f"{session['id']}: no contribution {reference} here")
                    continue
                status = session.get("status")
                if status == "complete" and session.get("payment_status") == "paid":
                    if contribution.status == Contribution.Status.PAID:
                        continue
                    report.drift.append(f"{reference}: paid at Stripe, {contribution.status} here")
                    if repair:
                        with transaction.atomic():
                            self._session_completed(session, _time(session["created"]) or _now())
                        report.repaired.append(reference)
                elif status == "expired" and contribution.status == Contribution.Status.PENDING:
                    report.drift.append(f"{reference}: expired at Stripe, pending here")
                    if repair and ledger.mark_expired(contribution):
                        report.repaired.append(reference)

    def _reconcile_subscriptions(
        self, since: datetime, until: datetime, repair: bool, report: ReconcileReport
    ) -> None:
        # Taken before reading: a change Stripe makes after the read has a later webhook,
        # which then still wins over this repair.
        observed = _now()
        lister = self.client.v1.subscriptions.list
        listed = itertools.chain(
            # Those started in the period, whatever became of them since...
            self._listed(lister, {"status": "all", "created": _created(since, until)}),
            # ... and every live one however old (Stripe lists those without a status): a
            # renewal, a price change or dunning changes a plan without any new object.
            self._listed(lister, {}),
        )
        seen: set[str] = set()
        for batch in _batches(_first_seen(listed, seen)):
            plans = self._plans(s["id"] for s in batch)
            for subscription in batch:
                plan = plans.get(subscription["id"])
                self._check_subscription(subscription, plan, observed, repair, report)
        # A plan live here that Stripe no longer lists as live was canceled there.
        live_here = (
            RecurringPlan.objects.filter(provider=self.identifier, provider_plan_id__isnull=False)
            .exclude(status=RecurringPlan.Status.CANCELED)
            .exclude(provider_plan_id="")
        )
        for plan in live_here.iterator():
            if plan.provider_plan_id in seen:
                continue
            try:
                found = self.client.v1.subscriptions.retrieve(plan.provider_plan_id)
            except stripe.InvalidRequestError:
                # Gone, or from another account or mode: a person must look; the rest of the
                # run (lost renewals among it) goes on.
                report.drift.append(f"{plan.provider_plan_id}: not found at Stripe")
                continue
            except stripe.StripeError as exc:
                raise ProviderError(str(exc)) from exc
            self._check_subscription(_dict(found), plan, observed, repair, report)

    def _check_subscription(
        self,
        subscription: dict[str, Any],
        plan: RecurringPlan | None,
        observed: datetime,
        repair: bool,
        report: ReconcileReport,
    ) -> None:
        if plan is None and not (subscription.get("metadata") or {}).get(REFERENCE_KEY):
            return  # not started here (another product on the same Stripe account)
        report.checked += 1
        terms = PlanTerms.of(subscription)
        if plan is not None and not terms.differ_from(plan):
            return
        here = "missing" if plan is None else f"{plan.status} {plan.amount}/{plan.interval}"
        report.drift.append(f"{subscription['id']}: {terms.describe()} at Stripe, {here} here")
        # A subscription not yet paid for (incomplete, paused) is no plan to record.
        if repair and terms.status is not None:
            with transaction.atomic():
                applied = self._subscription_changed(subscription, observed)
            if applied:  # a plan canceled here stays canceled: that needs a person
                report.repaired.append(subscription["id"])

    def _reconcile_invoices(
        self, since: datetime, until: datetime, repair: bool, report: ReconcileReport
    ) -> None:
        # Every renewal is a paid invoice, so listing invoices finds renewals of plans of any
        # age. Stripe lists invoices by creation, and an invoice may be paid long after it was
        # created (Stripe retries a failed renewal for up to two months): the list reaches
        # back that far and keeps the invoices paid within the period.
        period = _created(since - RENEWAL_RETRY_WINDOW, until)
        invoices = self._listed(self.client.v1.invoices.list, {"status": "paid", "created": period})
        paid = (i for i in invoices if i.get("amount_paid") and since <= _paid_at(i) < until)
        for batch in _batches(paid):
            owners = [self._invoice_subscription(invoice) for invoice in batch]
            plans = self._plans(subscription_id for subscription_id, _ in owners if subscription_id)
            recorded = set(
                Payment.objects.filter(
                    provider=self.identifier, provider_payment_id__in=[i["id"] for i in batch]
                ).values_list("provider_payment_id", flat=True)
            )
            for invoice, (subscription_id, metadata) in zip(batch, owners, strict=True):
                if subscription_id not in plans and not metadata.get(REFERENCE_KEY):
                    continue  # not a plan started here
                report.checked += 1
                if invoice["id"] in recorded:
                    continue
                report.drift.append(
                    f"{invoice['id']}: {invoice['amount_paid']} {invoice['currency']} paid at "
                    f"Stripe for {subscription_id}, not recorded here"
                )
                if not repair:
                    continue
                try:
                    with transaction.atomic():
                        self._invoice_paid(invoice, _paid_at(invoice))
                except RetryLater:  # no plan here, nor a contribution to start one from
                    continue
                report.repaired.append(invoice["id"])


def _created(since: datetime, until: datetime) -> dict[str, int]:
    """Stripe's `created` range for [since, until), in its whole seconds."""
    return {"gte": math.floor(since.timestamp()), "lt": math.ceil(until.timestamp())}


def _paid_at(invoice: Mapping[str, Any]) -> datetime:
    paid_at = (invoice.get("status_transitions") or {}).get("paid_at")
    return _time(paid_at or invoice["created"]) or _now()


def _batches(objects: Iterable[T], size: int = RECONCILE_BATCH) -> Iterator[list[T]]:
    """Processor objects in groups, so that the ledger is read once per group, not per object."""
    iterator = iter(objects)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def _first_seen(objects: Iterable[dict[str, Any]], seen: set[str]) -> Iterator[dict[str, Any]]:
    """Each object once, however many lists name it; `seen` collects their ids."""
    for obj in objects:
        if obj["id"] not in seen:
            seen.add(obj["id"])
            yield obj
