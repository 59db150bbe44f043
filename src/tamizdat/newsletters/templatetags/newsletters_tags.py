"""`{% newsletter_signup %}`: the sign-up form of the page's language, the same for every
reader (the thank-you page after giving passes the giver's address). The newsletters offered
are looked up once per frame generation (`tamizdat.web.page_cache`), not once per page: a
change to one retires it (`signals`)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import get_language

from tamizdat.news.context import frame_shared

from ..forms import SubscribeForm, offered

register = template.Library()


@register.inclusion_tag("newsletters/includes/signup_block.html")
def newsletter_signup(email: str = "", prefix: str = "signup") -> dict[str, Any]:
    language = get_language()
    newsletters = frame_shared(f"newsletters:{language}", lambda: list(offered(language)))
    # One newsletter ticked by default only when there is just one to choose.
    chosen = [str(newsletters[0].pk)] if len(newsletters) == 1 else []
    return {
        "form": SubscribeForm(language=language),
        "newsletters": newsletters,
        "chosen": chosen,
        "email": email,
        "prefix": prefix,
    }
