"""Staff sign-in under attack: repeated wrong passwords lock the account and the address.

django-axes counts failures in the shared cache (Redis on several machines), per account and
per address separately, under hashed keys, and logs nothing about who tried. While locked, the
sign-in answers 429 with a translated message; the lock lifts by itself after the cool-off, or
at once with `tamizdat axes_reset_username NAME` (or `axes_reset_ip`, `axes_reset`).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string


def client_ip(request: HttpRequest) -> str:
    """The address the limits count, as the card-testing defence sees it (behind nginx, the
    one header it sets)."""
    from tamizdat.support.defence import client_ip as reader_ip

    return reader_ip(request)


def locked_out(
    request: HttpRequest, credentials: Any = None, *args: Any, **kwargs: Any
) -> HttpResponse:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    page = render_to_string("web/locked_out.html", {"minutes": minutes}, request=request)
    response = HttpResponse(page, status=429)
    response["Retry-After"] = str(minutes * 60)
    return response
