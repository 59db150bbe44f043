"""What every reading page's frame needs: the home page of its language and its sections.

They are the same for every page until one of them (or a campaign, the goal, a newsletter…) is
published or changed, so each process looks them up once per frame generation
(`frame_shared`, see `web.page_cache`) rather than once per request, and the parts of the frame
rendered from them (the header, the navigation, the notice, the footer, the campaigns, each
story's card) are kept rendered the same way (`frame_fragment`); a story's publish leaves them.
What lists the stories (the home page's, the translations of a page) is kept until the next
publish of anything (`shared`, `fragment`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import cached_property
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import caches
from django.core.cache.utils import make_template_fragment_key
from django.http import HttpRequest
from django.utils.translation import get_language
from wagtail.models import Locale, PageViewRestriction

from tamizdat.web import page_cache

T = TypeVar("T")


class _Shared:
    def __init__(self, generation: str) -> None:
        self.generation = generation
        # As long as fragments in the shared cache: what depends on the date (this month's
        # goal) is looked up again at least this often.
        self.expires = time.monotonic() + settings.PAGE_CACHE_SERVER_SECONDS
        self.values: dict[str, Any] = {}


# One memo per generation it is kept for: "publish" and "frame".
_memos = {"publish": _Shared(""), "frame": _Shared("")}


def _kept(kind: str, current: str, name: str, compute: Callable[[], T]) -> T:
    memo = _memos[kind]
    if memo.generation != current or time.monotonic() >= memo.expires:
        # A new object rather than clearing the old one: a thread still reading the old
        # generation's values keeps them whole.
        memo = _memos[kind] = _Shared(current)
    if name not in memo.values:
        memo.values[name] = compute()
    return memo.values[name]


def shared(name: str, compute: Callable[[], T]) -> T:
    """`compute()`, kept in this process until the next publish retires the page cache.
    What it returns is shared by every request, so it is read and never changed."""
    return _kept("publish", page_cache.generation(), name, compute)


def frame_shared(name: str, compute: Callable[[], T]) -> T:
    """`compute()`, kept in this process until anything but a story is published or
    changed; for what no story changes. Read and never changed, like `shared`."""
    return _kept("frame", page_cache.frame_generation(), name, compute)


def fragment(name: str, vary_on: tuple[Any, ...], render: Callable[[], T]) -> T:
    """`render()`, kept in this process's fragment cache as long as a cached page: until the
    next publish, for readers of the active language. `vary_on` holds whatever else it
    depends on; all of it must be the same for every anonymous reader."""
    return _fragment(page_cache.generation(), name, vary_on, render)


def frame_fragment(name: str, vary_on: tuple[Any, ...], render: Callable[[], T]) -> T:
    """`render()` kept as `fragment` does, until anything but a story changes."""
    return _fragment(page_cache.frame_generation(), name, vary_on, render)


def _fragment(current: str, name: str, vary_on: tuple[Any, ...], render: Callable[[], T]) -> T:
    store = caches["fragments"]
    key = make_template_fragment_key(name, [current, get_language(), *vary_on])
    value = store.get(key)
    if value is None:
        value = render()
        store.set(key, value, settings.PAGE_CACHE_SERVER_SECONDS)
    return value


def _live_homes() -> dict[str, Any]:
    from .models import HomePage

    return {
        home.locale.language_code: home for home in HomePage.objects.live().select_related("locale")
    }


def _name(homes: dict[str, Any], language: str | None) -> str:
    home = homes.get(language or "") or homes.get(settings.LANGUAGE_CODE)
    return home.title if home is not None else settings.WAGTAIL_SITE_NAME


def newsroom_name(language: str | None = None) -> str:
    """The newsroom's name, the one used everywhere (masthead, titles, publisher data, mails,
    the processor's page): its home page's title in `language` (default: the active one), as
    editors set it in the admin. `TAMIZDAT_SITE_NAME` names it only until a home page exists."""
    return _name(frame_shared("homes", _live_homes), language or get_language())


def any_private_page() -> bool:
    """Whether any page is restricted to some readers: while none is, nothing needs to be
    left out of what readers are shown (Wagtail's `public()` reads every restriction)."""
    return frame_shared("view-restrictions", PageViewRestriction.objects.exists)


class SiteFrame:
    """Looked up only when a template asks, so pages that don't use the frame pay nothing."""

    # Fragments cached by templates live as long as cached pages.
    cache_seconds = settings.PAGE_CACHE_SERVER_SECONDS

    def __init__(self, request: HttpRequest | None = None) -> None:
        self.request = request

    @cached_property
    def generation(self) -> str:
        """For fragments that list stories: they die with any publish."""
        return page_cache.generation()

    @cached_property
    def fragment_key(self) -> str:
        """What a fragment of the frame varies by: the frame's generation, the language and
        the site (its host name), as a cached page does. A story's card is one too, keyed
        by the story's published revision besides."""
        host = self.request.get_host() if self.request is not None else ""
        return f"{page_cache.frame_generation()}:{get_language()}:{host}"

    @cached_property
    def homes(self) -> dict[str, Any]:
        """The live home page of each language, by language code."""
        return frame_shared("homes", _live_homes)

    @cached_property
    def home(self) -> Any:
        return self.homes.get(get_language()) or self.homes.get(Locale.get_default().language_code)

    @cached_property
    def name(self) -> str:
        return _name(self.homes, get_language())

    @cached_property
    def sections(self) -> list[Any]:
        from .models import SectionPage

        home = self.home
        if home is None:
            return []
        return frame_shared(
            f"sections:{home.pk}",
            lambda: list(SectionPage.objects.live().child_of(home).in_menu()),
        )


def site_context(request: HttpRequest) -> dict[str, Any]:
    return {"frame": SiteFrame(request)}
