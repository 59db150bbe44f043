"""The public counter endpoint, and the staff's results page in the admin."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from tamizdat.support import defence

from . import counters


def _status(code: int) -> HttpResponse:
    response = HttpResponse(status=code)
    response["Cache-Control"] = "no-store"
    return response


def _from_another_site(request: HttpRequest) -> bool:
    origin = request.headers.get("Origin")
    if origin and origin != "null":
        return urlsplit(origin).netloc != request.get_host()
    return request.headers.get("Sec-Fetch-Site", "same-origin") not in {"same-origin", "none"}


@csrf_exempt  # cached pages carry no token, and nothing here acts for a particular reader
@require_POST
def event(request: HttpRequest) -> HttpResponse:
    """Count one anonymous event. Reads nothing but the body, no cookies or agents; the
    address only bounds what one sender may add, in the cache, as a keyed hash that expires."""
    try:
        declared = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        return _status(400)
    if declared > counters.MAX_BODY_BYTES:
        return _status(413)
    if _from_another_site(request):
        return _status(403)
    body = request.read(counters.MAX_BODY_BYTES + 1)
    if len(body) > counters.MAX_BODY_BYTES:
        return _status(413)
    try:
        report = counters.parse(body)
    except counters.InvalidReport:
        return _status(400)
    if not counters.is_known(report):
        return _status(422)
    if defence.over_limit("events", defence.client_ip(request)):
        return _status(429)
    counters.record(report, timezone.localdate())
    return _status(204)
