"""Sending an issue: exactly once per recipient, paced, resumable.

Sending begins by writing one delivery row per recipient (unique per issue and subscriber), in
the transaction that marks the issue as sending. A sender then claims a batch of waiting rows
for a while (`leases.RECEIPT_CLAIM`, shorter than the task lease), sends each through Django's
mail backend and marks it sent the moment the mail server accepted it (one commit per
message). A sender that dies leaves its rows claimed only until the claim lapses; its task runs
again (`tamizdat.leases`) and picks up what was not marked sent.

The one window left: no client can know that a server took a message before it hears the
server's "250". A sender killed between that answer and the commit that follows it (well under
a millisecond on SQLite) leaves that row unmarked, and the recipient gets a second copy, with
the same Message-ID, which mailboxes that keep one message per Message-ID show once. Marking
the row before sending would instead lose that message for good; a reader would rather see a
duplicate than miss an issue.

A mail server refusing for a while (a 4xx, a closed port) puts the batch back and tries again
later, with the waits of the receipts; a permanent rejection of a recipient (a 5xx) marks the
delivery failed and suppresses the address.
"""

from __future__ import annotations

import datetime
import itertools
import logging
import secrets
import smtplib
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from tamizdat import leases

from . import compose, mime
from .models import Delivery, Issue, Subscriber, receiving

logger = logging.getLogger(__name__)

BATCH = 100
ROWS_AT_ONCE = 1000
# A task sends for about this long, then queues its continuation, so that receipts and other
# work queued meanwhile get their turn on the worker.
SLICE_SECONDS = 20.0
# A message is not begun with less than half the claim left: with the default lease, 15 s,
# about what a slow mail server takes to answer at worst.
CLAIM_MARGIN = leases.RECEIPT_CLAIM / 2
HOUR = datetime.timedelta(hours=1)
# A claimed batch is looked at again when this long has passed since the last look, right
# before a message goes: a reader who unsubscribes while the batch is being sent is not sent
# it more than about this long afterwards (one query a second at most, not one a message).
RECHECK_SECONDS = 1.0


class NotSendable(ValidationError):
    pass


def check_sendable(issue: Issue) -> None:
    """An issue goes out only with something in it, and only once."""
    if not issue.editable:
        raise NotSendable(_("This issue has already been sent."))
    if not compose.articles_of(issue) and not issue.introduction.strip():
        raise NotSendable(_("This issue has no articles and no introduction: nothing to send."))


def start(issue: Issue) -> int:
    """Begin sending now: the articles of an automatic issue are fixed, and a delivery row is
    written for every recipient. How many recipients."""
    from .tasks import send_issue

    check_sendable(issue)
    with transaction.atomic():
        locked = Issue.objects.select_for_update().get(pk=issue.pk)
        if not locked.editable:
            raise NotSendable(_("This issue has already been sent."))
        if locked.article_choice != Issue.Articles.CHOSEN:
            locked.articles.set(compose.automatic_articles(locked))
        locked.state = Issue.State.SENDING
        locked.started_at = timezone.now()
        locked.save()
        recipients = receiving(locked.newsletter).values_list("pk", flat=True).iterator()
        # A thousand rows at a time: `bulk_create` makes a list of all it is given, which for
        # a long list was most of the sending process's memory.
        while pks := list(itertools.islice(recipients, ROWS_AT_ONCE)):
            rows = [Delivery(issue=locked, subscriber_id=pk) for pk in pks]
            Delivery.objects.bulk_create(rows, ignore_conflicts=True)
        count = locked.deliveries.count()
        transaction.on_commit(lambda: send_issue.enqueue(issue.pk))
    issue.refresh_from_db()
    return count


def schedule(issue: Issue, at: datetime.datetime) -> None:
    from .tasks import start_scheduled

    check_sendable(issue)
    if at <= timezone.now():
        raise NotSendable(_("The scheduled time has passed: choose a time in the future."))
    issue.state = Issue.State.SCHEDULED
    issue.scheduled_at = at
    issue.save(update_fields=["state", "scheduled_at"])
    transaction.on_commit(
        lambda: start_scheduled.using(run_after=at).enqueue(issue.pk, at.isoformat())
    )


def unschedule(issue: Issue) -> None:
    Issue.objects.filter(pk=issue.pk, state=Issue.State.SCHEDULED).update(
        state=Issue.State.DRAFT, scheduled_at=None
    )


@dataclass(frozen=True)
class Outcome:
    sent: int = 0
    done: bool = False
    # When to go on: None at once; else later, because the server refused or the hour is full.
    later: datetime.datetime | None = None
    refused: bool = False


def _hour_left(now: datetime.datetime) -> tuple[int | None, datetime.datetime | None]:
    """How many messages the hourly rate still allows, and when the oldest counted ages out."""
    per_hour = settings.NEWSLETTER_RATE.get("hour")
    if per_hour is None:
        return None, None
    recent = Delivery.objects.filter(sent_at__gt=now - HOUR)
    left = per_hour - recent.count()
    if left > 0:
        return left, None
    oldest = recent.order_by("sent_at").values_list("sent_at", flat=True).first()
    return 0, (oldest or now) + HOUR


def _claim(issue: Issue, size: int, now: datetime.datetime) -> tuple[str, list[Delivery]]:
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    waiting = Delivery.objects.filter(issue=issue, state=Delivery.State.WAITING).filter(free)
    ids = list(waiting.order_by("pk").values_list("pk", flat=True)[:size])
    claim = secrets.token_hex(8)
    # Only rows still free when the update runs: two senders never hold the same row.
    waiting.filter(pk__in=ids).update(claim=claim, claimed_until=now + leases.RECEIPT_CLAIM)
    _drop_gone(issue, claim)
    claimed = Delivery.objects.filter(claim=claim)
    return claim, list(claimed.select_related("subscriber").order_by("pk"))


def _drop_gone(issue: Issue, claim: str) -> set[int]:
    """Those of a claimed batch who left, were suppressed or forgotten since sending began are
    no longer owed it: their waiting deliveries go. Which deliveries went."""
    still = receiving(issue.newsletter).filter(pk=OuterRef("subscriber_id"))
    waiting = Delivery.objects.filter(claim=claim, state=Delivery.State.WAITING)
    ids = set(waiting.exclude(Exists(still)).values_list("pk", flat=True))
    if ids:
        Delivery.objects.filter(pk__in=ids).delete()
    return ids


def _release(claim: str) -> None:
    Delivery.objects.filter(claim=claim, state=Delivery.State.WAITING).update(
        claim="", claimed_until=None
    )


def _text(answer: bytes | str) -> str:
    return answer.decode(errors="replace") if isinstance(answer, bytes) else answer


def _permanent(error: Exception) -> str | None:
    """The server's words if it refused this recipient for good (a 5xx), else None."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        answers = list(error.recipients.values())
        if answers and all(code >= 500 for code, _ in answers):
            code, text = answers[0]
            return f"{code} {_text(text)}"
        return None
    if isinstance(error, smtplib.SMTPSenderRefused):
        return None  # our sender, not the recipient: every message would fail alike
    if isinstance(error, smtplib.SMTPResponseException) and error.smtp_code >= 500:
        return f"{error.smtp_code} {_text(error.smtp_error)}"
    return None


def _suppress(subscriber: Subscriber, reason: str) -> None:
    Subscriber.objects.filter(pk=subscriber.pk, suppressed_at__isnull=True).update(
        suppressed_at=timezone.now(), suppression=reason
    )


def _finish_if_done(issue: Issue) -> bool:
    if issue.deliveries.filter(state=Delivery.State.WAITING).exists():
        return False
    finished = Issue.objects.filter(pk=issue.pk, state=Issue.State.SENDING).update(
        state=Issue.State.SENT, sent_at=timezone.now()
    )
    if finished:
        from .signals import purge

        purge()
    return True


def send_some(issue_id: int, seconds: float = SLICE_SECONDS) -> Outcome:
    """Send waiting deliveries of an issue for about `seconds`."""
    issue = Issue.objects.select_related("newsletter").get(pk=issue_id)
    if issue.state != Issue.State.SENDING:
        return Outcome(done=True)
    per_second = settings.NEWSLETTER_RATE.get("second")
    gap = 1.0 / per_second if per_second else 0.0
    ends = time.monotonic() + seconds
    next_at = time.monotonic()
    sent = 0
    connection = get_connection(fail_silently=False)
    send = mime.sender(compose.render(issue), issue, connection)
    try:
        while time.monotonic() < ends:
            now = timezone.now()
            left, until = _hour_left(now)
            if left == 0:
                return Outcome(sent=sent, later=until)
            claim, batch = _claim(issue, min(BATCH, left or BATCH), now)
            if not batch:
                if _finish_if_done(issue):
                    return Outcome(sent=sent, done=True)
                # Rows held by another sender (or one that died): look again when they lapse.
                return Outcome(sent=sent, later=now + leases.RECEIPT_CLAIM)
            try:
                # One conversation with the mail server for the whole slice: opening one per
                # message cost more than the message itself.
                connection.open()
                looked_at, gone = time.monotonic(), set[int]()
                for delivery in batch:
                    assert delivery.claimed_until is not None
                    if timezone.now() + CLAIM_MARGIN > delivery.claimed_until:
                        break
                    pause = next_at - time.monotonic()
                    if pause > 0:
                        time.sleep(pause)
                    next_at = max(next_at + gap, time.monotonic())
                    if time.monotonic() - looked_at >= RECHECK_SECONDS:
                        looked_at, gone = time.monotonic(), gone | _drop_gone(issue, claim)
                    if delivery.pk in gone:
                        continue
                    if _deliver(send, delivery):
                        sent += 1
            except Exception as error:  # the server refuses or is gone: the batch waits
                logger.warning(
                    "Issue %s: the mail server refused, trying later: %s", issue.pk, error
                )
                return Outcome(sent=sent, later=timezone.now(), refused=True)
            finally:
                _release(claim)
        return Outcome(sent=sent)
    finally:
        try:
            connection.close()
        except Exception:  # a connection the server already dropped
            logger.debug("Closing the mail connection failed", exc_info=True)


def _deliver(send: mime.Send, delivery: Delivery) -> bool:
    """Send one claimed delivery; whether a message went out. Errors other than a permanent
    rejection of this recipient propagate, with the delivery still waiting."""
    subscriber = delivery.subscriber
    assert subscriber is not None  # `_claim` keeps only those still owed
    mine = Delivery.objects.filter(pk=delivery.pk, claim=delivery.claim)
    try:
        send(subscriber)
    except Exception as error:
        reason = _permanent(error)
        if reason is None:
            raise
        mine.update(state=Delivery.State.FAILED, error=reason[:300], claim="", claimed_until=None)
        _suppress(subscriber, Subscriber.Suppression.REJECTED)
        return False
    mine.update(state=Delivery.State.SENT, sent_at=timezone.now(), claim="", claimed_until=None)
    return True
