"""A webhook endpoint on loopback that records what the Stripe peer delivers to it.

Shared by the peer's own tests, the webhook-storm test and bench/donations.py, which replay the
recorded, signed deliveries against Tamizdat.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import stripe


@dataclass(frozen=True)
class Delivery:
    payload: bytes
    signature: str


class Receiver:
    """Records every delivery; `events()` verifies them with the SDK as a handler would."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.deliveries: list[Delivery] = []
        self.fail_next = 0  # answer 500 to this many deliveries first
        self._lock = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with receiver._lock:
                    receiver.deliveries.append(Delivery(body, self.headers["Stripe-Signature"]))
                    failing = receiver.fail_next > 0
                    receiver.fail_next -= failing
                    receiver._lock.notify_all()
                self.send_response(500 if failing else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/stripe/webhook/"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def events(self) -> list[Any]:
        """Every delivery so far, each verified with the SDK as a webhook handler would."""
        with self._lock:
            deliveries = list(self.deliveries)
        return [
            stripe.Webhook.construct_event(d.payload, d.signature, self.secret) for d in deliveries
        ]

    def wait_for(self, condition: Callable[[list[Any]], bool], timeout: float = 5.0) -> list[Any]:
        deadline = time.monotonic() + timeout
        while True:
            events = self.events()
            if condition(events):
                return events
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                types = [e.type for e in events]
                raise AssertionError(f"webhooks not received in {timeout}s; got {types}")
            with self._lock:
                if len(self.deliveries) == len(events):  # nothing new since the check
                    self._lock.wait(remaining)

    def wait_for_type(self, event_type: str, count: int = 1) -> list[Any]:
        events = self.wait_for(lambda events: _count(events, event_type) >= count)
        return [e for e in events if e.type == event_type]


def _count(events: list[Any], event_type: str) -> int:
    return sum(e.type == event_type for e in events)
