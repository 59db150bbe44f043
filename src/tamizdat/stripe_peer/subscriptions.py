"""Subscriptions on the peer: what localstripe lacks for Stripe's subscription life (prices,
item changes with proration, cancellation at the period's end, renewals on demand) and the
invoices and events each step bills."""

from __future__ import annotations

import time
from typing import Any

from localstripe.resources import (
    Customer,
    Invoice,
    InvoiceItem,
    List,
    PaymentIntent,
    PaymentMethod,
    Product,
    Subscription,
    SubscriptionItem,
    try_convert_to_bool,
    try_convert_to_int,
)

from .prices import price_for_item, retrieve_price
from .resources import (
    diff,
    emit,
    error,
    merge_metadata,
    no_such,
    overriding,
    retrieve,
)


def bill(sub: Any, reason: str, items: list[Any], fail: bool = False) -> Any:
    """Create, finalize and charge an invoice for `sub`, emitting Stripe's events.

    localstripe's own pay path swallows charge failures silently; here a failure emits
    payment_intent.payment_failed and invoice.payment_failed and leaves the subscription
    past_due, as Stripe's default dunning does after a failed renewal.
    """
    # Billing reason given to the invoice created in the block.
    with overriding("_billing_reason", reason):
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
    with overriding("_force_decline", fail):
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
        price = retrieve_price(current.plan.id)
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
