"""The one way to say that what readers see has changed.

Every cache in front of readers is a backend of Wagtail's frontend cache
(`WAGTAILFRONTENDCACHE`): the built-in page cache always (`page_cache.PageCacheBackend`), and
the CDNs or proxies the operator names. The page cache is purged here and now, before the
editor's request returns, so that the very next reader sees the change; the caches reached over
the network are told from the worker, so that a slow CDN never holds up publishing.
"""

from __future__ import annotations

from collections.abc import Iterable

from wagtail.contrib.frontend_cache.utils import PurgeBatch, get_backends, purge_urls_from_cache
from wagtail.models import Page

from .page_cache import PageCacheBackend


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
        purge_urls_from_cache(batch.urls, backends=elsewhere)


def purge_every_page() -> None:
    """Something every page shows changed: a campaign, the goal, the newsroom's addresses, a
    release's templates, a restored backup. Only the page cache can retire every page at once;
    a CDN asks again when a copy's `s-maxage` runs out."""
    for backend in get_backends().values():
        if isinstance(backend, PageCacheBackend):
            backend.purge_batch([])
