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
    Customer,
    Event,
    Invoice,
    InvoiceItem,
    InvoiceLineItem,
    List,
    PaymentIntent,
    PaymentMethod,
    Plan,
    Product,
    Refund,
    StripeObject,
    Subscription,
    SubscriptionItem,
    random_id,
    store,
    try_convert_to_bool,
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


# -- Price ---------------------------------------------------------------------------------


class Price(StripeObject):
    """Stripe's Price. A recurring price is backed by a localstripe Plan with the *same id*,
    so that localstripe's subscription and invoice engine can bill it unchanged."""

    object = "price"
    _id_prefix = "price_"

    def __init__(
        self,
        currency: Any = None,
        unit_amount: Any = None,
        product: Any = None,
        product_data: Any = None,
        recurring: Any = None,
        metadata: Any = None,
        nickname: Any = None,
        lookup_key: Any = None,
        active: Any = True,
        tax_behavior: Any = None,
        unit_amount_decimal: Any = None,
        billing_scheme: Any = "per_unit",
        **kwargs: Any,
    ) -> None:
        reject_unknown(kwargs)
        if unit_amount is None and unit_amount_decimal is not None:
            unit_amount = try_convert_to_int(str(unit_amount_decimal).split(".")[0])
        unit_amount = try_convert_to_int(unit_amount)
        active = try_convert_to_bool(active)
        if not isinstance(currency, str) or not currency:
            raise error(400, "Missing required param: currency.", "currency")
        if not isinstance(unit_amount, int) or unit_amount < 0:
            raise error(400, "Missing required param: unit_amount.", "unit_amount")
        if billing_scheme != "per_unit":
            raise error(400, "The Stripe peer only supports per_unit prices.", "billing_scheme")
        interval = interval_count = None
        if recurring is not None:
            if not isinstance(recurring, dict) or recurring.get("interval") not in INTERVALS:
                raise error(400, "Invalid recurring[interval].", "recurring[interval]")
            interval = recurring["interval"]
            interval_count = try_convert_to_int(recurring.get("interval_count", 1))
            if not isinstance(interval_count, int) or interval_count < 1:
                raise error(400, "Invalid recurring[interval_count].", "recurring[interval_count]")
        if product is not None:
            retrieve(Product, product, "product")
        elif isinstance(product_data, dict) and product_data.get("name"):
            product = Product(
                name=product_data["name"], metadata=product_data.get("metadata") or {}
            ).id
        else:
            raise error(400, "Missing required param: product.", "product")

        super().__init__()
        self.active = bool(active)
        self.billing_scheme = "per_unit"
        self.currency = currency.lower()
        self.custom_unit_amount = None
        self.lookup_key = lookup_key
        self.metadata = dict(metadata or {})
        self.nickname = nickname
        self.product = product
        self.recurring = (
            None
            if interval is None
            else {
                "interval": interval,
                "interval_count": interval_count,
                "meter": None,
                "trial_period_days": None,
                "usage_type": "licensed",
            }
        )
        self.tax_behavior = tax_behavior or "unspecified"
        self.tiers_mode = None
        self.transform_quantity = None
        self.type = "one_time" if interval is None else "recurring"
        self.unit_amount = unit_amount
        self.unit_amount_decimal = str(unit_amount)
        if interval is not None:
            Plan(
                id=self.id,
                amount=unit_amount,
                currency=self.currency,
                interval=interval,
                interval_count=interval_count,
                product=product,
                nickname=nickname,
                metadata=dict(self.metadata),
            )
        emit("price.created", self)

    @classmethod
    def _api_retrieve(cls, id: Any) -> Any:
        return _retrieve_price(id)

    @classmethod
    def _api_list_all(
        cls,
        url: Any,
        active: Any = None,
        product: Any = None,
        type: Any = None,
        currency: Any = None,
        lookup_keys: Any = None,
        limit: Any = None,
        starting_after: Any = None,
        **kwargs: Any,
    ) -> Any:
        reject_unknown(kwargs)
        li = super()._api_list_all(url, limit=limit, starting_after=starting_after)
        prices = li._list
        active = try_convert_to_bool(active)
        if active is not None:
            prices = [p for p in prices if p.active == active]
        if product is not None:
            prices = [p for p in prices if p.product == product]
        if type is not None:
            prices = [p for p in prices if p.type == type]
        if currency is not None:
            prices = [p for p in prices if p.currency == currency.lower()]
        if lookup_keys is not None:
            keys = lookup_keys if isinstance(lookup_keys, list) else [lookup_keys]
            prices = [p for p in prices if p.lookup_key in keys]
        li._list = prices
        return li

    def _update(self, **data: Any) -> None:
        allowed = {"active", "metadata", "nickname", "lookup_key", "tax_behavior"}
        reject_unknown({k: v for k, v in data.items() if k not in allowed})
        if "metadata" in data:
            merge_metadata(self, data.pop("metadata"))
        if "active" in data:
            data["active"] = bool(try_convert_to_bool(data["active"]))
        for key, value in data.items():
            setattr(self, key, value)


def _retrieve_price(price_id: Any) -> Any:
    if not isinstance(price_id, str) or store.get(f"price:{price_id}") is None:
        raise no_such("price", str(price_id))
    return store[f"price:{price_id}"]


def price_for_item(item: dict[str, Any], param: str) -> Any:
    """The Price named by a line/subscription item: `price` (an id) or inline `price_data`."""
    if item.get("price"):
        return _retrieve_price(item["price"])
    data = item.get("price_data")
    if isinstance(data, dict):
        # Stripe creates inline prices archived, so they do not show up in price lists.
        return Price(**{**data, "active": False})
    raise error(400, f"Missing required param: {param}[price].", f"{param}[price]")


# -- localstripe patches -------------------------------------------------------------------

# Objects whose localstripe export embeds a related object where Stripe returns its id.
_COLLAPSE = {"payment_intent": ("latest_charge",), "invoice": ("charge",)}
# Fields localstripe adds that Stripe's objects do not have (set as a side effect of invoicing).
_DROP = {"subscription_item": ("invoice",)}
_force_decline = False
_billing_reason: str | None = None


@contextlib.contextmanager
def _overriding(name: str, value: Any) -> Iterator[None]:
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


# -- subscriptions -------------------------------------------------------------------------


def bill(sub: Any, reason: str, items: list[Any], fail: bool = False) -> Any:
    """Create, finalize and charge an invoice for `sub`, emitting Stripe's events.

    localstripe's own pay path swallows charge failures silently; here a failure emits
    payment_intent.payment_failed and invoice.payment_failed and leaves the subscription
    past_due, as Stripe's default dunning does after a failed renewal.
    """
    # Billing reason given to the invoice created in the block.
    with _overriding("_billing_reason", reason):
        invoice = Invoice(
            customer=sub.customer,
            subscription=sub.id,
            items=items,
            date=sub.current_period_start,
        )
    invoice._finalize()
    if invoice.status == "paid":  # nothing to charge
        invoice._on_payment_success()
        return invoice
    # Every charge attempted in the block declines (a failed renewal).
    with _overriding("_force_decline", fail):
        Invoice._api_pay_invoice(invoice.id)
    if invoice.status != "paid":
        emit("payment_intent.payment_failed", PaymentIntent._api_retrieve(invoice.payment_intent))
        emit("invoice.payment_failed", invoice)
        sub.status = "past_due"
    return invoice


def _parse_items(items: Any) -> list[dict[str, Any]]:
    if isinstance(items, dict):  # `items[0][price]` without a list-looking index
        items = list(items.values())
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise error(400, "Invalid array", "items")
    return items


def create_subscription(**params: Any) -> Any:
    """POST /v1/subscriptions: translate Stripe's `price`/`price_data` to localstripe plans."""
    items = []
    for item in _parse_items(params.pop("items", None) or []):
        item = dict(item)
        if "plan" not in item:
            item["plan"] = price_for_item(item, "items[0]").id
        item.pop("price", None)
        item.pop("price_data", None)
        items.append(item)
    default_payment_method = params.pop("default_payment_method", None)
    description = params.pop("description", None)
    if params.pop("payment_behavior", None) == "error_if_incomplete":
        params["payment_behavior"] = "error_if_incomplete"
    customer = retrieve(Customer, params.get("customer"), "customer")
    if default_payment_method:
        # localstripe bills the customer's default payment method.
        PaymentMethod._api_attach(default_payment_method, customer=customer.id)
        customer.invoice_settings["default_payment_method"] = default_payment_method
    sub = Subscription._api_create(items=items, **params)
    sub.default_payment_method = default_payment_method
    sub.description = description
    return sub


def update_subscription(id: str, **params: Any) -> Any:
    """POST /v1/subscriptions/{id}: price changes with prorations, cancel_at_period_end, ..."""
    sub = retrieve(Subscription, id, "subscription")
    if sub.status == "canceled":
        raise error(400, "A canceled subscription can only update its metadata.", "status")
    before = sub._export()
    proration = params.pop("proration_behavior", None) or "create_prorations"
    if proration not in ("create_prorations", "none", "always_invoice"):
        raise error(400, "Invalid proration_behavior.", "proration_behavior")
    for ignored in ("proration_date", "payment_behavior", "billing_cycle_anchor"):
        params.pop(ignored, None)
    if "metadata" in params:
        merge_metadata(sub, params.pop("metadata"))
    if "description" in params:
        sub.description = params.pop("description") or None
    if "default_payment_method" in params:
        sub.default_payment_method = params.pop("default_payment_method") or None
    cancel_at_period_end = try_convert_to_bool(params.pop("cancel_at_period_end", None))
    items = params.pop("items", None)
    if items is not None:
        _change_items(sub, _parse_items(items), proration)
    if params:
        sub._update(**params)  # localstripe handles cancel_at, trial_end, ...
    if cancel_at_period_end is not None:
        now = int(time.time())
        sub.cancel_at_period_end = bool(cancel_at_period_end)
        sub.cancel_at = sub.current_period_end if cancel_at_period_end else None
        sub.canceled_at = now if cancel_at_period_end else None
        sub.cancellation_details = (
            {"comment": None, "feedback": None, "reason": "cancellation_requested"}
            if cancel_at_period_end
            else None
        )
    previous = diff(before, sub._export())
    if previous:
        emit("customer.subscription.updated", sub, previous)
    return sub


def _change_items(sub: Any, items: list[dict[str, Any]], proration: str) -> None:
    current = sub.items._list[0]
    deleted = False
    kept = []
    for item in items:
        if try_convert_to_bool(item.get("deleted")) is True:
            if item.get("id") != current.id:
                raise no_such("subscription item", str(item.get("id")))
            deleted = True
        else:
            kept.append(item)
    if len(kept) != 1:
        raise error(400, "The Stripe peer only supports subscriptions with exactly one item.")
    item = kept[0]
    if item.get("id") is None and not deleted:
        # Stripe would *add* a second item here; the peer refuses rather than diverge silently.
        raise error(
            400,
            "The Stripe peer only supports single-item subscriptions: pass items[0][id] to "
            "replace the current item (or delete it in the same request).",
            "items[0][id]",
        )
    if item.get("id") not in (None, current.id):
        raise no_such("subscription item", str(item["id"]))
    if item.get("price") or item.get("price_data"):
        price = price_for_item(item, "items[0]")
    else:
        price = _retrieve_price(current.plan.id)
    if price.type != "recurring":
        raise error(400, "The price specified is not recurring.", "items[0][price]")
    quantity = try_convert_to_int(item.get("quantity", current.quantity))
    if not isinstance(quantity, int) or quantity < 1:
        raise error(400, "Invalid integer", "items[0][quantity]")
    if price.id == current.plan.id and quantity == current.quantity:
        if item.get("metadata") is not None:
            merge_metadata(current, item["metadata"])
        return

    now = int(time.time())
    period = current._current_period()
    old_plan = current.plan
    new_item = SubscriptionItem(
        subscription=sub.id, plan=price.id, quantity=quantity, metadata=item.get("metadata")
    )
    interval_changed = (old_plan.interval, old_plan.interval_count) != (
        price.recurring["interval"],
        price.recurring["interval_count"],
    )
    if proration != "none":
        # Credit the unused part of the current period; charge the rest of it on the new price
        # unless the interval changes (then a new period starts now and is billed in full).
        left = max(0.0, (period["end"] - now) / max(1, period["end"] - period["start"]))
        old_amount = old_plan.amount * current.quantity
        InvoiceItem(
            customer=sub.customer,
            subscription=sub.id,
            plan=old_plan.id,
            amount=-round(old_amount * left),
            currency=old_plan.currency,
            proration=True,
            description=f"Unused time on {old_plan.name}",
            period_start=max(now, period["start"]),
            period_end=period["end"],
        )
        if not interval_changed:
            InvoiceItem(
                customer=sub.customer,
                subscription=sub.id,
                plan=price.id,
                amount=round(price.unit_amount * quantity * left),
                currency=price.currency,
                proration=True,
                description=f"Remaining time on {Product._api_retrieve(price.product).name}",
                period_start=max(now, period["start"]),
                period_end=period["end"],
            )
    sub.items = List(f"/v1/subscription_items?subscription={sub.id}")
    sub.items._list.append(new_item)
    sub.quantity = quantity
    if interval_changed:
        sub._peer_period_start = now
        bill(sub, "subscription_update", list(sub.items._list))
    elif proration == "always_invoice":
        bill(sub, "subscription_update", [])


def cancel_subscription(id: str, **params: Any) -> Any:
    """DELETE /v1/subscriptions/{id}: cancel now, emitting customer.subscription.deleted."""
    sub = retrieve(Subscription, id, "subscription")
    if sub.status in ("canceled", "incomplete_expired"):
        # As Stripe answers: a canceled subscription counts as deleted.
        raise no_such("subscription", id)
    details = params.get("cancellation_details") or {}
    end(sub, int(time.time()), comment=details.get("comment"), feedback=details.get("feedback"))
    return sub


def end(sub: Any, at: int, comment: Any = None, feedback: Any = None) -> None:
    sub.status = "canceled"
    sub.ended_at = at
    sub.canceled_at = sub.canceled_at or int(time.time())
    if sub.cancellation_details is None or comment or feedback:
        sub.cancellation_details = {
            "comment": comment,
            "feedback": feedback,
            "reason": "cancellation_requested",
        }
    emit("customer.subscription.deleted", sub)


def renew_subscription(id: str, fail: bool = False) -> tuple[Any, Any]:
    """Control endpoint: jump to the end of the current period and run the renewal.

    The period moves forward, an invoice with billing_reason `subscription_cycle` is charged
    (invoice.paid), or with `fail` declined (invoice.payment_failed, status past_due). A
    subscription set to cancel at period end is canceled instead.
    """
    sub = retrieve(Subscription, id, "subscription")
    if sub.status not in ("active", "past_due", "trialing"):
        raise error(400, f"Cannot renew a subscription with status {sub.status}.")
    period_end = sub.current_period_end
    if sub.cancel_at_period_end or (sub.cancel_at and sub.cancel_at <= period_end):
        end(sub, period_end)
        return sub, None
    before = sub._export()
    sub._peer_period_start = period_end
    invoice = bill(sub, "subscription_cycle", list(sub.items._list), fail=fail)
    emit("customer.subscription.updated", sub, diff(before, sub._export()))
    return sub, invoice


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
