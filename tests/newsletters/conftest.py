"""Newsletters on the test newsroom, and a real SMTP server (aiosmtpd) on loopback."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from tamizdat.newsletters.models import Issue, Newsletter, Subscriber, Subscription
from tests.support.test_receipts import Sink, free_port, send_mail_to

LINK = re.compile(r"https?://[^\s\"'<>)]+")


class RejectingSink(Sink):
    """A mail server that refuses some recipients for good (550), as for an unknown mailbox."""

    def __init__(self) -> None:
        super().__init__()
        self.unknown: set[str] = set()
        self.connections: set[tuple[str, int]] = set()  # the client's address of each
        # Called with each message's envelope before it is taken, as what a reader does then.
        self.on_message: Callable[[Any], None] | None = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        self.connections.add(session.peer)
        if address in self.unknown:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.on_message is not None:
            await asyncio.to_thread(self.on_message, envelope)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def smtp(settings) -> Iterator[RejectingSink]:
    sink = RejectingSink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    send_mail_to(settings, controller.port)
    settings.NEWSLETTER_RATE = {"second": 1000}
    yield sink
    controller.stop()


@pytest.fixture
def newsletter(site) -> Newsletter:
    return Newsletter.objects.create(
        name="The Morning Courier", slug="morning", language="en", description="Every morning."
    )


@pytest.fixture
def newsletter_ru(site) -> Newsletter:
    return Newsletter.objects.create(name="Утренний курьер", slug="utro", language="ru")


def subscribe(newsletter: Newsletter, *emails: str) -> list[Subscriber]:
    """Confirmed subscribers, as if each had followed their link."""
    from django.utils import timezone

    Subscriber.objects.bulk_create(
        [Subscriber(email=email, language=newsletter.language) for email in emails]
    )
    by_email = {s.email: s for s in Subscriber.objects.filter(email__in=emails)}
    subscribers = [by_email[email] for email in emails]
    Subscription.objects.bulk_create(
        [
            Subscription(
                subscriber=subscriber,
                newsletter=newsletter,
                consented_at=timezone.now(),
                consent_language=newsletter.language,
            )
            for subscriber in subscribers
        ]
    )
    return subscribers


def issue_of(newsletter: Newsletter, site, subject: str = "Today") -> Issue:
    from tamizdat.news.models import ArticlePage

    issue = Issue.objects.create(newsletter=newsletter, subject=subject, introduction="Hello.")
    articles = ArticlePage.objects.live().filter(locale__language_code=newsletter.language)
    issue.articles.set(articles[:2])
    issue.save()
    return issue


def links_in(message: EmailMessage) -> set[str]:
    found: set[str] = set()
    for part in message.walk():
        if part.get_content_maintype() == "text":
            found |= set(LINK.findall(part.get_content()))
    return found


def body(message: EmailMessage, kind: str = "plain") -> str:
    part = message.get_body(preferencelist=(kind,))
    assert part is not None
    return part.get_content()


@pytest.fixture
def start(django_capture_on_commit_callbacks):
    """`sending.start`, with what it queues on commit run as a committed transaction would."""
    from tamizdat.newsletters import sending

    def started(issue: Issue) -> int:
        with django_capture_on_commit_callbacks(execute=True):
            return sending.start(issue)

    return started
