"""How long the shipped nginx keeps a reading page before it asks again.

nginx obeys `X-Accel-Expires` before `Cache-Control`, and never passes it on to readers or a
CDN. Every response a shared cache may keep (public, with s-maxage) gets a short one, the 304s
of revalidation included: those are made from the page's headers without this one, and nginx
takes a 304's headers as the cached page's new lifetime. So nginx asks again every second,
Tamizdat's page cache answers 304 while nothing changed, and a publish shows at once on every
node and for every encoding, with no purge to send.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class FrontCacheMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        cache_control = response.get("Cache-Control", "")
        if "public" in cache_control and "s-maxage" in cache_control:
            response["X-Accel-Expires"] = str(settings.PAGE_CACHE_FRONT_SECONDS)
        return response
