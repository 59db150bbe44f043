"""Receipts go out through the background worker and a real SMTP server, once per payment,
in the supporter's language; a mail server that is down or refusing only delays them."""

from __future__ import annotations

import email
import logging
import socket
import sqlite3
import threading
from datetime import timedelta
from email.policy import default as default_policy
from io import StringIO

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from tamizdat import leases
from tamizdat.payments.models import WebhookEvent
from tamizdat.support import ledger
from tamizdat.support.models import Payment
from tamizdat.support.tasks import send_manage_link, send_receipt
from tests import factories
from tests.worker import let_time_pass, run_worker

pytestmark = pytest.mark.django_db(transaction=True)


class Sink:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.refuse = 0  # how many of the next messages to turn away, as a busy server does
        self.refused = 0

    async def handle_DATA(self, server, session, envelope) -> str:  # aiosmtpd calls it by this name
        if self.refuse:
            self.refuse -= 1
            self.refused += 1
            return "451 4.3.0 Temporarily unable to accept mail, try again later"
        self.messages.append(email.message_from_bytes(envelope.content, policy=default_policy))
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def send_mail_to(settings, port: int) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.DEFAULT_FROM_EMAIL = "newsroom@tamizdat.example"


@pytest.fixture
def smtp(settings):
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    send_mail_to(settings, controller.port)
    yield sink
    controller.stop()


def receipt_tasks() -> list[DBTaskResult]:
    return list(
        DBTaskResult.objects.filter(task_path=send_receipt.module_path).order_by("enqueued_at")
    )


def retry_logs(caplog) -> list[tuple[int, str]]:
    return [
        (record.levelno, record.getMessage())
        for record in caplog.records
        if record.name == "tamizdat.support.tasks"
    ]


def test_receipt_sent_once_through_the_worker_and_smtp(rails, client, smtp, queued):
    contribution = rails.give(client, amount=25, email="ada@example.org")
    assert smtp.messages == []  # nothing sent inside the webhook request

    # A repeated webhook queues nothing more.
    event = WebhookEvent.objects.get(type="checkout.session.completed")
    rails.peer.redeliver(event.event_id)
    rails.peer.wait_idle()
    run_worker()
    run_worker()

    assert len(smtp.messages) == 1
    message = smtp.messages[0]
    assert message["To"] == "ada@example.org"
    assert message["From"] == "newsroom@tamizdat.example"
    assert "$25" in message["Subject"]
    body = message.get_content()
    payment = Payment.objects.get(contribution=contribution)
    assert payment.receipt_number in body
    assert f"{rails.base_url}/en/support/manage/" in body
    assert payment.receipt_sent_at is not None


def test_a_receipt_whose_worker_died_mid_send_is_sent_once_by_another(rails, client, smtp, queued):
    rails.give(client, amount=25, email="ada@example.org")
    payment = Payment.objects.get()
    # A worker claims the task and the receipt, and is killed before the mail server answers.
    (task,) = receipt_tasks()
    task.claim("killed-worker")
    assert ledger.claim_receipt(payment.pk)
    payment.refresh_from_db()
    assert payment.receipt_sent_at is None  # not sent until the mail server accepts it

    run_worker()  # the task still looks busy: its lease has not run out
    assert smtp.messages == []
    with time_machine.travel(timezone.now() + leases.LEASE + timedelta(seconds=1)):
        run_worker()
        run_worker()
    assert len(smtp.messages) == 1
    payment.refresh_from_db()
    assert payment.receipt_sent_at is not None
    assert [t.status for t in receipt_tasks()] == [TaskResultStatus.SUCCESSFUL]


def test_receipt_in_the_supporters_language(rails, client, smtp, queued, newsroom):
    rails.give(client, language="ru", amount=25, currency="EUR", email="boris@example.org")
    run_worker()
    message = smtp.messages[0]
    # The newsroom's own name in the supporter's language, never the software's.
    assert message["Subject"].strip() == "Ваша квитанция от Тестовый курьер: 25\xa0€"
    assert "Спасибо, что поддерживаете Тестовый курьер." in message.get_content()
    assert "Tamizdat" not in message.get_content()
    assert "/ru/support/manage/" in message.get_content()


def test_a_refused_receipt_is_sent_once_when_the_server_takes_mail_again(
    rails, client, smtp, queued, caplog
):
    smtp.refuse = 1
    rails.give(client, amount=10, email="ada@example.org")
    run_worker()
    assert smtp.refused == 1
    assert smtp.messages == []
    payment = Payment.objects.get()
    assert payment.receipt_sent_at is None  # released for the retry

    first, retry = receipt_tasks()
    assert first.status == TaskResultStatus.SUCCESSFUL
    assert retry.status == TaskResultStatus.READY
    assert retry.args_kwargs == {"args": [payment.pk], "kwargs": {"attempt": 2}}
    assert timezone.now() < retry.run_after < timezone.now() + timedelta(minutes=5)
    [(level, message)] = retry_logs(caplog)
    assert level == logging.WARNING
    assert f"send_receipt({payment.pk}) failed (attempt 1 of 8)" in message

    run_worker()  # the retry is not due yet
    assert smtp.messages == []

    # A second task for the same payment (an operator's `send_receipts`) races the retry.
    call_command("send_receipts", since=f"{timezone.now():%Y-%m-%d}", stdout=StringIO())
    let_time_pass()
    run_worker()
    assert len(smtp.messages) == 1
    assert smtp.messages[0]["To"] == "ada@example.org"
    assert payment.receipt_number in smtp.messages[0].get_content()
    assert Payment.objects.get().receipt_sent_at is not None
    assert DBTaskResult.objects.filter(status=TaskResultStatus.READY).count() == 0


def test_gives_up_after_about_a_day_and_send_receipts_catches_up(
    rails, client, settings, queued, caplog
):
    port = free_port()
    send_mail_to(settings, port)  # nobody listens there: the mail server is down all day
    rails.give(client, amount=10, email="ada@example.org")
    run_worker()
    waits = []
    for _ in range(20):  # bounded, so that retrying forever fails the test instead of hanging
        if not DBTaskResult.objects.filter(status=TaskResultStatus.READY).exists():
            break
        waits += let_time_pass()
        run_worker()

    attempts = receipt_tasks()
    assert len(attempts) == 8
    assert [attempt.status for attempt in attempts] == [TaskResultStatus.SUCCESSFUL] * 7 + [
        TaskResultStatus.FAILED
    ]
    assert attempts[-1].exception_class_path == "builtins.ConnectionRefusedError"
    assert len(waits) == 7
    assert waits == sorted(set(waits))  # each wait longer than the one before
    assert waits[0] <= timedelta(minutes=5)
    assert timedelta(hours=18) < sum(waits, timedelta()) < timedelta(hours=30)
    logs = retry_logs(caplog)
    assert [level for level, _ in logs] == [logging.WARNING] * 7 + [logging.ERROR]
    assert logs[-1][1].startswith("Giving up: send_receipt(")
    assert Payment.objects.get().receipt_sent_at is None

    # The server is back; the operator queues what is still owed, twice by mistake.
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        since = f"{timezone.now() - timedelta(days=2):%Y-%m-%d}"
        out = StringIO()
        call_command("send_receipts", since=since, stdout=out)
        assert out.getvalue() == "Receipts queued: 1\n"
        run_worker()
        out = StringIO()
        call_command("send_receipts", since=since, stdout=out)
        assert out.getvalue() == "Receipts queued: 0\n"
        run_worker()
    finally:
        controller.stop()
    assert len(sink.messages) == 1
    assert sink.messages[0]["To"] == "ada@example.org"


def test_other_mails_to_readers_are_retried_the_same_way(smtp, queued):
    supporter = factories.supporter("boris@example.org")
    smtp.refuse = 1
    send_manage_link.enqueue(supporter.pk)
    run_worker()
    assert smtp.messages == []
    let_time_pass()
    run_worker()
    assert [message["To"] for message in smtp.messages] == ["boris@example.org"]


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "en",
            [
                r"Your receipt from The Test Courier: €25",
                r"Date: \d{1,2} [A-Z][a-z]+ 20\d\d\n",
                r"Payment method: Card\n",
                r"Reference: {reference}\n",
                r"Paid by: Ada Lovelace, ada@example.org\n",
                r"Received by: The Test Courier, 1 Free Press Lane, Lindhaven\n",
            ],
        ),
        (
            "ru",
            [
                r"Ваша квитанция от Тестовый курьер: 25\xa0€",
                r"Дата: \d{1,2} [а-я]+ 20\d\d г\.\n",
                r"Способ оплаты: Карта\n",
                r"Номер платежа: {reference}\n",
                r"Плательщик: Ada Lovelace, ada@example.org\n",
            ],
        ),
    ],
)
def test_a_receipt_a_donor_keeps(rails, client, newsroom, settings, language, expected):
    import re

    from django.core import mail

    settings.NEWSROOM_ADDRESS = "1 Free Press Lane, Lindhaven"
    contribution = rails.give(
        client,
        language=language,
        amount=25,
        currency="EUR",
        email="ada@example.org",
        name="Ada Lovelace",
    )
    [message] = mail.outbox
    text = f"{message.subject}\n{message.body}"
    for pattern in expected:
        assert re.search(pattern.replace("{reference}", contribution.reference), text), text
    # A one-time gift has nothing to change or cancel.
    assert "cancel" not in text and "отменить" not in text


@pytest.mark.engine_neutral  # SQLite's write lock is what a burst of webhooks waits on
def test_a_receipt_that_finds_the_database_busy_is_sent_later(rails, client, smtp, queued, caplog):
    rails.give(client, amount=10, email="ada@example.org")
    payment = Payment.objects.get()
    DBTaskResult.objects.all().delete()  # this test runs the task itself
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout = 1000")
    # Another process holds SQLite's write lock for 1.5 s, as a burst of webhooks does: the
    # receipt's claim waits 1 s and gives up, and its retry is queued once the lock is free.
    holder = sqlite3.connect(
        connection.settings_dict["NAME"], isolation_level=None, check_same_thread=False
    )
    holder.execute("BEGIN IMMEDIATE")
    release = threading.Timer(1.5, holder.execute, ["COMMIT"])
    release.start()
    try:
        assert send_receipt.call(payment.pk) is False
    finally:
        release.join()
        holder.close()
    assert smtp.messages == []
    [(level, message)] = retry_logs(caplog)
    assert level == logging.WARNING
    assert f"send_receipt({payment.pk}) failed (attempt 1 of 8)" in message
    assert "database is locked" in message

    let_time_pass()
    run_worker()
    assert len(smtp.messages) == 1
    assert Payment.objects.get().receipt_sent_at is not None
