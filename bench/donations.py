"""Benchmark: contributions end to end against the Stripe peer, and webhook ingestion.

Starts the Stripe peer and Tamizdat as in production (`tamizdat serve` with gunicorn, one
`tamizdat worker` for receipts) on loopback with a throwaway SQLite data directory, then:

1. contributions: N readers at a bounded concurrency each fetch a proof-of-work challenge,
   solve it, submit the form, pay on the hosted page and land on the thank-you page;
2. webhooks: the peer's events for M more payments are captured, then replayed to Tamizdat
   twice each, shuffled, over concurrent connections.

Prints one JSON document. Usage: python bench/donations.py [--contributions 100]
[--webhook-payments 150] [--concurrency 8]. Needs the test extras (localstripe).
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import altcha  # noqa: E402
from loopback import free_port, wait_for  # noqa: E402
from stripe import WebhookSignature  # noqa: E402

from tamizdat.stripe_peer.control import StripePeer  # noqa: E402
from tests.stripe_peer.receiver import Receiver  # noqa: E402

SECRET = "whsec_bench"


def request(
    port: int,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict | None = None,
    source: str = "127.0.0.1",
    host: str = "127.0.0.1",
) -> tuple[int, str, bytes]:
    connection = http.client.HTTPConnection(host, port, timeout=60, source_address=(source, 0))
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.getheader("Location") or "", response.read()
    finally:
        connection.close()


def solve(port: int, source: str) -> str:
    _, _, body = request(port, "GET", "/en/support/challenge/", source=source)
    challenge = json.loads(body)
    solution = altcha.solve_challenge_v1(
        challenge["challenge"], challenge["salt"], challenge["algorithm"], challenge["maxNumber"]
    )
    payload = {**{k: challenge[k] for k in ("algorithm", "challenge", "salt", "signature")}}
    payload["number"] = solution.number
    return base64.b64encode(json.dumps(payload).encode()).decode()


def contribute(port: int, peer: StripePeer, n: int) -> bool:
    """One reader: challenge, form, hosted page, thank-you page."""
    source = f"127.0.{1 + n // 200}.{1 + n % 200}"
    form = {
        "frequency": "once",
        "currency": "EUR",
        "other_once": str(5 + n % 20),
        "email": f"reader{n}@bench.example",
        "method": "stripe",
        "altcha": solve(port, source),
    }
    status, location, _ = request(
        port,
        "POST",
        "/en/support/contribute/",
        urllib.parse.urlencode(form).encode(),
        {"Content-Type": "application/x-www-form-urlencoded"},
        source,
    )
    if status != 303:
        return False
    session_id = urllib.parse.urlsplit(location).path.rsplit("/", 1)[-1]
    paid = peer.pay_checkout(session_id)
    if paid.status != 303 or not paid.location:
        return False
    back = urllib.parse.urlsplit(paid.location)
    _, _, page = request(port, "GET", f"{back.path}?{back.query}", source=source)
    return b"Thank you for your support" in page


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contributions", type=int, default=100)
    parser.add_argument("--webhook-payments", type=int, default=150)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()

    data_dir = tempfile.mkdtemp(prefix="tamizdat-bench-")
    port = free_port()
    tamizdat = str(Path(sys.executable).with_name("tamizdat"))
    with StripePeer() as peer:
        env = {
            **os.environ,
            "TAMIZDAT_DATA_DIR": data_dir,
            "TAMIZDAT_BASE_URL": f"http://127.0.0.1:{port}",
            "TAMIZDAT_STRIPE_SECRET_KEY": peer.api_key,
            "TAMIZDAT_STRIPE_API_BASE": peer.base_url,
            "TAMIZDAT_STRIPE_WEBHOOK_SECRET": SECRET,
            "TAMIZDAT_STRIPE_CHECKOUT_ORIGIN": peer.base_url,
            "TAMIZDAT_POW_MAX_NUMBER": "5000",
            "TAMIZDAT_BURST_STARTS": "1000000",  # a benchmark, not an attack
            "TAMIZDAT_LOG_LEVEL": "WARNING",
        }
        subprocess.run([tamizdat, "migrate", "--verbosity", "0"], env=env, check=True)
        subprocess.run(
            [tamizdat, "collectstatic", "--noinput", "--verbosity", "0"], env=env, check=True
        )
        server = subprocess.Popen(
            [tamizdat, "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        worker = subprocess.Popen(
            [tamizdat, "worker", "--interval", "0.2"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_for(f"http://127.0.0.1:{port}/en/support/")
            endpoint = peer.add_webhook(f"http://127.0.0.1:{port}/payments/webhook/stripe/", SECRET)

            started = time.perf_counter()
            with ThreadPoolExecutor(args.concurrency) as pool:
                completed = sum(
                    pool.map(lambda n: contribute(port, peer, n), range(args.contributions))
                )
            contribution_seconds = time.perf_counter() - started
            peer.wait_idle(timeout=60)

            # Webhooks: capture the events of more payments, then replay them twice, shuffled.
            peer.remove_webhook(endpoint)
            capture = Receiver(SECRET)
            peer.add_webhook(capture.url, SECRET)
            offset = args.contributions
            with ThreadPoolExecutor(args.concurrency) as pool:
                list(
                    pool.map(
                        lambda n: contribute(port, peer, offset + n), range(args.webhook_payments)
                    )
                )
            peer.wait_idle(timeout=120)
            capture.close()
            deliveries = [delivery.payload for delivery in capture.deliveries] * 2
            random.Random(1).shuffle(deliveries)
            url = "/payments/webhook/stripe/"

            def deliver(body: bytes) -> int:
                headers = {
                    "Content-Type": "application/json",
                    "Stripe-Signature": WebhookSignature.generate_signature_header(
                        body.decode(), SECRET
                    ),
                }
                return request(port, "POST", url, body, headers)[0]

            started = time.perf_counter()
            with ThreadPoolExecutor(16) as pool:
                statuses = list(pool.map(deliver, deliveries))
            webhook_seconds = time.perf_counter() - started
        finally:
            for process in (server, worker):
                process.terminate()
                process.wait(timeout=20)

    print(
        json.dumps(
            {
                "database": "sqlite",
                "contributions": {
                    "attempted": args.contributions,
                    "completed": completed,
                    "concurrency": args.concurrency,
                    "seconds": round(contribution_seconds, 2),
                    "completed_per_second": round(completed / contribution_seconds, 2),
                },
                "webhooks": {
                    "unique_events": len(capture.deliveries),
                    "deliveries": len(deliveries),
                    "concurrency": 16,
                    "non_2xx": sum(1 for s in statuses if not 200 <= s < 300),
                    "seconds": round(webhook_seconds, 2),
                    "deliveries_per_second": round(len(deliveries) / webhook_seconds, 1),
                },
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
