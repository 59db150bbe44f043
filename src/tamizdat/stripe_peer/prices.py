"""Stripe's Price object, which localstripe (1.15.10) lacks: created, listed and retrieved
through the peer, and turned into the localstripe Plan a subscription item needs."""

from __future__ import annotations

from typing import Any

from localstripe.resources import (
    Plan,
    Product,
    StripeObject,
    store,
    try_convert_to_bool,
    try_convert_to_int,
)

from .resources import (
    INTERVALS,
    emit,
    error,
    merge_metadata,
    no_such,
    reject_unknown,
    retrieve,
)


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
        return retrieve_price(id)

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


def retrieve_price(price_id: Any) -> Any:
    if not isinstance(price_id, str) or store.get(f"price:{price_id}") is None:
        raise no_such("price", str(price_id))
    return store[f"price:{price_id}"]


def price_for_item(item: dict[str, Any], param: str) -> Any:
    """The Price named by a line/subscription item: `price` (an id) or inline `price_data`."""
    if item.get("price"):
        return retrieve_price(item["price"])
    data = item.get("price_data")
    if isinstance(data, dict):
        # Stripe creates inline prices archived, so they do not show up in price lists.
        return Price(**{**data, "active": False})
    raise error(400, f"Missing required param: {param}[price].", f"{param}[price]")
