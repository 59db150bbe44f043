"""A database that is read-only (a failover, a full disk, a restore) or away answers 503 with a
page that says so in the reader's language, instead of the generic 500: the reader learns to
try again later, and a front server or monitor sees that the site is unavailable, not broken.

The payment processors' webhook keeps its own 503 (payments.views); everything else that
fails on the database, the contribution form, the counter endpoint and the admin's login
among them, ends here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import InternalError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 60


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        # OperationalError: unreachable, locked, or SQLite's read-only file; InternalError:
        # PostgreSQL's read-only transaction (a standby, default_transaction_read_only).
        if not isinstance(exception, OperationalError | InternalError):
            return None
        log.error("database unavailable for %s %s: %s", request.method, request.path, exception)
        # The page stands alone: rendering the site's layout would ask the database again.
        response = HttpResponse(render_to_string("503.html", request=request), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        response["Cache-Control"] = "no-store"
        return response
