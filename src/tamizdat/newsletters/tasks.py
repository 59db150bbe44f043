"""Background work of newsletters, run by `tamizdat worker`: confirmation mails and sending.

An issue is sent by a chain of tasks, each sending for a slice of time and queuing the next;
a task whose worker died runs again (`tamizdat.leases`), and the claims on the deliveries
(`sending`) keep two senders of one issue from sending anything twice.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.text import get_text_list
from django_tasks import task

from tamizdat.news.context import newsroom_name
from tamizdat.support.tasks import ATTEMPTS, RETRY_DELAYS

from . import links, sending
from .models import Issue, Newsletter

logger = logging.getLogger(__name__)


@task()
def send_confirmation(email: str, language: str, newsletters: list[int], attempt: int = 1) -> None:
    chosen = list(Newsletter.objects.filter(pk__in=newsletters, live=True))
    if not chosen:
        return
    request = links.Request(email=email, language=language, newsletters=tuple(newsletters))
    with translation.override(language):
        context = {
            "names": get_text_list([n.name for n in chosen], translation.gettext("and")),
            "site_name": newsroom_name(language),
            "confirm_url": links.confirmation_url(request),
        }
        subject = render_to_string("newsletters/email/confirm_subject.txt", context)
        body = render_to_string("newsletters/email/confirm.txt", context)
    message = EmailMessage(
        subject=" ".join(subject.splitlines()).strip(),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email],
    )
    try:
        message.send()
    except OSError as error:  # as the other mails to readers: tried again, with growing waits
        if attempt >= ATTEMPTS:
            raise
        logger.warning("A confirmation mail failed (attempt %d), trying later: %s", attempt, error)
        later = send_confirmation.using(run_after=timezone.now() + RETRY_DELAYS[attempt - 1])
        later.enqueue(email, language, newsletters, attempt=attempt + 1)


@task()
def start_scheduled(issue_id: int, scheduled_for: str) -> None:
    """Begin a scheduled issue, unless it was unscheduled or moved since."""
    issue = Issue.objects.filter(pk=issue_id, state=Issue.State.SCHEDULED).first()
    if issue is None or issue.scheduled_at != parse_datetime(scheduled_for):
        return
    try:
        sending.start(issue)
    except sending.NotSendable as error:
        logger.error("Scheduled issue %s was not sent: %s", issue_id, error.messages[0])


@task()
def send_issue(issue_id: int, attempt: int = 1) -> int:
    """Send part of an issue, then queue the rest; how many messages went out."""
    outcome = sending.send_some(issue_id)
    if outcome.done:
        return outcome.sent
    if outcome.refused:
        # The waits grow while the server keeps refusing, then stay at the longest; any
        # progress starts them over.
        attempt = 1 if outcome.sent else attempt
        wait = RETRY_DELAYS[min(attempt, len(RETRY_DELAYS)) - 1]
        run_after: datetime.datetime | None = timezone.now() + wait
        attempt += 1
    else:
        attempt, run_after = 1, outcome.later
    if run_after is None:
        send_issue.enqueue(issue_id, attempt=attempt)
    else:
        send_issue.using(run_after=run_after).enqueue(issue_id, attempt=attempt)
    return outcome.sent
