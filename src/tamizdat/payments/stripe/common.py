"""What the Stripe provider, its event handlers and its reconciliation share: the client, the
metadata keys we set, Stripe's times and error codes, and a subscription in the ledger's terms.

The SDK is imported at the first call to Stripe, not with the site: with aiohttp, which it
loads whenever it is installed (the demo's Stripe peer needs it), it weighs some 30 MiB in
every process, and most web and task workers of a newsroom never talk to Stripe."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from django.conf import settings

from tamizdat.support.ledger import Frequency, PlanStatus, RecurringPlan

from ..base import ProviderError

if TYPE_CHECKING:
    import stripe

log = logging.getLogger("tamizdat.payments.stripe")

IDENTIFIER = "stripe"
REFERENCE_KEY = "tamizdat_reference"
PLAN_KEY = "tamizdat_plan"
# Stripe's error code for an object it does not have. Canceling a subscription that is already
# canceled answers this too: to Stripe, a canceled subscription is a deleted one.
RESOURCE_MISSING = "resource_missing"
PLAN_STATUSES = {
    "active": PlanStatus.ACTIVE,
    "trialing": PlanStatus.ACTIVE,
    "past_due": PlanStatus.PAST_DUE,
    "unpaid": PlanStatus.PAST_DUE,
    "canceled": PlanStatus.CANCELED,
    "incomplete_expired": PlanStatus.CANCELED,
}


@lru_cache(maxsize=4)
def _client(secret_key: str, api_base: str) -> stripe.StripeClient:
    import stripe

    return stripe.StripeClient(secret_key, base_addresses={"api": api_base}, max_network_retries=2)


def client() -> stripe.StripeClient:
    return _client(settings.STRIPE_SECRET_KEY, settings.STRIPE_API_BASE)


def call(method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """A Stripe API call; Stripe's refusal or absence becomes the providers' ProviderError."""
    import stripe

    try:
        return method(*args, **kwargs)
    except stripe.StripeError as exc:
        log.warning("Stripe refused %s: %s", getattr(method, "__name__", method), exc)
        raise ProviderError(str(exc)) from exc


def is_missing(error: stripe.StripeError) -> bool:
    import stripe

    return isinstance(error, stripe.InvalidRequestError) and error.code == RESOURCE_MISSING


def stripe_time(timestamp: int | None) -> datetime | None:
    return datetime.fromtimestamp(timestamp, UTC) if timestamp else None


def as_dict(obj: Any) -> dict[str, Any]:
    return obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)


def now() -> datetime:
    """Now, to the second: Stripe's events carry whole seconds, and an event of this same
    second must still count as not older than a change we made."""
    return datetime.now(UTC).replace(microsecond=0)


def invoice_subscription(invoice: Mapping[str, Any]) -> tuple[str | None, dict[str, Any]]:
    """The subscription an invoice bills, and that subscription's metadata, wherever the
    invoice's API version keeps them."""
    details = (
        (invoice.get("parent") or {}).get("subscription_details")
        or invoice.get("subscription_details")
        or {}
    )
    subscription = invoice.get("subscription") or details.get("subscription")
    if isinstance(subscription, dict):
        subscription = subscription.get("id")
    return subscription, details.get("metadata") or {}


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
        period_end = stripe_time(items[0].get("current_period_end")) if items else None
        return cls(
            status=PLAN_STATUSES.get(subscription.get("status", "")),
            amount=amount if items else None,
            interval=interval if interval in Frequency.values else None,
            period_end=period_end or stripe_time(subscription.get("current_period_end")),
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
