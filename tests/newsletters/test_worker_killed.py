"""An issue to a couple of thousand recipients, its worker killed with SIGKILL three times
mid-send and started again each time: every recipient gets the issue, as one message.

As with receipts, a kill in the instant between the server's "250" and the commit that records
it leaves one copy unrecorded, which goes again with the same Message-ID; the test counts such
copies (at most one per kill) and checks that no recipient has two different messages."""

from __future__ import annotations

import random
import signal
import time

import pytest
from aiosmtpd.controller import Controller
from django.db import connection
from django.utils import timezone

from tamizdat.newsletters import sending
from tamizdat.newsletters.models import Issue, Subscriber, Subscription
from tests.newsletters.conftest import issue_of
from tests.support.test_receipts import Sink, free_port
from tests.support.test_worker_killed import LEASE_SECONDS
from tests.waiting import wait_for
from tests.worker_processes import Workers, copies_sent_again

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "sqlite", reason="the worker opens the test file"),
]

RECIPIENTS = 2000
KILLS = 3


@pytest.mark.scenario
@pytest.mark.timeout(900)
def test_each_recipient_gets_the_issue_once_however_often_the_worker_dies(
    site, newsletter, settings, monkeypatch
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    monkeypatch.setenv("TAMIZDAT_NEWSLETTER_RATE", "1000/s")
    emails = [f"reader{n}@example.org" for n in range(RECIPIENTS)]
    Subscriber.objects.bulk_create([Subscriber(email=e, language="en") for e in emails])
    Subscription.objects.bulk_create(
        Subscription(
            subscriber=s, newsletter=newsletter, consented_at=timezone.now(), consent_language="en"
        )
        for s in Subscriber.objects.all()
    )
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    chooser = random.Random(13)
    workers = Workers(controller.port, LEASE_SECONDS)
    try:
        issue = issue_of(newsletter, site)
        sending.start(issue)
        sent_at_kills = []
        for _ in range(KILLS):
            worker = workers.start()
            started = len(sink.messages)
            wait_for(lambda: len(sink.messages) > started + 20, "the worker at work", timeout=120)  # noqa: B023
            time.sleep(chooser.uniform(0, 1.5))
            workers.stop(worker, signal.SIGKILL)
            sent_at_kills.append(len(sink.messages))
        assert all(0 < sent < RECIPIENTS for sent in sent_at_kills), sent_at_kills
        worker = workers.start()
        wait_for(
            lambda: Issue.objects.get(pk=issue.pk).state == Issue.State.SENT,
            "every recipient sent",
            timeout=600,
        )
        workers.stop(worker, signal.SIGTERM)
    finally:
        workers.close()
        controller.stop()
    again = copies_sent_again(sink.messages, emails)
    assert again <= KILLS
    assert Issue.objects.get(pk=issue.pk).progress() == {
        "sent": RECIPIENTS,
        "waiting": 0,
        "failed": 0,
    }
    print(f"copies sent again after a kill: {again} of {KILLS} kills; at kills: {sent_at_kills}")
