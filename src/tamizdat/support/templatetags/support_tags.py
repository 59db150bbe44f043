"""Template helpers of the contribution form and the admin."""

from __future__ import annotations

import json
from typing import Any

from django import template
from django.utils.translation import get_language

from tamizdat.payments.registry import display_name

from ..money import format_money

register = template.Library()


@register.filter
def as_json(value: Any) -> str:
    """JSON for a data- attribute; the template's escaping keeps it inside the attribute."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


@register.filter
def money(amount: int, currency: str) -> str:
    """Minor units as money in the reader's (in the admin: the staff member's) language."""
    return format_money(amount, currency, get_language() or "en")


@register.filter
def rail(identifier: str) -> str:
    """A payment method's name for people ("Bank transfer"), not its identifier."""
    return str(display_name(identifier))
