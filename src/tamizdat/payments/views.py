"""The processors' webhook endpoint: verify, store, apply, answer fast."""

from __future__ import annotations

import logging

from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from tamizdat.web.metrics import WEBHOOK_DELIVERIES

from .base import InvalidWebhook
from .registry import get_provider
from .webhooks import Outcome, RetryLater, ingest

log = logging.getLogger(__name__)


@csrf_exempt  # the processor signs its requests; there is no browser session to forge
@require_POST
def webhook(request: HttpRequest, provider: str) -> HttpResponse:
    rail = get_provider(provider)
    if rail is None or not rail.is_enabled():
        # Not a 404: the language middleware would redirect that to a page address.
        return HttpResponse("unknown payment provider", status=400, content_type="text/plain")
    try:
        event = rail.parse_webhook(request.body, request.headers)
    except InvalidWebhook as exc:
        log.warning("rejected a %s webhook: %s", provider, exc)
        WEBHOOK_DELIVERIES.labels(provider, "rejected").inc()
        return HttpResponse(status=400)
    try:
        outcome = ingest(rail, event)
    except RetryLater as exc:
        log.info("%s %s postponed: %s", event.type, event.id, exc)
        WEBHOOK_DELIVERIES.labels(provider, "postponed").inc()
        return HttpResponse(status=409)
    except OperationalError as exc:
        # The database is busy (SQLite waited out its lock timeout under a burst) or away:
        # nothing of the event was kept, and the processor delivers it again later.
        log.warning("%s %s not stored, asked for a retry: %s", event.type, event.id, exc)
        WEBHOOK_DELIVERIES.labels(provider, "not_stored").inc()
        return HttpResponse(status=503, headers={"Retry-After": "60"})
    WEBHOOK_DELIVERIES.labels(provider, outcome.value).inc()
    # A refused event is a 4xx, so the processor's dashboard shows it as failed; its
    # redeliveries are duplicates, answered 200, and end.
    status = 422 if outcome is Outcome.REFUSED else 200
    return HttpResponse(outcome.value, status=status, content_type="text/plain")
