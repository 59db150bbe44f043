"""Benchmark: one issue to --recipients generated subscribers (default 100,000), rendered and
handed to a local SMTP server (aiosmtpd, in a process of its own) through the product's own
sending code: one delivery row per recipient, claimed in batches, each marked sent once the
server took it. The demo newsroom, the subscribers and the issue are written first by a process
of their own. Prints one JSON document: messages per second, the sending process's peak memory
(which must not grow with the list) and, apart, the preparing process's.
Usage: python bench/newsletter.py [--recipients 100000]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SINK = """
import asyncio, sys
from aiosmtpd.controller import Controller
class Count:
    messages = 0
    async def handle_DATA(self, server, session, envelope):
        Count.messages += 1
        return "250 OK"
controller = Controller(Count(), hostname="127.0.0.1", port=int(sys.argv[1]))
controller.start()
print("ready", flush=True)
sys.stdin.read()
print(Count.messages, flush=True)
controller.stop()
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def environment(data_dir: Path, port: int) -> None:
    os.environ.update(
        {
            "TAMIZDAT_DATA_DIR": str(data_dir),
            "DJANGO_SETTINGS_MODULE": "tamizdat.settings",
            "TAMIZDAT_SMTP_URL": f"smtp://127.0.0.1:{port}/?tls=off",
            "TAMIZDAT_NEWSLETTER_RATE": "1000000/s",
            "TAMIZDAT_LOG_LEVEL": "WARNING",
        }
    )
    import django

    django.setup()


def prepare(recipients: int) -> None:
    """The demo newsroom, the subscribers and the issue, written by a process of its own so
    that the sending process's peak memory is what sending costs. Prints the issue's pk and
    this process's peak memory."""
    from django.core.management import call_command
    from django.utils import timezone

    from tamizdat.news.models import ArticlePage
    from tamizdat.newsletters.models import Issue, Newsletter, Subscriber, Subscription

    with open(os.devnull, "w") as quiet:
        call_command("demo", "--no-serve", verbosity=0, stdout=quiet)
    newsletter = Newsletter.objects.create(name="Morning", slug="morning", language="en")
    now = timezone.now()
    for start in range(0, recipients, 10_000):
        emails = [f"reader{n}@example.org" for n in range(start, min(recipients, start + 10_000))]
        Subscriber.objects.bulk_create([Subscriber(email=e, language="en") for e in emails])
        subscribers = Subscriber.objects.filter(email__in=emails).values_list("pk", flat=True)
        Subscription.objects.bulk_create(
            Subscription(
                subscriber_id=pk, newsletter=newsletter, consented_at=now, consent_language="en"
            )
            for pk in subscribers.iterator()
        )
    issue = Issue.objects.create(newsletter=newsletter, subject="Today", introduction="Hello.")
    issue.articles.set(ArticlePage.objects.live().filter(locale__language_code="en")[:5])
    issue.save()  # a parental many-to-many is written when its page is saved
    print(json.dumps({"issue": issue.pk, "peak_rss_mib": peak_rss_mib()}))


def peak_rss_mib() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--recipients", type=int, default=100_000)
    parser.add_argument("--prepare-into", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare_into:
        environment(args.prepare_into, args.port)
        prepare(args.recipients)
        return
    data_dir = Path(tempfile.mkdtemp(prefix="tamizdat-bench-newsletter-"))
    port = free_port()
    preparing = [sys.executable, __file__, "--recipients", str(args.recipients)]
    prepared = json.loads(
        subprocess.run(
            [*preparing, "--prepare-into", str(data_dir), "--port", str(port)],
            check=True,
            stdout=subprocess.PIPE,
            text=True,
        ).stdout
    )
    sink = subprocess.Popen(
        [sys.executable, "-c", SINK, str(port)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert sink.stdout is not None and sink.stdin is not None
    assert sink.stdout.readline().strip() == "ready"
    environment(data_dir, port)
    from tamizdat.newsletters import sending
    from tamizdat.newsletters.models import Issue

    issue = Issue.objects.get(pk=prepared["issue"])
    before_sending_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Sending runs here, in this process, as the worker's task would run it (the task that
    # `start` queues stays unrun).
    began = time.perf_counter()
    sending.start(issue)
    rows_seconds = time.perf_counter() - began
    began = time.perf_counter()
    while not sending.send_some(issue.pk, seconds=3600).done:
        pass
    seconds = time.perf_counter() - began
    sink.stdin.close()
    received = int(sink.stdout.readline())
    sink.wait(10)
    progress = Issue.objects.get(pk=issue.pk).progress()
    print(
        json.dumps(
            {
                "recipients": args.recipients,
                "received_by_the_server": received,
                "sent": progress["sent"],
                "delivery_rows_seconds": round(rows_seconds, 2),
                "sending_seconds": round(seconds, 2),
                "messages_per_second": round(progress["sent"] / seconds, 1),
                "sending_peak_rss_mib": peak_rss_mib(),
                # Django and the product loaded, before the delivery rows are written.
                "peak_rss_before_sending_mib": round(before_sending_kib / 1024, 1),
                "preparing_peak_rss_mib": prepared["peak_rss_mib"],
                "database": "sqlite",
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
