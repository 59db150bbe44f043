"""The operator's endpoints: `/healthz`, `/readyz` and `/metrics`.

They are answered before anything else in the middleware chain (host checks, the HTTPS
redirect, sessions, the page cache), so a load balancer or Prometheus reaching a node by its IP
over plain HTTP gets an answer about that process, and none of them is ever cached.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from . import health, metrics

PROBES: dict[str, Callable[[HttpRequest], HttpResponse]] = {
    "/healthz": health.healthz,
    "/readyz": health.readyz,
    "/metrics": metrics.metrics,
}


class ProbeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        probe = PROBES.get(request.path_info)
        if probe is not None and request.method in ("GET", "HEAD"):
            return probe(request)
        return self.get_response(request)
