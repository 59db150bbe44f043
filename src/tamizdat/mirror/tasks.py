"""The worker's copies: after a burst of publishing, one export and one push to every bucket.

Publishing, unpublishing or moving a page asks for a copy; the first request of a burst queues
one run `MIRROR_DEBOUNCE_SECONDS` later and the others join it (a flag in the shared cache).
A run clears the flag before it starts, so what is published while it runs gets a run of its
own. A change that reaches every page (an address, a campaign) asks for a full export.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django_tasks import task

from . import export
from .errors import ExportError

logger = logging.getLogger(__name__)

SCHEDULED_KEY = "mirror:scheduled"
FULL_KEY = "mirror:full"


def wanted() -> bool:
    """Copies are made by the worker only for a newsroom that has buckets to put them in."""
    return bool(settings.MIRROR_TARGETS)


def request_copy(full: bool = False) -> None:
    if not wanted():
        return
    if full:
        cache.set(FULL_KEY, True, timeout=None)
    delay = settings.MIRROR_DEBOUNCE_SECONDS
    # The flag outlives the wait a little, so a run that is late is not doubled.
    if not cache.add(SCHEDULED_KEY, True, timeout=delay * 2 + 60):
        return
    runner = make_copies
    if runner.get_backend().supports_defer and delay:
        runner = runner.using(run_after=timezone.now() + timedelta(seconds=delay))
    # Queued in the database within the publishing transaction: no worker sees it before the
    # change it is about is committed.
    runner.enqueue()


@task()
def make_copies() -> None:
    cache.delete(SCHEDULED_KEY)
    full = bool(cache.get(FULL_KEY))
    cache.delete(FULL_KEY)
    try:
        report = export.export(settings.MIRROR_DIR, jobs=settings.MIRROR_JOBS, full=full)
    except ExportError as error:
        logger.error("The static copy was not made: %s; trying again later", error)
        request_copy(full=full)
        return
    logger.info("Made a %s copy in %.1f s", "full" if report.full else "new", report.seconds)
    # Imported here: the object-store client (boto3) weighs 11 MiB in every process that
    # imports this module, and only a worker making copies needs it.
    from . import push

    # Each bucket's outcome is logged and kept on its address; the next run retries a failure.
    push.push(settings.MIRROR_DIR, settings.MIRROR_TARGETS)
