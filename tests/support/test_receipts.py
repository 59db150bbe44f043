"""Receipts go out through the background worker and a real SMTP server, once per payment,
in the supporter's language."""

from __future__ import annotations

import email
import socket
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command

from tamizdat.payments.models import WebhookEvent
from tamizdat.support.models import Payment

pytestmark = pytest.mark.django_db(transaction=True)


class Sink:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # aiosmtpd calls it by this name
        self.messages.append(email.message_from_bytes(envelope.content, policy=default_policy))
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp(settings):
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = controller.hostname, controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.DEFAULT_FROM_EMAIL = "newsroom@tamizdat.example"
    yield sink
    controller.stop()


@pytest.fixture
def queued(settings):
    """Tasks wait in the database until the worker runs, as in production."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def run_worker() -> None:
    call_command("worker", batch=True, startup_delay=False, reload=False, verbosity=0)


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


def test_receipt_in_the_supporters_language(rails, client, smtp, queued):
    rails.give(client, language="ru", amount=25, currency="EUR", email="boris@example.org")
    run_worker()
    message = smtp.messages[0]
    assert message["Subject"].strip() == "Ваша квитанция от Tamizdat: 25\xa0€"
    assert "Спасибо, что поддерживаете Tamizdat." in message.get_content()
    assert "/ru/support/manage/" in message.get_content()


def test_a_failed_send_is_retried_and_still_sent_once(rails, client, settings, queued):
    rails.give(client, amount=10)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nobody listens
    run_worker()
    payment = Payment.objects.get()
    assert payment.receipt_sent_at is None  # released for another try

    from django.core import mail

    from tamizdat.support.tasks import send_receipt

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    send_receipt.enqueue(payment.pk)
    send_receipt.enqueue(payment.pk)
    assert len(mail.outbox) == 1
