"""Template helpers of the contribution form."""

from __future__ import annotations

import json
from typing import Any

from django import template

register = template.Library()


@register.filter
def as_json(value: Any) -> str:
    """JSON for a data- attribute; the template's escaping keeps it inside the attribute."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
