"""Start, stop and steer the Stripe peer (from tests, and from `tamizdat demo`). Standard
library only: starting the peer does not import localstripe into the caller.

peer = StripePeer().start()
stripe.api_base, stripe.api_key = peer.base_url, peer.api_key
peer.add_webhook("http://127.0.0.1:8000/stripe/webhook/", "whsec_test")
...
peer.stop()
"""

from __future__ import annotations

import http.client
import json
import os
import select
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

# The directory holding this copy of the `tamizdat` package: first on the child's path, so that
# it runs the same code as its parent even when another copy is installed.
PACKAGE_PARENT = Path(__file__).resolve().parents[2]
READY_PREFIX = "STRIPE_PEER_READY "

Order = Literal["in_order", "reversed", "shuffled"]


class PeerError(RuntimeError):
    pass


@dataclass(frozen=True)
class CheckoutResult:
    """What the hosted page answered to the Pay button."""

    status: int  # 303 when paid, 402 when declined, 400 for incomplete fields
    location: str | None  # the success_url (with the session id filled in) after a 303
    body: str


class StripePeer:
    api_key = "sk_test_peer"

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        webhook_max_attempts: int = 4,
        webhook_retry_base: float = 0.2,
        startup_timeout: float = 20.0,
        log_path: Path | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.webhook_max_attempts = webhook_max_attempts
        self.webhook_retry_base = webhook_retry_base
        self.startup_timeout = startup_timeout
        self._process: subprocess.Popen[str] | None = None
        self._base_url: str | None = None
        # The server's stderr; a fresh temporary file on each start when not given.
        self.log_path = log_path
        self._temporary_log = log_path is None

    # -- lifecycle -------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        if self._base_url is None:
            raise PeerError("the Stripe peer is not running; call start() first")
        return self._base_url

    def start(self) -> StripePeer:
        """Launch `python -m tamizdat.stripe_peer` and wait until it answers."""
        if self._process is not None:
            return self
        command = [
            sys.executable,
            "-m",
            "tamizdat.stripe_peer",
            "--host",
            self.host,
            "--port",
            str(self.port),
            "--webhook-max-attempts",
            str(self.webhook_max_attempts),
            "--webhook-retry-base",
            str(self.webhook_retry_base),
            # Not left running when whoever started it is killed before it can call stop().
            "--exit-with-parent",
        ]
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            filter(None, [str(PACKAGE_PARENT), env.get("PYTHONPATH")])
        )
        # Logs go to a file rather than a pipe nobody drains, and stay readable after a failure.
        if self._temporary_log:
            fd, log_name = tempfile.mkstemp(prefix="stripe-peer-", suffix=".log")
            os.close(fd)
            self.log_path = Path(log_name)
        assert self.log_path is not None
        with self.log_path.open("w") as log:
            self._process = subprocess.Popen(
                command,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
            )
        try:
            # The peer prints its address only once it accepts connections.
            self._base_url = self._await_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def _await_ready(self) -> str:
        # The server binds first and then prints its address, so port 0 is race-free.
        assert self._process is not None and self._process.stdout is not None
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self._process.stdout], [], [], 0.1)
            if ready:
                line = self._process.stdout.readline()
                if line.startswith(READY_PREFIX):
                    return line[len(READY_PREFIX) :].strip()
                if not line and self._process.poll() is not None:
                    break
            elif self._process.poll() is not None:
                break
        raise PeerError(f"the Stripe peer did not start:\n{self.logs()}")

    def stop(self) -> None:
        process, self._process, self._base_url = self._process, None, None
        if process is None:
            return
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process.stdout is not None:
            process.stdout.close()
        # The server only writes to its log on warnings and errors: keep it just then.
        if self.log_path is not None and self.log_path.exists() and not self.logs().strip():
            self.log_path.unlink()

    def logs(self) -> str:
        """The server's stderr (tracebacks of peer errors end up here)."""
        return self.log_path.read_text() if self.log_path and self.log_path.exists() else ""

    def __enter__(self) -> StripePeer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- controls --------------------------------------------------------------------------

    def reset(self) -> None:
        """Forget every object, event, webhook endpoint, idempotency key and held event."""
        self._call("POST", "/_peer/reset")

    def add_webhook(self, url: str, secret: str, events: list[str] | None = None) -> str:
        """Register an endpoint; `events` filters by type (None: every event)."""
        data = self._call(
            "POST", "/_peer/webhooks", {"url": url, "secret": secret, "events": events}
        )
        return str(data["id"])

    def remove_webhook(self, endpoint_id: str) -> None:
        self._call("DELETE", f"/_peer/webhooks/{endpoint_id}")

    def hold_events(self) -> None:
        """Record events but deliver none until release_events()."""
        self._call("POST", "/_peer/events/hold")

    def held_events(self) -> list[dict[str, str]]:
        return list(self._call("GET", "/_peer/events/held")["data"])

    def release_events(
        self,
        order: Order = "in_order",
        duplicate: bool = False,
        seed: int = 0,
        delay: float = 0.0,
    ) -> list[str]:
        """Stop holding and deliver the held events; returns their ids in delivery order.

        `duplicate` delivers each event twice; `shuffled` uses random.Random(seed); `delay`
        (seconds) postpones the deliveries without blocking this call.
        """
        data = self._call(
            "POST",
            "/_peer/events/release",
            {"order": order, "duplicate": duplicate, "seed": seed, "delay": delay},
        )
        return list(data["released"])

    def redeliver(self, event_id: str) -> int:
        """Deliver an event again to the endpoints subscribed to it; returns how many."""
        return int(self._call("POST", f"/_peer/events/{event_id}/redeliver")["deliveries"])

    def renew(self, subscription_id: str, fail: bool = False) -> dict[str, Any]:
        """End the current period now: `invoice.paid` (billing_reason subscription_cycle), or
        with `fail` `invoice.payment_failed` and status past_due. Returns
        `{"subscription": ..., "invoice": ...}` (invoice None if it was canceled instead)."""
        path = f"/_peer/subscriptions/{subscription_id}/renew"
        return dict(self._call("POST", path, {"fail": fail}))

    def backdate(self, object_id: str, created: int) -> dict[str, Any]:
        """Set an object's `created` (a Unix timestamp): time does not pass on the peer, so this
        is how a test gets an object older than a listing's `created` range. Returns it."""
        return self._call("POST", f"/_peer/objects/{object_id}/backdate", {"created": created})

    def deliveries(self) -> list[dict[str, Any]]:
        """Every delivery attempt so far: event, type, url, attempt, status, error, delivered."""
        return list(self._call("GET", "/_peer/deliveries")["data"])

    def wait_idle(self, timeout: float = 5.0) -> None:
        """Block until no delivery is queued, in flight or waiting to be retried."""
        data = self._call("POST", "/_peer/wait_idle", {"timeout": timeout}, timeout=timeout + 5)
        if not data.get("idle"):
            raise PeerError(f"webhook deliveries still pending after {timeout}s")

    def pay_checkout(
        self,
        session_id: str,
        card_number: str = "4242424242424242",
        email: str | None = None,
        **fields: str,
    ) -> CheckoutResult:
        """Submit the hosted checkout form the way a browser would, without following the
        redirect. Extra fields: cardExpiry ("12 / 34"), cardCvc, billingName."""
        form: dict[str, str] = {"cardNumber": card_number, **fields}
        if email is not None:
            form["email"] = email
        parts = urllib.parse.urlsplit(self.base_url)
        connection = http.client.HTTPConnection(parts.hostname or self.host, parts.port, timeout=10)
        try:
            connection.request(
                "POST",
                f"/checkout/{session_id}",
                body=urllib.parse.urlencode(form),
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
            response = connection.getresponse()
            body = response.read().decode()
            return CheckoutResult(response.status, response.getheader("Location"), body)
        finally:
            connection.close()

    def _call(
        self, method: str, path: str, payload: dict[str, Any] | None = None, timeout: float = 10.0
    ) -> dict[str, Any]:
        data = None if payload is None else json.dumps(payload).encode()
        request = urllib.request.Request(
            self.base_url + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return dict(json.loads(response.read() or b"{}"))
        except urllib.error.HTTPError as exc:
            raise PeerError(f"{method} {path}: {exc.code} {exc.read().decode()}") from exc
