"""The mirror list for tools (`/mirrors.json`) and for readers ("How to reach us")."""

from __future__ import annotations

import json

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.views.decorators.http import require_safe

from tamizdat.web.page_cache import cache_publicly

from . import mirrorlist
from .models import Address


@require_safe
def mirrors_json(request: HttpRequest) -> HttpResponse:
    body = json.dumps(mirrorlist.document(), ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json")
    # Any page, a copy's included, may read it to refresh its list of addresses.
    response["Access-Control-Allow-Origin"] = "*"
    return cache_publicly(response)


@require_safe
def reach_page(request: HttpRequest) -> HttpResponse:
    addresses = mirrorlist.active()
    response = TemplateResponse(
        request,
        "mirror/reach_page.html",
        {
            "web_addresses": [a for a in addresses if a.kind != Address.Kind.ONION],
            "onion_addresses": [a for a in addresses if a.kind == Address.Kind.ONION],
            "zip_url": settings.MIRROR_ZIP_URL,
        },
    )
    return cache_publicly(response)
