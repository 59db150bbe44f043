"""Tasks whose worker died run again.

A worker killed mid-task (SIGKILL, the kernel's OOM killer, a lost machine) would leave its
task RUNNING in the database queue for ever. So every worker beats: it notes in the shared
cache, every `BEAT_SECONDS`, that it is alive. A task RUNNING for longer than `LEASE` whose
worker no longer beats is made READY again, and the next free worker runs it. A task must
therefore be safe to run twice: the e-mail tasks are (a receipt counts as sent only once the
mail server accepted it, and a dead sender's claim on it lapses before its task runs again).
"""

from __future__ import annotations

import datetime
import logging
import threading

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from tamizdat import repeating

logger = logging.getLogger(__name__)

BEAT_SECONDS = 10
# A worker that missed this many beats is gone.
ALIVE_SECONDS = BEAT_SECONDS * 3
# How long a task may run before its worker must be beating for it to stay claimed.
LEASE = datetime.timedelta(seconds=settings.TASK_LEASE_SECONDS)
# How long a sender holds a receipt it is sending: above SMTP's 20 s timeout, and below the
# lease, so that the task of a sender that died finds the receipt free when it runs again.
RECEIPT_CLAIM = LEASE / 2


def _alive_key(worker_id: str) -> str:
    return f"worker-alive:{worker_id}"


def beat(worker_id: str) -> None:
    cache.set(_alive_key(worker_id), True, ALIVE_SECONDS)


def requeue_abandoned(now: datetime.datetime | None = None) -> int:
    """Make READY again every task whose worker died while running it; how many."""
    started_before = (now or timezone.now()) - LEASE
    running = DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING, started_at__lt=started_before
    )
    abandoned = [
        result.pk
        for result in running
        if not (result.worker_ids and cache.get(_alive_key(result.worker_ids[-1])))
    ]
    if not abandoned:
        return 0
    # Only those still RUNNING: a task that finished meanwhile stays finished.
    count = DBTaskResult.objects.filter(pk__in=abandoned, status=TaskResultStatus.RUNNING).update(
        status=TaskResultStatus.READY
    )
    logger.warning("Queued again %d task(s) whose worker stopped while running them", count)
    return count


def start(worker_id: str, stopped: threading.Event) -> threading.Thread:
    """Beat, and queue again what dead workers left, in a thread until `stopped` is set."""

    def beat_and_requeue() -> None:
        beat(worker_id)
        requeue_abandoned()

    return repeating.every(
        BEAT_SECONDS,
        beat_and_requeue,
        stopped,
        name="heartbeat",
        logger=logger,
        failure="The worker could not note that it is alive; trying again",
    )
