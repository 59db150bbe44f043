"""The task worker killed with SIGKILL at random points of a batch of receipts, again and again,
and restarted each time: every receipt reaches the mail server, as one message.

No mail client can know that a server took a message before it hears the server's "250": a
worker killed in that instant leaves the receipt unrecorded, and it goes again. Such a copy
carries the receipt's one Message-ID, so the mailbox keeps one receipt. The kills here aim at
the worst moment, just after the server took a message, and still no receipt is lost."""

from __future__ import annotations

import asyncio
import random
import signal
import time

import pytest
from aiosmtpd.controller import Controller
from django.db import connection
from django.utils import timezone

from tamizdat.support import ledger
from tamizdat.support.models import Payment
from tests import factories
from tests.support.test_receipts import Sink, free_port
from tests.waiting import wait_for
from tests.worker_processes import Workers, copies_sent_again

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "sqlite", reason="the worker opens the test file"),
]

RECEIPTS = 50
KILLS = 20
LEASE_SECONDS = 2


class SlowSink(Sink):
    """A mail server that takes a moment per message, so that kills land mid-batch."""

    async def handle_DATA(self, server, session, envelope) -> str:
        await asyncio.sleep(0.1)
        return await super().handle_DATA(server, session, envelope)


@pytest.mark.scenario
@pytest.mark.timeout(900)  # 21 worker processes run in turn, and each one waits out a lease
def test_every_receipt_is_delivered_once_however_often_the_worker_dies(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    sink = SlowSink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    workers = Workers(controller.port, LEASE_SECONDS)
    try:
        for n in range(RECEIPTS):
            contribution = factories.contribution(factories.supporter(f"r{n}@example.org"))
            ledger.record_payment(
                contribution=contribution,
                plan=None,
                kind=Payment.Kind.ONCE,
                provider="stripe",
                provider_payment_id=f"pi_{n}",
                amount=2500,
                currency="USD",
                paid_at=timezone.now(),
                actor=ledger.Actor.system("test"),
            )
        chooser = random.Random(20)
        unsent = Payment.objects.filter(receipt_sent_at__isnull=True)
        owed_at_kills = []
        for _ in range(KILLS):
            worker = workers.start()
            started = len(sink.messages)
            # Killed at a random moment once it is at work (or has nothing left to do): while
            # it sends, between two receipts, or just after the mail server took one. (The
            # condition is asked only within this turn of the loop.)
            at_work = lambda: len(sink.messages) > started or not unsent.exists()  # noqa: B023, E731
            wait_for(at_work, "the worker at work", timeout=60)
            time.sleep(chooser.uniform(0, 0.3))
            workers.stop(worker, signal.SIGKILL)
            owed_at_kills.append(unsent.count())
        # The kills did land in the middle of the batch, not only before or after it.
        assert sum(0 < owed < RECEIPTS for owed in owed_at_kills) >= KILLS // 2, owed_at_kills
        worker = workers.start()
        wait_for(lambda: not unsent.exists(), "every receipt sent", timeout=120)
        workers.stop(worker, signal.SIGTERM)
    finally:
        workers.close()
        controller.stop()
    again = copies_sent_again(sink.messages, [f"r{n}@example.org" for n in range(RECEIPTS)])
    print(f"copies sent again after a kill: {again} of {KILLS} kills")
