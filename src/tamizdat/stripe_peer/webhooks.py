"""Webhook delivery for the Stripe peer: Stripe's signature scheme, retries, hold and release.

localstripe's own sender waits a fixed second, signs with the event's creation time and never
retries. This dispatcher replaces it (it is installed as `localstripe.resources.schedule_webhook`)
but keeps localstripe's endpoint registry, so `/_config/webhooks/{id}` keeps working.
"""

from __future__ import annotations

import asyncio
import contextvars
import dataclasses
import json
import logging
import random
import time
from collections.abc import Callable
from typing import Any

import aiohttp
import stripe
from localstripe import webhooks as ls_webhooks

log = logging.getLogger("stripe_peer.webhooks")

# Set by the request middleware for the duration of an API request, so that events caused by
# that request carry Stripe's `request: {id, idempotency_key}` block.
current_request: contextvars.ContextVar[dict[str, str | None] | None] = contextvars.ContextVar(
    "stripe_peer_current_request", default=None
)

RELEASE_ORDERS = ("in_order", "reversed", "shuffled")


@dataclasses.dataclass(frozen=True)
class Delivery:
    event: Any  # a localstripe Event
    endpoint_id: str
    generation: int
    attempt: int = 1


class Dispatcher:
    """Queues events per endpoint and POSTs them one at a time, in the order they were queued.

    A single worker keeps first attempts in emission order, which is what makes the
    hold/release orderings deterministic. Retries are scheduled with a timer instead of blocking
    the queue, as Stripe's retries do not hold back other events either.
    """

    def __init__(self, max_attempts: int = 4, retry_base: float = 0.2, timeout: float = 5.0):
        self.max_attempts = max_attempts
        self.retry_base = retry_base
        self.timeout = timeout
        # Events get the version the SDK asked for (Stripe-Version header), like an account
        # pinned to the SDK's version would.
        self.api_version: str | None = None
        self.holding = False
        self.held: list[Any] = []
        self.attempts: list[dict[str, Any]] = []
        # Bumped by reset(): work queued before a reset is dropped instead of leaking into the
        # next test.
        self.generation = 0
        self._pending = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._queue: asyncio.Queue[Delivery] = asyncio.Queue()
        self._timers: set[asyncio.TimerHandle] = set()
        self._session: aiohttp.ClientSession | None = None
        self._worker: asyncio.Task[None] | None = None

    async def start(self, _app: object = None) -> None:
        timeout = aiohttp.ClientTimeout(total=self.timeout)
        self._session = aiohttp.ClientSession(timeout=timeout)
        self._worker = asyncio.create_task(self._run())

    async def stop(self, _app: object = None) -> None:
        if self._worker is not None:
            self._worker.cancel()
        if self._session is not None:
            await self._session.close()

    # -- emitting --------------------------------------------------------------------------

    def emit(self, event: Any) -> None:
        """Replacement for localstripe's `schedule_webhook(event)`."""
        request = current_request.get() or {}
        event.api_version = self.api_version or event.api_version
        event.request = {
            "id": request.get("id"),
            "idempotency_key": request.get("idempotency_key"),
        }
        event.pending_webhooks = len(self._endpoints_for(event))
        if self.holding:
            self.held.append(event)
        else:
            self.send(event)

    def send(self, event: Any) -> int:
        """Queue one delivery of `event` to every endpoint subscribed to its type."""
        endpoint_ids = self._endpoints_for(event)
        for endpoint_id in endpoint_ids:
            self._submit(Delivery(event, endpoint_id, self.generation))
        return len(endpoint_ids)

    @staticmethod
    def _endpoints_for(event: Any) -> list[str]:
        return [
            endpoint_id
            for endpoint_id, endpoint in ls_webhooks._webhooks.items()
            if endpoint.events is None or "*" in endpoint.events or event.type in endpoint.events
        ]

    # -- hold / release --------------------------------------------------------------------

    def hold(self) -> None:
        self.holding = True

    def release(
        self, order: str = "in_order", duplicate: bool = False, seed: int = 0, delay: float = 0.0
    ) -> list[str]:
        """Stop holding and queue the held events; returns their ids in delivery order."""
        if order not in RELEASE_ORDERS:
            raise ValueError(f"order must be one of {', '.join(RELEASE_ORDERS)}")
        events, self.held, self.holding = self.held, [], False
        if duplicate:
            events = [event for event in events for _ in range(2)]
        if order == "reversed":
            events.reverse()
        elif order == "shuffled":
            random.Random(seed).shuffle(events)

        def send_all() -> None:
            for event in events:
                self.send(event)

        if delay > 0:
            self._later(delay, send_all)
        else:
            send_all()
        return [event.id for event in events]

    # -- bookkeeping -----------------------------------------------------------------------

    async def wait_idle(self, timeout: float) -> bool:
        """Wait until nothing is queued, in flight or scheduled (held events do not count)."""
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            return False
        return True

    def reset(self) -> None:
        self.generation += 1
        for timer in self._timers:
            timer.cancel()
        self._timers.clear()
        while not self._queue.empty():
            self._queue.get_nowait()
        self._pending = 0
        self._idle.set()
        self.holding = False
        self.held.clear()
        self.attempts.clear()

    def _submit(self, delivery: Delivery) -> None:
        self._busy()
        self._queue.put_nowait(delivery)

    def _later(self, delay: float, callback: Callable[[], None]) -> None:
        generation = self.generation
        self._busy()

        def fire() -> None:
            self._timers.discard(handle)
            if generation == self.generation:
                callback()
                self._done()

        handle = asyncio.get_running_loop().call_later(delay, fire)
        self._timers.add(handle)

    def _busy(self) -> None:
        self._pending += 1
        self._idle.clear()

    def _done(self) -> None:
        self._pending -= 1
        if self._pending <= 0:
            self._pending = 0
            self._idle.set()

    # -- delivering ------------------------------------------------------------------------

    async def _run(self) -> None:
        while True:
            delivery = await self._queue.get()
            if delivery.generation != self.generation:
                continue
            try:
                await self._attempt(delivery)
            except Exception:
                log.exception("webhook delivery of %s crashed", delivery.event.id)
            finally:
                if delivery.generation == self.generation:
                    self._done()

    async def _attempt(self, delivery: Delivery) -> None:
        endpoint = ls_webhooks._webhooks.get(delivery.endpoint_id)
        if endpoint is None or self._session is None:
            return
        event = delivery.event
        payload = json.dumps(event._export(), indent=2, sort_keys=True).encode()
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
            # Signed at the time of each attempt, as Stripe does, with the SDK's own helper.
            "Stripe-Signature": stripe.WebhookSignature.generate_signature_header(
                payload.decode(), endpoint.secret
            ),
        }
        status: int | None = None
        error: str | None = None
        try:
            async with self._session.post(endpoint.url, data=payload, headers=headers) as response:
                status = response.status
                await response.read()
        except (aiohttp.ClientError, TimeoutError) as exc:
            error = f"{type(exc).__name__}: {exc}"
        delivered = status is not None and 200 <= status < 300
        self.attempts.append(
            {
                "event": event.id,
                "type": event.type,
                "endpoint": delivery.endpoint_id,
                "url": endpoint.url,
                "attempt": delivery.attempt,
                "status": status,
                "error": error,
                "delivered": delivered,
                "at": time.time(),
            }
        )
        if delivered:
            event.pending_webhooks = max(0, event.pending_webhooks - 1)
        elif delivery.attempt < self.max_attempts:
            retry = dataclasses.replace(delivery, attempt=delivery.attempt + 1)
            self._later(self.retry_base * 2 ** (delivery.attempt - 1), lambda: self._submit(retry))
        else:
            log.warning("giving up on %s (%s) for %s", event.id, event.type, endpoint.url)
