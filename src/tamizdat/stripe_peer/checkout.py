"""Checkout Sessions, absent from localstripe: created, listed, expired and completed when the
hosted page (`hosted_page`) is paid."""

from __future__ import annotations

import time
from typing import Any

from localstripe.errors import UserError
from localstripe.resources import (
    Customer,
    InvoiceItem,
    PaymentIntent,
    PaymentMethod,
    Product,
    SetupIntent,
    StripeObject,
    Subscription,
    store,
    try_convert_to_int,
)

from .checkout_params import IGNORED_PARAMS, MODES, line_items_from, sub_params
from .resources import (
    created_within,
    emit,
    error,
    expand_paths,
    merge_metadata,
    new_id,
    reject_unknown,
    retrieve,
)
from .webhooks import current_request

DEFAULT_TTL = 24 * 3600


class CheckoutSession(StripeObject):
    object = "checkout.session"
    _id_prefix = "cs_test_"

    def __init__(
        self,
        mode: Any = None,
        line_items: Any = None,
        success_url: Any = None,
        cancel_url: Any = None,
        customer: Any = None,
        customer_email: Any = None,
        customer_creation: Any = None,
        client_reference_id: Any = None,
        metadata: Any = None,
        subscription_data: Any = None,
        payment_intent_data: Any = None,
        setup_intent_data: Any = None,
        locale: Any = None,
        currency: Any = None,
        expires_at: Any = None,
        payment_method_types: Any = None,
        return_url: Any = None,
        **kwargs: Any,
    ) -> None:
        reject_unknown({k: v for k, v in kwargs.items() if k not in IGNORED_PARAMS})
        if mode not in MODES:
            raise error(400, "Missing required param: mode.", "mode")
        if customer is not None and customer_email is not None:
            raise error(
                400, "You may only specify one of these parameters: customer, customer_email."
            )
        if customer is not None:
            retrieve(Customer, customer, "customer")
        sub_data = sub_params(
            subscription_data,
            "subscription_data",
            {"metadata", "description", "trial_period_days", "trial_end", "proration_behavior"},
        )
        if sub_data.get("trial_period_days") or sub_data.get("trial_end"):
            raise error(400, "The Stripe peer does not simulate trials.", "subscription_data")
        pi_data = sub_params(
            payment_intent_data,
            "payment_intent_data",
            {
                "metadata",
                "description",
                "receipt_email",
                "setup_future_usage",
                "capture_method",
                "statement_descriptor",
                "statement_descriptor_suffix",
            },
        )
        si_data = sub_params(setup_intent_data, "setup_intent_data", {"metadata", "description"})
        expires_at = try_convert_to_int(expires_at)
        if expires_at is not None and (
            not isinstance(expires_at, int) or expires_at <= time.time()
        ):
            raise error(400, "expires_at must be in the future.", "expires_at")

        items = line_items_from(mode, line_items)
        currencies = {price.currency for price, _ in items}
        if len(currencies) > 1:
            raise error(400, "All line items must use the same currency.", "line_items")

        super().__init__()
        self._items = [
            {
                "id": new_id("li_"),
                "price": price.id,
                "quantity": quantity,
                "description": Product._api_retrieve(price.product).name,
            }
            for price, quantity in items
        ]
        self._payment_intent_data = pi_data
        self._subscription_data = sub_data
        self._setup_intent_data = si_data
        self._payment_attempt: str | None = None  # PaymentIntent reused across declined attempts

        amount = sum(price.unit_amount * quantity for price, quantity in items) if items else None
        # The hosted page lives where the API request came to.
        origin = (current_request.get() or {}).get("origin") or ""
        self.after_expiration = None
        self.allow_promotion_codes = kwargs.get("allow_promotion_codes")
        self.amount_subtotal = amount
        self.amount_total = amount
        self.billing_address_collection = kwargs.get("billing_address_collection")
        self.cancel_url = cancel_url
        self.client_reference_id = client_reference_id
        self.client_secret = None
        self.currency = currencies.pop() if currencies else (currency or None)
        self.customer = customer
        self.customer_creation = None if mode == "subscription" else customer_creation
        self.customer_details: dict[str, Any] | None = None
        self.customer_email = customer_email
        self.expires_at = expires_at or self.created + DEFAULT_TTL
        self.invoice = None
        self.locale = locale
        self.metadata = dict(metadata or {})
        self.mode = mode
        self.payment_intent = None
        self.payment_link = None
        self.payment_method_collection = "always"
        self.payment_method_types = payment_method_types or ["card"]
        self.payment_status = "no_payment_required" if mode == "setup" else "unpaid"
        self.recovered_from = None
        self.return_url = return_url
        self.setup_intent = None
        self.status = "open"
        self.submit_type = kwargs.get("submit_type")
        self.subscription = None
        self.success_url = success_url
        self.total_details = {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0}
        self.ui_mode = "hosted"
        self.url: str | None = f"{origin}/checkout/{self.id}"

    @classmethod
    def _api_retrieve(cls, id: Any) -> Any:
        session = store.get(f"{cls.object}:{id}")
        if session is None:
            raise error(
                404, f"No such checkout.session: '{id}'", "session", code="resource_missing"
            )
        session._expire_if_due()
        return session

    @classmethod
    def _api_update(cls, id: Any, **data: Any) -> Any:
        session = cls._api_retrieve(id)
        reject_unknown({k: v for k, v in data.items() if k != "metadata"})
        if "metadata" in data:
            merge_metadata(session, data["metadata"])
        return session

    @classmethod
    def _api_delete(cls, id: Any) -> Any:
        raise UserError(405, "Method Not Allowed")

    @classmethod
    def _api_list_all(
        cls,
        url: Any,
        customer: Any = None,
        payment_intent: Any = None,
        subscription: Any = None,
        status: Any = None,
        created: Any = None,
        limit: Any = None,
        starting_after: Any = None,
        **kwargs: Any,
    ) -> Any:
        reject_unknown({k: v for k, v in kwargs.items() if k != "payment_link"})
        li = super()._api_list_all(url, limit=limit, starting_after=starting_after)
        sessions = created_within(li._list, created)
        for field, value in (
            ("customer", customer),
            ("payment_intent", payment_intent),
            ("subscription", subscription),
            ("status", status),
        ):
            if value is not None:
                sessions = [s for s in sessions if getattr(s, field) == value]
        li._list = sessions
        return li

    def _export(self, expand: Any = None) -> Any:
        expand = list(expand or [])
        obj = super()._export()
        if "line_items" in expand:
            expand.remove("line_items")
            obj["line_items"] = self._line_items_list()
        expand_paths(obj, expand)
        return obj

    def _line_items_list(self) -> dict[str, Any]:
        data = []
        for item in self._items:
            price = store[f"price:{item['price']}"]
            amount = price.unit_amount * item["quantity"]
            data.append(
                {
                    "id": item["id"],
                    "object": "item",
                    "amount_discount": 0,
                    "amount_subtotal": amount,
                    "amount_tax": 0,
                    "amount_total": amount,
                    "currency": price.currency,
                    "description": item["description"],
                    "price": price._export(),
                    "quantity": item["quantity"],
                }
            )
        return {
            "object": "list",
            "data": data,
            "has_more": False,
            "url": f"/v1/checkout/sessions/{self.id}/line_items",
        }

    def _expire_if_due(self) -> None:
        if self.status == "open" and time.time() >= self.expires_at:
            self._expire()

    def _expire(self) -> None:
        self.status = "expired"
        self.url = None
        if self._payment_attempt is not None:
            PaymentIntent._api_cancel(self._payment_attempt)
        emit("checkout.session.expired", self)

    # -- completing ------------------------------------------------------------------------

    def _complete(self, email: str, name: str | None, card: dict[str, Any]) -> str | None:
        """Pay (or set up) with the card typed into the hosted page.

        Returns the message to show on the page, or None once the session is complete.
        """
        payment_method = PaymentMethod(type="card", card=card)
        if payment_method._requires_authentication():
            return (
                "This card requires authentication (3D Secure), which the Stripe peer does not "
                "simulate. Use 4242 4242 4242 4242."
            )
        if self.mode != "payment" and (
            payment_method._attaching_is_declined() or payment_method._charging_is_declined()
        ):
            return "Your card was declined."
        customer = self._customer_for(email, name)
        if self.mode == "payment":
            message = self._pay(customer, payment_method)
            if message:
                return message
        elif self.mode == "subscription":
            self._subscribe(customer, payment_method)
        else:
            self._set_up(customer, payment_method)
        self.customer = customer.id
        self.customer_details = {
            "address": None,
            "email": email,
            "name": name,
            "phone": None,
            "tax_exempt": "none",
            "tax_ids": [],
        }
        self.status = "complete"
        self.url = None
        emit("checkout.session.completed", self)
        return None

    def _customer_for(self, email: str, name: str | None) -> Any:
        if self.customer is not None:
            return Customer._api_retrieve(self.customer)
        # Reuse the customer made by an earlier, declined attempt on this session.
        pending = getattr(self, "_pending_customer", None)
        if pending is not None:
            customer = Customer._api_retrieve(pending)
            customer.email, customer.name = email, name
            return customer
        customer = Customer(email=email, name=name)
        self._pending_customer = customer.id
        return customer

    def _pay(self, customer: Any, payment_method: Any) -> str | None:
        data = self._payment_intent_data
        if self._payment_attempt is None:
            intent = PaymentIntent(
                amount=self.amount_total,
                currency=self.currency,
                customer=customer.id,
                payment_method=payment_method.id,
                metadata=dict(data.get("metadata") or {}),
            )
            intent.description = data.get("description")
            self._payment_attempt = intent.id
        else:  # a retry after a decline: same intent, new card
            intent = PaymentIntent._api_retrieve(self._payment_attempt)
            intent.payment_method = payment_method.id
            intent.latest_charge = None
        intent._confirm(on_failure_now=lambda: None)
        if intent.status != "succeeded":
            emit("payment_intent.payment_failed", intent)
            return (intent.last_payment_error or {}).get("message") or "Your card was declined."
        if data.get("setup_future_usage"):
            PaymentMethod._api_attach(payment_method.id, customer=customer.id)
        self.payment_intent = intent.id
        self.payment_status = "paid"
        return None

    def _subscribe(self, customer: Any, payment_method: Any) -> None:
        PaymentMethod._api_attach(payment_method.id, customer=customer.id)
        # localstripe charges renewals to the customer's default payment method.
        customer.invoice_settings["default_payment_method"] = payment_method.id
        recurring = None
        for item in self._items:
            price = store[f"price:{item['price']}"]
            if price.type == "recurring":
                recurring = (price, item["quantity"])
            else:  # one-time items are added to the first invoice, as Stripe does
                InvoiceItem(
                    customer=customer.id,
                    amount=price.unit_amount * item["quantity"],
                    currency=price.currency,
                    description=item["description"],
                )
        assert recurring is not None
        data = self._subscription_data
        subscription = Subscription(
            customer=customer.id,
            items=[{"plan": recurring[0].id, "quantity": recurring[1]}],
            metadata=dict(data.get("metadata") or {}),
        )
        subscription.default_payment_method = payment_method.id
        subscription.description = data.get("description")
        self.subscription = subscription.id
        self.invoice = subscription.latest_invoice
        self.payment_status = "paid" if self.amount_total else "no_payment_required"

    def _set_up(self, customer: Any, payment_method: Any) -> None:
        data = self._setup_intent_data
        intent = SetupIntent(
            customer=customer.id, usage="off_session", metadata=dict(data.get("metadata") or {})
        )
        intent.description = data.get("description")
        intent._attach_pm(payment_method)
        PaymentMethod._api_attach(payment_method.id, customer=customer.id)
        emit("payment_method.attached", payment_method)
        emit("setup_intent.succeeded", intent)
        self.setup_intent = intent.id


def expire_session(id: str, **params: Any) -> Any:
    """POST /v1/checkout/sessions/{id}/expire"""
    reject_unknown(params)
    session = CheckoutSession._api_retrieve(id)
    if session.status != "open":
        raise error(
            400,
            f'Only Checkout Sessions with a status in ["open"] can be expired. '
            f"This Checkout Session has a status of {session.status}.",
        )
    session._expire()
    return session


class _Plain:
    """Adapter so a prebuilt dict can be returned through localstripe's `api_extra`."""

    def __init__(self, obj: dict[str, Any]):
        self.obj = obj

    def _export(self, expand: Any = None) -> dict[str, Any]:
        expand_paths(self.obj, list(expand or []))
        return self.obj


def list_line_items(id: str, limit: Any = None, starting_after: Any = None, **params: Any) -> Any:
    """GET /v1/checkout/sessions/{id}/line_items"""
    reject_unknown({k: v for k, v in params.items() if k != "ending_before"})
    listing = CheckoutSession._api_retrieve(id)._line_items_list()
    data = listing["data"]
    if starting_after is not None:
        ids = [item["id"] for item in data]
        data = data[ids.index(starting_after) + 1 :] if starting_after in ids else []
    limit = try_convert_to_int(limit) or 10
    listing["has_more"] = len(data) > limit
    listing["data"] = data[:limit]
    return _Plain(listing)
