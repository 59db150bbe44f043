"""Full-page caching for anonymous readers, and its backend for purging (see `web.purge`).

Reading pages are identical for every anonymous reader, so one rendered copy serves them all: a
CDN keeps it for `PAGE_CACHE_CDN_SECONDS`, and this middleware keeps it in the shared cache so a
repeat hit skips rendering. A purge bumps a generation token that every stored page carries,
which retires every stored page at once; listings, feeds and "Read more" blocks all change
together when an article appears, so a finer purge would only be a finer way to be wrong.

What every page's frame shows apart from the stories (the home and section pages, the
campaigns, the goal, the newsletters, the sites) has a generation of its own, `frame_generation`:
a story's publish leaves it, so the fragments and lookups keyed by it (the masthead, the
navigation, the campaigns, each story's card) stay rendered, and the pages it retired are
rendered again from them. Anything else that is published or changed retires both.

A retired copy is kept until its successor is stored: the first request after a purge renders
the page again while every concurrent request is served the retired copy at once (a lock in the
shared cache, `web.locks`), so a publish never has every reader of a hot page render it together.

A stored page keeps its ETag and its body gzipped, both made once when it is stored: hashing and
compressing a 60 KB page were most of what a hit cost, paid again by every hit. Readers (every
browser and CDN accepts gzip) are sent the compressed body as it is; the rare client that does
not accept it gets it decompressed. Unlike Django's GZipMiddleware the stored body carries no
random padding against BREACH: a page shared by every reader holds no secret to guess.
"""

from __future__ import annotations

import gzip
import re
import time
import uuid
import zlib
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.middleware.gzip import re_accepts_gzip
from django.utils.cache import patch_cache_control, patch_vary_headers, set_response_etag
from wagtail.contrib.frontend_cache.backends import BaseBackend

from . import locks

GENERATION_KEY = "pagecache:generation"
FRAME_KEY = "pagecache:frame"
# Longer than any page takes to render: a renderer that died holds the lock no longer.
RENDER_LOCK_SECONDS = 30
# Requests carrying these cookies belong to a signed-in editor; they are never cached or served
# from the cache, so an editor never sees a stale page and a reader never sees an editor's page.
PRIVATE_COOKIES = (settings.SESSION_COOKIE_NAME,)


def cache_publicly(response: HttpResponse) -> HttpResponse:
    """Mark a response as one a CDN and this server's page cache may share between readers,
    unless its view already said how it may be cached."""
    if response.has_header("Cache-Control"):
        return response
    patch_cache_control(
        response,
        public=True,
        max_age=settings.PAGE_CACHE_BROWSER_SECONDS,
        s_maxage=settings.PAGE_CACHE_CDN_SECONDS,
        stale_while_revalidate=settings.PAGE_CACHE_CDN_SECONDS * 2,
    )
    return response


@dataclass
class _RequestMemo:
    """Within one request the generation is read from the shared cache once, however many keys
    of the page cache, fragments and prompts need it; `lifetime` caps how long the page may be
    shared (see `expire_within`); `paginated` says the page read its `?page=` number."""

    generation: str | None = None
    frame: str | None = None
    lifetime: int | None = None
    paginated: bool = False


_request_memo: ContextVar[_RequestMemo | None] = ContextVar("pagecache_request", default=None)


def _new_generation() -> str:
    # A fresh random token, never a counter: a counter that the cache evicts or expires starts
    # again at 1 and reuses numbers whose entries still hold old copy.
    return uuid.uuid4().hex


def _token(key: str) -> str:
    value = cache.get(key)
    if value is None:
        # Lost (evicted, or a cache that was just emptied): everything keyed by it is retired,
        # and concurrent requests agree on one replacement.
        cache.add(key, _new_generation(), timeout=None)
        value = cache.get(key) or _new_generation()
    return str(value)


def generation() -> str:
    """Changes with every publish: the stored pages and what lists stories are keyed by it."""
    return _read(GENERATION_KEY, "generation")


def frame_generation() -> str:
    """Changes when anything but a story is published or changed (see `retire_frame`)."""
    return _read(FRAME_KEY, "frame")


def _read(key: str, field: str) -> str:
    # Read from the shared cache once per request, however many keys need it.
    memo = _request_memo.get()
    value = getattr(memo, field) if memo is not None else None
    if value is None:
        value = _token(key)
        if memo is not None:
            setattr(memo, field, value)
    return value


def retire_frame() -> None:
    """Something that the frame of every page shows changed: render it again. The pages are
    retired by the purge that goes with it (`web.purge`). Retired again once the change is
    committed: a frame kept lasts until the next change of the frame, so one rendered from
    the rows as they were before the commit must not be kept."""
    _retire_frame_now()
    transaction.on_commit(_retire_frame_now)


def _retire_frame_now() -> None:
    cache.set(FRAME_KEY, _new_generation(), timeout=None)
    memo = _request_memo.get()
    if memo is not None:
        memo.frame = None


def expire_within(seconds: int) -> None:
    """Let the page being rendered be shared for at most `seconds`, here and at the CDN: it
    shows a figure that changes on its own clock (this month's funding progress), not when
    something is published. Outside a request through the page cache it does nothing."""
    memo = _request_memo.get()
    if memo is not None:
        memo.lifetime = seconds if memo.lifetime is None else min(seconds, memo.lifetime)


def _shorten(response: HttpResponse, seconds: int) -> None:
    """Cap every lifetime the response's Cache-Control grants at `seconds`; a figure that is
    due to change may not be served stale either."""
    patch_cache_control(
        response,
        max_age=min(seconds, settings.PAGE_CACHE_BROWSER_SECONDS),
        s_maxage=min(seconds, settings.PAGE_CACHE_CDN_SECONDS),
        stale_while_revalidate=0,
    )


class PageCacheBackend(BaseBackend):
    """The page cache as one of Wagtail's frontend caches (`WAGTAILFRONTENDCACHE`). Whichever
    addresses it is given, it retires every stored page, with the fragments and prompts keyed by
    the same generation."""

    def purge(self, url: str) -> None:
        self.purge_batch([url])

    def purge_batch(self, urls: Iterable[str]) -> None:
        cache.set(GENERATION_KEY, _new_generation(), timeout=None)
        memo = _request_memo.get()
        if memo is not None:
            # A purge made within a request (an editor's save) is seen by the rest of it.
            memo.generation = None


def _key(request: HttpRequest) -> str:
    # One entry per address, whatever the generation: the copy a publish retired is what
    # readers get while one request renders its successor. "pagecache4": entries are
    # `_Entry`s of this shape; what an earlier release stored is never read back as one.
    return f"pagecache4:{request.get_host()}:{request.get_full_path()}"


@dataclass
class _Entry:
    # The page as a reader that accepts gzip is sent it: compressed, with its ETag made weak,
    # as Django's GZipMiddleware marks a compressed representation.
    response: HttpResponse
    generation: str
    stored_at: float
    # Set when the page asked to be shared for less than the page cache's lifetime.
    expires_at: float | None

    @classmethod
    def of(cls, page: HttpResponse, expires_at: float | None) -> _Entry:
        set_response_etag(page)
        patch_vary_headers(page, ("Accept-Encoding",))
        response = HttpResponse(gzip.compress(page.content, mtime=0))
        for name, value in page.items():
            response[name] = value
        response["Content-Length"] = str(len(response.content))
        response["Content-Encoding"] = "gzip"
        response["ETag"] = "W/" + page["ETag"]
        return cls(response, generation(), time.time(), expires_at)

    def is_fresh(self) -> bool:
        now = time.time()
        return (
            self.generation == generation()
            and now < self.stored_at + settings.PAGE_CACHE_SERVER_SECONDS
            and (self.expires_at is None or now < self.expires_at)
        )

    def served(self, request: HttpRequest, status: str) -> HttpResponse:
        response = self.response
        if not re_accepts_gzip.search(request.META.get("HTTP_ACCEPT_ENCODING", "")):
            # wbits=31: a gzip stream, header and checksum included, in one call.
            response.content = zlib.decompress(response.content, wbits=31)
            response["Content-Length"] = str(len(response.content))
            response["ETag"] = response["ETag"].removeprefix("W/")
            del response["Content-Encoding"]
        if status == "stale":
            # Shared caches may keep the previous copy but must ask again before they use it
            # twice (and may hand it out while they do): the new one is on its way.
            patch_cache_control(response, max_age=0, s_maxage=0)
        elif self.expires_at is not None:
            # Whoever keeps it next gets only what is left of its life, not all of it.
            _shorten(response, max(1, int(self.expires_at - time.time())))
        response["X-Cache"] = status
        return response


# A listing's page number as its links write it: "2", never "02", "2 " or "+2".
_CANONICAL_PAGE = re.compile(r"[1-9][0-9]{0,5}")


def page_number(request: HttpRequest) -> int | None:
    """The listing page a request asks for: 1 without `?page=`, None unless it is written the
    one way the site's links write it. Each spelling would be a page cache entry of its own."""
    values = request.GET.getlist("page")
    if not values:
        return 1
    if len(values) == 1 and _CANONICAL_PAGE.fullmatch(values[0]):
        return int(values[0])
    return None


def note_paginated() -> None:
    """Say that the page being rendered is one page of a listing, chosen by `?page=`."""
    memo = _request_memo.get()
    if memo is not None:
        memo.paginated = True


def _is_shareable_request(request: HttpRequest) -> bool:
    # Any parameter but a well-written page number makes a request bypass the page cache,
    # so that junk parameters cannot fill it with copies of the same page.
    return (
        request.method in ("GET", "HEAD")
        and set(request.GET) <= {"page"}
        and page_number(request) is not None
        and not any(name in request.COOKIES for name in PRIVATE_COOKIES)
    )


def _is_shareable_response(response: HttpResponse) -> bool:
    cache_control = response.get("Cache-Control", "")
    return (
        response.status_code == 200
        and not response.streaming
        and "public" in cache_control
        and "s-maxage" in cache_control
        and not response.cookies
    )


class PageCacheMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        memo = _RequestMemo()
        token = _request_memo.set(memo)
        try:
            return self._respond(request, memo)
        finally:
            _request_memo.reset(token)

    def _respond(self, request: HttpRequest, memo: _RequestMemo) -> HttpResponse:
        if not _is_shareable_request(request):
            return self._render(request, memo, None)
        key = _key(request)
        entry = cache.get(key)
        if entry is None:
            return self._render(request, memo, key)
        if entry.is_fresh():
            return entry.served(request, "hit")
        # Retired by a publish, or too old: one request renders the page again while every
        # other gets the previous copy at once, as nginx's proxy_cache_background_update
        # does; otherwise a publish would have every reader of a hot page render it at once.
        with locks.held_by_one(key, RENDER_LOCK_SECONDS) as rendering_here:
            if not rendering_here:
                return entry.served(request, "stale")
            return self._render(request, memo, key, replacing=True)

    def _render(
        self, request: HttpRequest, memo: _RequestMemo, key: str | None, replacing: bool = False
    ) -> HttpResponse:
        response = self.get_response(request)
        if not _is_shareable_response(response):
            if replacing:
                # Gone, moved or failing now: the previous copy must not stand in for it.
                cache.delete(key)
            return response
        if "page" in request.GET and not memo.paginated:
            # A page without pages (an article, the front page): any number means nothing,
            # and each one would be rendered and stored as a copy of the same page.
            return cache_publicly(HttpResponsePermanentRedirect(request.path))
        expires_at = None
        if memo.lifetime is not None:
            expires_at = time.time() + memo.lifetime
            _shorten(response, memo.lifetime)
        if key is not None:
            if hasattr(response, "render") and callable(response.render):
                response.render()
            entry = _Entry.of(response, expires_at)
            # Kept past its freshness so that it can stand in while its successor renders.
            cache.set(key, entry, settings.PAGE_CACHE_SERVER_SECONDS * 2)
            # Sent as every hit will be: the body just compressed is not compressed again by
            # GZipMiddleware, and the first reader gets the same bytes and tag as the next.
            return entry.served(request, "miss")
        return response
