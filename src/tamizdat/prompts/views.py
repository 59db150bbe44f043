"""The public endpoints of the campaigns: the event counter, and this month's goal figure."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from tamizdat.support import defence
from tamizdat.web.page_cache import cache_publicly, expire_within

from . import counters, goal


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


@require_GET
def goal_figure(request: HttpRequest) -> HttpResponse:
    """This month's progress towards the goal, in the words of every language, for the
    campaigns' script to put in place of the figure that a cached page carries with its date.
    The same for everyone, so every cache shares it for as long as the figure is fresh."""
    progress = goal.current()
    if progress is None:
        # No goal (any more): the script takes the meters away.
        expire_within(goal.seconds_fresh())
        return cache_publicly(JsonResponse({"goal": None}))
    expire_within(goal.seconds_left(progress))
    words = {}
    for language, _name in settings.LANGUAGES:
        context = {"progress": progress, "progress_text": goal.amounts_text(progress, language)}
        with translation.override(language):
            words[language] = {
                "figure": render_to_string("prompts/goal_figure.txt", context),
                "as_of": render_to_string("prompts/goal_as_of.txt", context),
            }
    document = {
        "goal": progress.goal,
        "value": progress.meter_value,
        "as_of": progress.as_of.isoformat(),
        "words": words,
    }
    return cache_publicly(JsonResponse(document))
