"""`{% newsletter_signup %}`: the sign-up form of the page's language, the same for every
reader (the thank-you page after giving passes the giver's address)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import get_language

from ..forms import SubscribeForm

register = template.Library()


@register.inclusion_tag("newsletters/includes/signup_block.html")
def newsletter_signup(email: str = "", prefix: str = "signup") -> dict[str, Any]:
    return {"form": SubscribeForm(language=get_language()), "email": email, "prefix": prefix}
