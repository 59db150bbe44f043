"""Periodic jobs that `tamizdat worker` starts on a clock: scheduled publishing and the like.

Every worker ticks; for each period of a job, the first worker to record the tick queues the
job's task and the others see the tick taken, so a job runs once per period however many
workers there are, on SQLite or PostgreSQL alike. The task then runs like any other.
"""

from __future__ import annotations

import datetime
import logging
import threading
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tasks.base import Task

from tamizdat import repeating

logger = logging.getLogger(__name__)

# How often a worker looks at the clock: a job is queued at most this long after its period
# begins.
TICK_SECONDS = 10
# Ticks older than this many periods are forgotten; they only guard the current one.
KEPT_PERIODS = 10


@dataclass(frozen=True)
class Job:
    name: str
    every: datetime.timedelta
    task: Task[[], Any]

    def slot(self, now: datetime.datetime) -> int:
        return int(now.timestamp() // self.every.total_seconds())


def jobs() -> list[Job]:
    from tamizdat.maintenance import maintain_database
    from tamizdat.news.tasks import choose_missing_read_more, publish_scheduled_pages

    return [
        Job("publish_scheduled", datetime.timedelta(minutes=1), publish_scheduled_pages),
        Job("choose_read_more", datetime.timedelta(minutes=1), choose_missing_read_more),
        Job("maintain_database", datetime.timedelta(hours=1), maintain_database),
    ]


def claim(job: Job, now: datetime.datetime) -> bool:
    """Record this period's tick of `job`; False when another worker already has."""
    from .models import ClockTick

    slot = job.slot(now)
    try:
        with transaction.atomic():
            ClockTick.objects.create(job=job.name, slot=slot)
    except IntegrityError:
        return False
    ClockTick.objects.filter(job=job.name, slot__lt=slot - KEPT_PERIODS).delete()
    return True


def run_due(now: datetime.datetime | None = None) -> list[str]:
    """Queue every job whose current period nobody has claimed yet; the names queued."""
    now = now or timezone.now()
    queued = []
    for job in jobs():
        if claim(job, now):
            job.task.enqueue()
            queued.append(job.name)
    return queued


def start(stopped: threading.Event) -> threading.Thread:
    """Tick in a thread of the worker's process until `stopped` is set."""
    return repeating.every(
        TICK_SECONDS,
        run_due,
        stopped,
        name="clock",
        logger=logger,
        failure="The clock could not queue its periodic jobs; trying again",
    )
