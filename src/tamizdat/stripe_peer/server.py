"""The peer's aiohttp application: localstripe's routes plus ours, and the `/_peer/` controls.

localstripe builds its app (and its routes) at import time with its own middlewares. Rather than
copy its handlers, this module registers them again on a new application, after the peer's own
routes so that those take precedence, and wraps them in middlewares that add what Stripe does
and localstripe does not: Idempotency-Key replay, Request-Id, JSON errors for unknown
parameters and URLs, and unauthenticated access to the hosted page and control endpoints.
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import logging
import re
import secrets
import urllib.parse
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from localstripe import resources as ls_resources
from localstripe import server as ls_server
from localstripe import webhooks as ls_webhooks
from localstripe.errors import UserError
from localstripe.resources import Event, store

from . import checkout, hosted_page, resources, subscriptions
from .checkout import CheckoutSession
from .prices import Price
from .webhooks import RELEASE_ORDERS, Dispatcher, current_request

log = logging.getLogger("stripe_peer")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
DISPATCHER = web.AppKey("dispatcher", Dispatcher)
IDEMPOTENCY = web.AppKey("idempotency", dict)


def stripe_error(
    status: int, message: str, type: str = "invalid_request_error", **extra: Any
) -> web.Response:
    return ls_server.json_response(
        {"error": {"type": type, "message": message, **extra}}, status=status
    )


# -- middlewares ---------------------------------------------------------------------------


def context_middleware(dispatcher: Dispatcher) -> Any:
    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        request_id = "req_" + secrets.token_hex(7)
        if request.headers.get("Stripe-Version"):
            dispatcher.api_version = request.headers["Stripe-Version"]
        token = current_request.set(
            {
                "id": request_id if request.path.startswith("/v1/") else None,
                "idempotency_key": request.headers.get("Idempotency-Key"),
                "origin": f"{request.scheme}://{request.host}",
            }
        )
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            if not request.path.startswith("/v1/") or exc.status not in (404, 405):
                raise
            response = stripe_error(
                404, f"Unrecognized request URL ({request.method}: {request.path})."
            )
        except Exception as exc:
            # localstripe's constructors take parameters as keyword arguments, so a parameter it
            # does not know surfaces as a TypeError; Stripe answers 400 for unknown parameters.
            unknown = isinstance(exc, TypeError) and re.search(
                r"unexpected keyword argument '(\w+)'", str(exc)
            )
            if unknown:
                param = unknown[1]
                response = stripe_error(400, f"Received unknown parameter: {param}", param=param)
            else:
                log.exception("peer error on %s %s", request.method, request.path)
                response = stripe_error(500, f"Stripe peer error: {exc!r}", "api_error")
        finally:
            current_request.reset(token)
        if request.path.startswith("/v1/"):
            response.headers["Request-Id"] = request_id
        return response

    return middleware


@dataclasses.dataclass(frozen=True)
class Stored:
    fingerprint: tuple[str, str, str]
    status: int
    body: bytes
    request_id: str


def _canonical(body: bytes, content_type: str) -> str:
    text = body.decode("utf-8", "replace")
    if content_type == "application/json":
        try:
            return json.dumps(json.loads(text or "null"), sort_keys=True)
        except ValueError:
            return text
    return repr(sorted(urllib.parse.parse_qsl(text, keep_blank_values=True)))


@web.middleware
async def idempotency_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Stripe's idempotency: the first result for a key is stored and replayed verbatim.

    Keys are scoped to the API key. Reusing a key with different parameters is a 400
    `idempotency_error`. As on Stripe, requests rejected before executing (400 validation,
    401, 404) are not stored, so they can be retried with the same key.
    """
    key = request.headers.get("Idempotency-Key")
    if request.method != "POST" or not key or not request.path.startswith("/v1/"):
        return await handler(request)
    cache = request.app[IDEMPOTENCY]
    scope = (request.headers.get("Authorization", ""), key)
    body = await request.read()
    fingerprint = (request.method, request.path, _canonical(body, request.content_type))
    stored = cache.get(scope)
    if stored is not None:
        if stored.fingerprint != fingerprint:
            return stripe_error(
                400,
                "Keys for idempotent requests can only be used with the same parameters they "
                f"were first used with. Try using a key other than '{key}' if you meant to "
                "execute a different request.",
                "idempotency_error",
            )
        replay = web.Response(
            body=stored.body, status=stored.status, content_type="application/json"
        )
        replay.headers["Idempotent-Replayed"] = "true"
        replay.headers["Original-Request"] = stored.request_id
        return replay
    response = await handler(request)
    if isinstance(response, web.Response) and (response.status < 400 or response.status == 402):
        request_id = (current_request.get() or {}).get("id") or ""
        body_bytes = response.body if isinstance(response.body, bytes) else b""
        cache[scope] = Stored(fingerprint, response.status, body_bytes, request_id)
    return response


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """localstripe's UserError to JSON, with Stripe's wording for unknown parameters."""
    try:
        return await handler(request)
    except UserError as exc:
        body = exc.body["error"]
        message = body.get("message") or ""
        if exc.code == 400 and message.startswith("Unexpected "):
            param = message.removeprefix("Unexpected ").split(",")[0]
            body.update(message=f"Received unknown parameter: {param}", param=param)
        return exc.to_response()


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    # The hosted page is opened by a browser and the controls by tests: neither has an API key.
    if request.path.startswith(("/_peer/", "/checkout/")):
        return await handler(request)
    return await ls_server.auth_middleware(request, handler)


# -- control endpoints ---------------------------------------------------------------------


async def _json_body(request: web.Request) -> dict[str, Any]:
    if not await request.read():
        return {}
    data = await request.json()
    if not isinstance(data, dict):
        raise UserError(400, "Expected a JSON object")
    return data


async def reset(request: web.Request) -> web.Response:
    store.clear()
    ls_webhooks._webhooks.clear()
    request.app[IDEMPOTENCY].clear()
    request.app[DISPATCHER].reset()
    return web.json_response({"ok": True})


async def add_webhook(request: web.Request) -> web.Response:
    data = await _json_body(request)
    url, secret, events = data.get("url"), data.get("secret"), data.get("events")
    if not isinstance(url, str) or not url.startswith("http") or not secret:
        raise UserError(400, "url (http...) and secret are required")
    if events is not None and not isinstance(events, list):
        raise UserError(400, "events must be a list of event types")
    endpoint_id = data.get("id") or "we_" + secrets.token_hex(8)
    ls_webhooks.register_webhook(endpoint_id, url, secret, events)
    return web.json_response({"id": endpoint_id})


async def remove_webhook(request: web.Request) -> web.Response:
    ls_webhooks._webhooks.pop(request.match_info["id"], None)
    return web.json_response({"ok": True})


async def hold_events(request: web.Request) -> web.Response:
    request.app[DISPATCHER].hold()
    return web.json_response({"holding": True})


async def held_events(request: web.Request) -> web.Response:
    held = request.app[DISPATCHER].held
    return web.json_response({"data": [{"id": e.id, "type": e.type} for e in held]})


async def release_events(request: web.Request) -> web.Response:
    data = await _json_body(request)
    order = data.get("order", "in_order")
    if order not in RELEASE_ORDERS:
        raise UserError(400, f"order must be one of {', '.join(RELEASE_ORDERS)}")
    released = request.app[DISPATCHER].release(
        order=order,
        duplicate=bool(data.get("duplicate", False)),
        seed=int(data.get("seed", 0)),
        delay=float(data.get("delay", 0.0)),
    )
    return web.json_response({"released": released})


async def redeliver(request: web.Request) -> web.Response:
    event = Event._api_retrieve(request.match_info["id"])
    return web.json_response({"deliveries": request.app[DISPATCHER].send(event)})


async def attempts(request: web.Request) -> web.Response:
    return web.json_response({"data": request.app[DISPATCHER].attempts})


async def wait_idle(request: web.Request) -> web.Response:
    data = await _json_body(request)
    idle = await request.app[DISPATCHER].wait_idle(float(data.get("timeout", 5.0)))
    return web.json_response({"idle": idle}, status=200 if idle else 504)


async def renew(request: web.Request) -> web.Response:
    data = await _json_body(request)
    sub, invoice = subscriptions.renew_subscription(
        request.match_info["id"], fail=bool(data.get("fail", False))
    )
    return web.json_response(
        {"subscription": sub._export(), "invoice": None if invoice is None else invoice._export()}
    )


async def backdate(request: web.Request) -> web.Response:
    data = await _json_body(request)
    created = data.get("created")
    if not isinstance(created, int):
        raise UserError(400, "created (a Unix timestamp) is required")
    return web.json_response(resources.backdate(request.match_info["id"], created)._export())


# -- assembly ------------------------------------------------------------------------------


def _async(handler: Any) -> Handler:
    """localstripe registers some plain functions, which aiohttp deprecates as handlers."""
    if inspect.iscoroutinefunction(handler):
        return handler

    async def wrapper(request: web.Request) -> web.StreamResponse:
        return handler(request)

    return wrapper


def build_app(
    *,
    webhook_max_attempts: int = 4,
    webhook_retry_base: float = 0.2,
) -> web.Application:
    """The peer application. localstripe keeps module-global state: build one per process."""
    resources.install()
    dispatcher = Dispatcher(max_attempts=webhook_max_attempts, retry_base=webhook_retry_base)
    # localstripe's resources call `schedule_webhook(event)` through their module global.
    ls_resources.schedule_webhook = dispatcher.emit

    app = web.Application(
        middlewares=[
            context_middleware(dispatcher),
            idempotency_middleware,
            error_middleware,
            auth_middleware,
        ]
    )
    app[DISPATCHER] = dispatcher
    app[IDEMPOTENCY] = {}
    app.on_startup.append(dispatcher.start)
    app.on_cleanup.append(dispatcher.stop)

    add = app.router.add_route
    add("POST", "/_peer/reset", reset)
    add("POST", "/_peer/webhooks", add_webhook)
    add("DELETE", "/_peer/webhooks/{id}", remove_webhook)
    add("POST", "/_peer/events/hold", hold_events)
    add("GET", "/_peer/events/held", held_events)
    add("POST", "/_peer/events/release", release_events)
    add("POST", "/_peer/events/{id}/redeliver", redeliver)
    add("GET", "/_peer/deliveries", attempts)
    add("POST", "/_peer/wait_idle", wait_idle)
    add("POST", "/_peer/subscriptions/{id}/renew", renew)
    add("POST", "/_peer/objects/{id}/backdate", backdate)
    add("GET", "/checkout/{id}", hosted_page.show_page)
    add("POST", "/checkout/{id}", hosted_page.submit_page)

    # Stripe API routes the peer adds or takes over; registered first, so they win.
    extra = ls_server.api_extra
    for method, url, func in (
        ("GET", "/v1/events", resources.list_events),
        ("POST", "/v1/subscriptions", subscriptions.create_subscription),
        ("POST", "/v1/subscriptions/{id}", subscriptions.update_subscription),
        ("DELETE", "/v1/subscriptions/{id}", subscriptions.cancel_subscription),
        ("POST", "/v1/refunds", resources.create_refund),
        ("POST", "/v1/checkout/sessions/{id}/expire", checkout.expire_session),
        ("GET", "/v1/checkout/sessions/{id}/line_items", checkout.list_line_items),
    ):
        add(method, url, extra(func, url))
    for cls, base in ((Price, "/v1/prices"), (CheckoutSession, "/v1/checkout/sessions")):
        add("POST", base, ls_server.api_create(cls, base))
        add("GET", base, _async(ls_server.api_list_all(cls, base)))
        add("GET", base + "/{id}", _async(ls_server.api_retrieve(cls, base)))
        add("POST", base + "/{id}", ls_server.api_update(cls, base))

    # Everything localstripe already serves (customers, payment intents, invoices, ...).
    for route in ls_server.app.router.routes():
        info = route.resource.get_info() if route.resource is not None else {}
        path = info.get("path") or info.get("formatter")
        if path and route.method != "HEAD":
            add(route.method, path, _async(route.handler))
    return app
