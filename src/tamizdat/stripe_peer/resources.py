"""What the peer adds to localstripe's resource model, and where it corrects it.

localstripe (1.15.10) models customers, payment methods, payment intents, charges, refunds,
plans, subscriptions and invoices. It has no Price object, no `invoice.paid`,
`customer.subscription.updated` or `charge.refunded` events, no renewals, and a few shapes that
differ from Stripe's. Everything here is applied to localstripe's classes at runtime by
`install()`; site-packages stays untouched.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from dateutil.relativedelta import relativedelta  # type: ignore[import-untyped]  # no stubs installed
from localstripe import resources as ls
from localstripe.errors import UserError
from localstripe.resources import (
    Charge,
    Event,
    Invoice,
    InvoiceLineItem,
    PaymentIntent,
    PaymentMethod,
    Refund,
    StripeObject,
    Subscription,
    SubscriptionItem,
    random_id,
    store,
    try_convert_to_int,
)

# Stripe's test cards that decline a charge. localstripe only declines most of these when a
# card is *attached* to a customer, but Checkout charges a fresh card without attaching it.
DECLINED_CARDS = {
    "4000000000000002",  # generic decline
    "4000000000009995",  # insufficient funds
    "4000000000009987",  # lost card
    "4000000000009979",  # stolen card
    "4000000000000069",  # expired card
    "4000000000000127",  # incorrect CVC
    "4000000000000119",  # processing error
    "4000000000000341",  # attaches, then declines every charge
}

INTERVALS = ("day", "week", "month", "year")


# -- helpers -------------------------------------------------------------------------------


def emit(event_type: str, obj: Any, previous: dict[str, Any] | None = None) -> Any:
    """Record an Event and hand it to the dispatcher (looked up at call time, see server.py)."""
    event = Event(event_type, obj)
    if previous:
        event.data["previous_attributes"] = previous
    ls.schedule_webhook(event)
    return event


def error(status: int, message: str, param: str | None = None, **extra: Any) -> UserError:
    contents: dict[str, Any] = dict(extra)
    if param:
        contents["param"] = param
    return UserError(status, message, contents)


def reject_unknown(params: dict[str, Any]) -> None:
    if params:
        name = next(iter(params))
        raise error(400, f"Received unknown parameter: {name}", name)


def no_such(kind: str, object_id: str) -> UserError:
    return error(404, f"No such {kind}: '{object_id}'", code="resource_missing")


def retrieve(cls: Any, object_id: Any, kind: str) -> Any:
    """localstripe's retrieve with Stripe's 404 message instead of 'Not Found'."""
    if not isinstance(object_id, str) or store.get(f"{cls.object}:{object_id}") is None:
        raise no_such(kind, str(object_id))
    return cls._api_retrieve(object_id)


_RANGE_TESTS = {
    "gt": lambda at, bound: at > bound,
    "gte": lambda at, bound: at >= bound,
    "lt": lambda at, bound: at < bound,
    "lte": lambda at, bound: at <= bound,
}


def created_within(objects: list[Any], created: Any) -> list[Any]:
    """Stripe's `created` list filter: an exact timestamp, or a range of `gt`/`gte`/`lt`/`lte`."""
    if created is None:
        return objects
    if not isinstance(created, dict):
        created = {"gte": created, "lte": created}
    bounds = {key: try_convert_to_int(value) for key, value in created.items()}
    valid = all(k in _RANGE_TESTS and isinstance(v, int) for k, v in bounds.items())
    if not bounds or not valid:
        raise error(400, "Invalid created filter.", "created")
    return [o for o in objects if all(_RANGE_TESTS[k](o.created, v) for k, v in bounds.items())]


def add_list_filters(cls: Any, *fields: str) -> None:
    """Give localstripe's list of `cls` the `created` filter and equality filters on `fields`,
    applied before pagination like every other filter."""
    original = cls._api_list_all.__func__

    def list_all(klass: Any, url: Any, created: Any = None, **kwargs: Any) -> Any:
        wanted = {field: kwargs.pop(field) for field in fields if kwargs.get(field) is not None}
        li = original(klass, url, **kwargs)
        li._list = [
            o
            for o in created_within(li._list, created)
            if all(getattr(o, field) == value for field, value in wanted.items())
        ]
        return li

    cls._api_list_all = classmethod(list_all)


def backdate(object_id: str, created: int) -> Any:
    """Control endpoint: set an object's creation time, as if it had been made back then."""
    obj = next((o for key, o in store.items() if key.split(":", 1)[-1] == object_id), None)
    if obj is None:
        raise error(404, f"No such object: '{object_id}'", code="resource_missing")
    obj.created = created
    return obj


def merge_metadata(obj: Any, metadata: Any) -> None:
    """Stripe semantics: keys are merged, an empty value deletes a key, "" clears everything."""
    if metadata == "":
        obj.metadata = {}
        return
    if not isinstance(metadata, dict):
        raise error(400, "Invalid object", "metadata")
    merged = dict(obj.metadata or {})
    for key, value in metadata.items():
        if value == "":
            merged.pop(key, None)
        else:
            merged[key] = value
    obj.metadata = merged


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """Stripe's `previous_attributes`: the old values of the top-level fields that changed."""
    return {key: value for key, value in before.items() if after.get(key) != value}


def add_interval(start: int, interval: str, count: int = 1) -> int:
    step = {
        "day": relativedelta(days=count),
        "week": relativedelta(weeks=count),
        "month": relativedelta(months=count),
        "year": relativedelta(years=count),
    }[interval]
    return int((datetime.fromtimestamp(start, UTC) + step).timestamp())


def expand_paths(obj: Any, paths: list[str]) -> None:
    """Replace id strings along dotted `expand` paths by the exported objects, in place."""
    for path in paths:
        _expand(obj, path.split("."))


def _expand(obj: Any, parts: list[str]) -> None:
    if isinstance(obj, list):
        for item in obj:
            _expand(item, parts)
        return
    if not isinstance(obj, dict):
        return
    head, rest = parts[0], parts[1:]
    if head not in obj:
        raise error(400, f"This property cannot be expanded ({head}).", "expand")
    value = obj[head]
    if isinstance(value, str):
        cls = StripeObject._get_class_for_id(value)
        if cls is not None:
            value = obj[head] = cls._api_retrieve(value)._export()
    if rest and value is not None:
        _expand(value, rest)


# -- localstripe patches -------------------------------------------------------------------

# Objects whose localstripe export embeds a related object where Stripe returns its id.
_COLLAPSE = {"payment_intent": ("latest_charge",), "invoice": ("charge",)}
# Fields localstripe adds that Stripe's objects do not have (set as a side effect of invoicing).
_DROP = {"subscription_item": ("invoice",)}
_force_decline = False
_billing_reason: str | None = None


@contextlib.contextmanager
def overriding(name: str, value: Any) -> Iterator[None]:
    """Set one of the switches above for the block: localstripe's code, which reads them,
    cannot be handed them as arguments."""
    module = sys.modules[__name__]
    previous = getattr(module, name)
    setattr(module, name, value)
    try:
        yield
    finally:
        setattr(module, name, previous)


def install() -> None:
    """Apply the patches below to localstripe's classes. Idempotent."""
    if getattr(ls, "_stripe_peer_installed", False):
        return
    ls._stripe_peer_installed = True

    # localstripe pickles its whole store to /tmp/localstripe.pickle on every write: slow, and
    # shared between peers running in parallel. The peer keeps state in memory only.
    store.dump_to_disk = lambda: None

    original_export = StripeObject._export

    def export(self: Any, expand: Any = None) -> Any:
        kind = str(getattr(self, "object", ""))
        if kind in _DROP:
            obj = original_export(self, expand)
            for field in _DROP[kind]:
                obj.pop(field, None)
            return obj
        fields = _COLLAPSE.get(kind)
        if not fields:
            return original_export(self, expand)
        if expand is not None and not (
            isinstance(expand, list) and all(isinstance(e, str) for e in expand)
        ):
            raise error(400, "Invalid array", "expand")
        obj = original_export(self)
        for field in fields:
            if isinstance(obj.get(field), dict):
                obj[field] = obj[field]["id"]
        expand_paths(obj, expand or [])
        return obj

    StripeObject._export = export

    # Stripe lists newest first; localstripe lists in insertion order. Subclasses filter (and
    # a few re-sort by date, stably) the base list, so reversing it here fixes them all.
    original_list_all = StripeObject._api_list_all.__func__

    def list_all(
        cls: Any, url: Any, limit: Any = None, starting_after: Any = None, **kw: Any
    ) -> Any:
        li = original_list_all(cls, url, limit=limit, starting_after=starting_after, **kw)
        li._list.reverse()
        return li

    StripeObject._api_list_all = classmethod(list_all)
    # Stripe filters invoices by `created` and `status`, subscriptions by `created` too
    # (localstripe already filters their `status`).
    add_list_filters(Invoice, "status")
    add_list_filters(Subscription)

    original_charging_is_declined = PaymentMethod._charging_is_declined

    def charging_is_declined(self: Any) -> bool:
        if _force_decline:
            return True
        if getattr(self, "type", None) == "card" and self._card_number in DECLINED_CARDS:
            return True
        return bool(original_charging_is_declined(self))

    PaymentMethod._charging_is_declined = charging_is_declined

    # Stripe sends both invoice.payment_succeeded (localstripe does) and invoice.paid.
    original_on_payment_success = Invoice._on_payment_success

    def on_payment_success(self: Any) -> None:
        original_on_payment_success(self)
        emit("invoice.paid", self)

    Invoice._on_payment_success = on_payment_success

    # localstripe leaves billing_reason at None. It is assigned in Invoice.__init__ right after
    # `subscription`, so a property setter can fill it in before any event snapshots the invoice.
    def get_billing_reason(self: Any) -> Any:
        return self.__dict__.get("_billing_reason")

    def set_billing_reason(self: Any, value: Any) -> None:
        if value is None:
            if _billing_reason is not None:
                value = _billing_reason
            elif self.subscription is None:
                value = "manual"
            else:
                sub = store.get(f"subscription:{self.subscription}")
                first = sub is None or sub.latest_invoice is None
                value = "subscription_create" if first else "subscription_update"
        self.__dict__["_billing_reason"] = value

    Invoice.billing_reason = property(get_billing_reason, set_billing_reason)

    def subscription_details(self: Any) -> Any:
        sub = store.get(f"subscription:{self.subscription}") if self.subscription else None
        return None if sub is None else {"metadata": dict(sub.metadata or {})}

    def invoice_parent(self: Any) -> Any:
        details = subscription_details(self)
        if details is None:
            return None
        details = {**details, "subscription": self.subscription}
        return {"type": "subscription_details", "subscription_details": details}

    Invoice.subscription_details = property(subscription_details)
    Invoice.parent = property(invoice_parent)

    # Subscription periods: localstripe derives them from start_date forever (and ignores
    # interval_count). The peer keeps an anchor that renewals move forward.
    def current_period(self: Any) -> dict[str, int]:
        sub = store.get(f"subscription:{self._subscription}") if self._subscription else None
        start = getattr(sub, "_peer_period_start", None) or (
            sub.start_date if sub is not None else int(time.time())
        )
        end = add_interval(start, self.plan.interval, self.plan.interval_count or 1)
        return {"start": start, "end": end}

    SubscriptionItem._current_period = current_period

    def item_price(self: Any) -> Any:
        plan = getattr(self, "plan", None)
        price = store.get(f"price:{plan.id}") if plan is not None else None
        return None if price is None else price._export()

    # Since API version 2025-03-31 the period lives on subscription items; keep both.
    SubscriptionItem.price = property(item_price)
    SubscriptionItem.current_period_start = property(lambda self: current_period(self)["start"])
    SubscriptionItem.current_period_end = property(lambda self: current_period(self)["end"])
    SubscriptionItem.subscription = property(lambda self: self._subscription)
    InvoiceLineItem.price = property(item_price)

    Subscription.collection_method = "charge_automatically"
    Subscription.default_payment_method = None
    Subscription.description = None
    Subscription.cancellation_details = None
    Subscription.currency = property(lambda self: self.plan.currency)

    # Stripe sends charge.succeeded before payment_intent.succeeded and copies the intent's
    # metadata onto its charge, which handlers of charge.refunded rely on.
    original_on_success = PaymentIntent._on_success

    def pi_on_success(self: Any) -> None:
        charge = self.latest_charge
        if charge is not None:
            charge.metadata = {**(self.metadata or {}), **(charge.metadata or {})}
            emit("charge.succeeded", charge)
        original_on_success(self)

    PaymentIntent._on_success = pi_on_success
    PaymentIntent.description = None
    PaymentIntent.amount_received = property(
        lambda self: self.amount if self.status == "succeeded" else 0
    )


# -- refunds and events --------------------------------------------------------------------


def create_refund(**params: Any) -> Any:
    """POST /v1/refunds with localstripe's Refund, plus the checks and events it lacks."""
    reason = params.pop("reason", None)
    for ignored in ("instructions_email", "refund_application_fee", "reverse_transfer", "origin"):
        params.pop(ignored, None)
    if params.get("charge"):
        charge = retrieve(Charge, params["charge"], "charge")
    elif params.get("payment_intent"):
        intent = retrieve(PaymentIntent, params["payment_intent"], "payment_intent")
        if intent.latest_charge is None:
            raise error(400, "This PaymentIntent does not have a successful charge to refund.")
        charge = intent.latest_charge
    else:
        raise error(400, "One of the following params should be provided: charge, payment_intent.")
    left = charge.amount - charge.amount_refunded
    if left == 0:
        raise error(
            400, f"Charge {charge.id} has already been refunded.", code="charge_already_refunded"
        )
    amount = try_convert_to_int(params.get("amount", left))
    if isinstance(amount, int) and amount > left:
        raise error(
            400,
            f"Refund amount ({amount}) is greater than unrefunded amount on charge ({left})",
            "amount",
            code="amount_too_large",
        )
    refund = Refund._api_create(**params)
    refund.payment_intent = charge.payment_intent
    refund.reason = reason
    emit("charge.refunded", charge)
    emit("refund.created", refund)
    return refund


def list_events(**params: Any) -> Any:
    """GET /v1/events: localstripe's list plus the `types` filter."""
    types = params.pop("types", None)
    params.pop("delivery_success", None)
    li = Event._api_list_all("/v1/events", **params)
    if types is not None:
        wanted = set(types if isinstance(types, list) else [types])
        li._list = [e for e in li._list if e.type in wanted]
    return li


def new_id(prefix: str) -> str:
    return prefix + random_id(24)
