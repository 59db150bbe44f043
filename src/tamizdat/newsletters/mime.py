"""An issue's copies as the bytes an SMTP server is sent, the MIME message made once.

Building and serializing each recipient's MIME message took most of a message's time. Here the
message is made once by `compose.copy`, with stand-ins where recipients differ (the address,
the Message-ID, the date, the unsubscribe link), and each copy is those bytes with the
recipient's values put in: the same message, with the same headers, as `compose.message` gives.
That holds when the parts go as they are (7bit or 8bit, not encoded), every stand-in came out
whole and no line can outgrow what SMTP allows; otherwise, and for backends other than SMTP
(an e-mail service's API), each message is built whole.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from email.utils import formatdate

from django.conf import settings
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.core.mail.message import sanitize_address
from django.utils.html import escape

from . import compose, links
from .models import Issue, Subscriber

RECIPIENT = "tamizdat-recipient@recipient.invalid"
KEY = "TAMIZDAT-KEY"
DATE = "TAMIZDAT-DATE"
UNSUBSCRIBE = compose.UNSUBSCRIBE_MARKER.encode()
LINE_LIMIT = 998  # characters, RFC 5322
LONGEST_PK = 2**63 - 1  # the longest token belongs to the largest subscriber pk

Send = Callable[[Subscriber], object]


@dataclass(frozen=True)
class Copies:
    sender: str  # the envelope's
    head: bytes
    body: bytes
    encoding: str
    unsubscribe_url: Callable[[int], str]

    def send(self, subscriber: Subscriber, connection: SMTPBackend) -> None:
        # The address as Django's SMTP backend puts it in the envelope and the To header.
        to = sanitize_address(subscriber.email, self.encoding)
        url = self.unsubscribe_url(subscriber.pk).encode("ascii")
        head = (
            self.head.replace(RECIPIENT.encode(), to.encode("ascii"))
            .replace(KEY.encode(), str(subscriber.pk).encode())
            .replace(DATE.encode(), formatdate(localtime=settings.EMAIL_USE_LOCALTIME).encode())
            .replace(UNSUBSCRIBE, url)
        )
        body = self.body.replace(UNSUBSCRIBE, url)
        assert connection.connection is not None  # opened by the sender
        connection.connection.sendmail(self.sender, [to], head + body)


def sender(rendered: compose.Rendered, issue: Issue, connection: object) -> Send:
    """How to send the issue to one subscriber over `connection`."""
    if isinstance(connection, SMTPBackend):
        smtp, copies = connection, _copies(rendered, issue)
        if copies is not None:
            return lambda subscriber: copies.send(subscriber, smtp)
    return lambda subscriber: compose.message(rendered, issue, subscriber, connection).send()


def _copies(rendered: compose.Rendered, issue: Issue) -> Copies | None:
    unsubscribe_url = links.unsubscribe_urls(issue.newsletter)
    longest = unsubscribe_url(LONGEST_PK)
    if not longest.isascii() or escape(longest) != longest:
        return None  # the link would need encoding in a header or escaping in the HTML
    stand_in = compose.copy(
        rendered, issue, RECIPIENT, KEY, compose.UNSUBSCRIBE_MARKER, headers={"Date": DATE}
    )
    mime = stand_in.message()
    parts = [part for part in mime.walk() if not part.is_multipart()]
    if any(part["Content-Transfer-Encoding"] not in ("7bit", "8bit") for part in parts):
        return None
    whole = mime.as_bytes(linesep="\r\n")
    head, blank, body = whole.partition(b"\r\n\r\n")
    in_body = rendered.text.count(compose.UNSUBSCRIBE_MARKER) + rendered.html.count(
        compose.UNSUBSCRIBE_MARKER
    )
    whole_stand_ins = (
        head.count(RECIPIENT.encode()) == 1
        and head.count(KEY.encode()) == 1
        and head.count(DATE.encode()) == 1
        and head.count(UNSUBSCRIBE) == 1
        and body.count(UNSUBSCRIBE) == in_body
    )
    growth = len(longest) - len(UNSUBSCRIBE)
    too_long = any(
        len(line) + line.count(UNSUBSCRIBE) * growth > LINE_LIMIT for line in whole.split(b"\r\n")
    )
    if not whole_stand_ins or too_long:
        return None
    encoding = stand_in.encoding or settings.DEFAULT_CHARSET
    return Copies(
        sender=sanitize_address(stand_in.from_email, encoding),
        head=head + blank,
        body=body,
        encoding=encoding,
        unsubscribe_url=unsubscribe_url,
    )
