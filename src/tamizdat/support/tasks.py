"""Background work of reader revenue: e-mails, run by `tamizdat worker` (or at once in tests).

A mail the server does not take is tried again later by a new task carrying the attempt number,
with growing waits, so a mail server that is down for up to about a day loses nothing. Each task
returns whether it sent its mail, which `/metrics` counts (`web.metrics`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from django.db import OperationalError
from django.utils import timezone
from django_tasks import task
from django_tasks.base import Task

from . import ledger, mail
from .models import Contribution, Payment, Supporter

logger = logging.getLogger(__name__)

# The waits before the second, third, … attempt: a restarting relay is back within minutes, a
# provider's outage may take hours; the last attempt comes about a day after the first.
RETRY_DELAYS = tuple(timedelta(minutes=minutes) for minutes in (1, 5, 15, 60, 180, 360, 720))
ATTEMPTS = len(RETRY_DELAYS) + 1


@contextmanager
def _retried_later(task: Task[..., Any], object_id: int, attempt: int) -> Iterator[None]:
    """If the mail server fails inside the block, or the database does for a moment (SQLite
    busy past its timeout under a burst of webhooks, a connection lost), queue `task` for
    `object_id` again after the next wait, or, after the last attempt, log an error and let the
    task fail."""
    try:
        yield
    # smtplib's errors, refused connections and timeouts alike; and the database's passing ones
    except (OSError, OperationalError) as error:
        if attempt >= ATTEMPTS:
            logger.error(
                "Giving up: %s(%s) failed %d times, the last time with: %s",
                task.name,
                object_id,
                attempt,
                error,
            )
            raise
        run_after = timezone.now() + RETRY_DELAYS[attempt - 1]
        logger.warning(
            "%s(%s) failed (attempt %d of %d), trying again at %s: %s",
            task.name,
            object_id,
            attempt,
            ATTEMPTS,
            run_after.isoformat(timespec="seconds"),
            error,
        )
        task.using(run_after=run_after).enqueue(object_id, attempt=attempt + 1)


@task()
def send_receipt(payment_id: int, attempt: int = 1) -> bool:
    """Send a payment's receipt once: the payment is claimed before the mail goes out, counts
    as sent once the mail server accepted it, and is released if sending failed, so that a
    later attempt can claim it. A sender that dies mid-send holds its claim only briefly, and
    its task runs again (tamizdat.leases)."""
    with _retried_later(send_receipt, payment_id, attempt):
        if not ledger.claim_receipt(payment_id):
            return False
        payment = Payment.objects.select_related("supporter", "plan").get(pk=payment_id)
        if payment.supporter.shredded_at:
            return False
        try:
            mail.send_receipt(payment)
        except BaseException:
            # Released before a retry is queued, so the retry (or `tamizdat send_receipts`)
            # finds the payment unclaimed; also when the worker is being stopped mid-send.
            ledger.finish_receipt(payment_id, sent=False)
            raise
        ledger.finish_receipt(payment_id, sent=True)
        return True
    return False  # a later attempt is queued


@task()
def send_manage_link(supporter_id: int, attempt: int = 1) -> bool:
    supporter = Supporter.objects.get(pk=supporter_id)
    with _retried_later(send_manage_link, supporter_id, attempt):
        mail.send_manage_link(supporter)
        return True
    return False  # a later attempt is queued


@task()
def send_confirmation(contribution_id: int, attempt: int = 1) -> bool:
    contribution = Contribution.objects.select_related("supporter").get(pk=contribution_id)
    with _retried_later(send_confirmation, contribution_id, attempt):
        mail.send_confirmation(contribution)
        return True
    return False  # a later attempt is queued


@task()
def send_transfer_details(contribution_id: int, attempt: int = 1) -> bool:
    contribution = Contribution.objects.select_related("supporter").get(pk=contribution_id)
    with _retried_later(send_transfer_details, contribution_id, attempt):
        mail.send_transfer_details(contribution)
        return True
    return False  # a later attempt is queued
