"""The one way to say that what readers see has changed.

Every cache in front of readers is a backend of Wagtail's frontend cache
(`WAGTAILFRONTENDCACHE`): the built-in page cache always (`page_cache.PageCacheBackend`), and
the CDNs or proxies the operator names. The page cache is purged here and now, before the
editor's request returns, so that the very next reader sees the change; the caches reached over
the network are told from the worker (`purge_urls`), so that a slow or failing CDN never holds
up nor fails a publish, and a cache that missed the news is told again later.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks import task
from wagtail.contrib.frontend_cache.tasks import purge_urls_from_cache_task
from wagtail.contrib.frontend_cache.utils import PurgeBatch, get_backends
from wagtail.models import Page

from .page_cache import PageCacheBackend, retire_frame

logger = logging.getLogger(__name__)

# The wait before the second attempt; each later wait is twice the one before.
FIRST_RETRY_SECONDS = 10


def purge_pages(pages: Iterable[Page]) -> None:
    """These pages changed: every cache drops them, at each of their addresses (a listing's
    feed among them, see `get_cached_paths`). The page cache retires every page whatever it is
    told, so the addresses are worked out only for the caches that need them."""
    elsewhere = []
    for name, backend in get_backends().items():
        if isinstance(backend, PageCacheBackend):
            backend.purge_batch([])
        else:
            elsewhere.append(name)
    if elsewhere:
        batch = PurgeBatch()
        batch.add_pages(pages)
        purge_urls.enqueue(sorted(batch.urls), elsewhere)


class PurgeGivenUp(Exception):
    """A cache missed a purge at every attempt."""


@task()
def purge_urls(urls: list[str], backends: list[str], attempt: int = 1) -> None:
    """Tell each of these caches that these addresses changed (Wagtail's purge task does the
    asking: every language's address, each backend for its own hosts). A cache that fails is
    asked again after 10 s, 20 s, 40 s, … while it may still be serving the old copy: once
    `PAGE_CACHE_CDN_SECONDS` have passed since the first attempt, its copy has run out by
    itself, and the task fails with the caches it gave up on named in the log."""
    failed = []
    for name in backends:
        try:
            purge_urls_from_cache_task.call(urls, None, [name])
        except Exception as error:  # whatever the cache's client raised, the others go on
            logger.warning("Purging %s failed (attempt %d): %r", name, attempt, error)
            failed.append(name)
    if not failed:
        return
    wait = FIRST_RETRY_SECONDS * 2 ** (attempt - 1)
    waited = FIRST_RETRY_SECONDS * (2**attempt - 1)  # since the first attempt, at the next
    if waited > settings.PAGE_CACHE_CDN_SECONDS:
        logger.error("Giving up purging %s after %d attempts", ", ".join(failed), attempt)
        raise PurgeGivenUp(", ".join(failed))
    run_after = timezone.now() + timedelta(seconds=wait)
    purge_urls.using(run_after=run_after).enqueue(urls, failed, attempt + 1)


def purge_every_page() -> None:
    """Something every page shows changed: a campaign, the goal, the newsroom's addresses, a
    release's templates, a restored backup. Only the page cache can retire every page at once;
    a CDN asks again when a copy's `s-maxage` runs out."""
    retire_frame()
    for backend in get_backends().values():
        if isinstance(backend, PageCacheBackend):
            backend.purge_batch([])
