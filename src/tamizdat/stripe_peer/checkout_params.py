"""The Checkout Session parameters the peer reads, checked as Stripe checks them."""

from __future__ import annotations

from typing import Any

from localstripe.resources import try_convert_to_int

from .prices import price_for_item
from .resources import error

MODES = ("payment", "subscription", "setup")

# Real Checkout parameters the peer accepts but does not act on, so production code that sets
# them still works; anything else is rejected the way Stripe rejects unknown parameters.
IGNORED_PARAMS = {
    "adaptive_pricing",
    "after_expiration",
    "allow_promotion_codes",
    "automatic_tax",
    "billing_address_collection",
    "branding_settings",
    "consent_collection",
    "custom_fields",
    "custom_text",
    "customer_update",
    "discounts",
    "invoice_creation",
    "name_collection",
    "payment_method_collection",
    "payment_method_configuration",
    "payment_method_options",
    "phone_number_collection",
    "saved_payment_method_options",
    "shipping_address_collection",
    "shipping_options",
    "submit_type",
    "tax_id_collection",
    "ui_mode",
    "wallet_options",
}


def sub_params(value: Any, name: str, allowed: set[str]) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise error(400, "Invalid object", name)
    unknown = {k: v for k, v in value.items() if k not in allowed}
    if unknown:
        key = next(iter(unknown))
        raise error(400, f"Received unknown parameter: {name}[{key}]", f"{name}[{key}]")
    return value


def line_items_from(mode: str, line_items: Any) -> list[tuple[Any, int]]:
    if isinstance(line_items, dict):
        line_items = list(line_items.values())
    if mode == "setup":
        if line_items:
            raise error(400, "line_items cannot be used in setup mode.", "line_items")
        return []
    if not isinstance(line_items, list) or not line_items:
        raise error(400, f"line_items is required in {mode} mode.", "line_items")
    items = []
    for index, item in enumerate(line_items):
        if not isinstance(item, dict):
            raise error(400, "Invalid object", f"line_items[{index}]")
        quantity = try_convert_to_int(item.get("quantity", 1))
        if not isinstance(quantity, int) or quantity < 1:
            raise error(400, "Invalid integer", f"line_items[{index}][quantity]")
        items.append((price_for_item(item, f"line_items[{index}]"), quantity))
    recurring = [price for price, _ in items if price.type == "recurring"]
    if mode == "payment" and recurring:
        raise error(
            400,
            f"You must be in subscription mode to specify a recurring price: {recurring[0].id}.",
            "line_items",
        )
    if mode == "subscription" and len(recurring) != 1:
        raise error(
            400,
            "In subscription mode the Stripe peer needs exactly one recurring price "
            "(it simulates single-item subscriptions).",
            "line_items",
        )
    return items


# -- API -------------------------------------------------------------------------------
