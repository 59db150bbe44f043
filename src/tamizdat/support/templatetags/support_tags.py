"""`{% contribution_form %}`: the contribution form, unbound with the newsroom's defaults, for any
page (the end-of-article appeal included) without a view of its own."""

from __future__ import annotations

import json
from typing import Any

from django import template

from ..forms import ContributionForm

register = template.Library()


@register.inclusion_tag("support/includes/contribution_form.html", takes_context=True)
def contribution_form(
    context: dict[str, Any], campaign: str = "", variant: str = "", form_id: str = "appeal"
) -> dict[str, Any]:
    return {
        "form": ContributionForm(),
        "campaign": campaign,
        "variant": variant,
        "form_id": form_id,
        "request": context.get("request"),
    }


@register.filter
def as_json(value: Any) -> str:
    """JSON for a data- attribute; the template's escaping keeps it inside the attribute."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
