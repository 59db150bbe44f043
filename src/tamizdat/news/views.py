"""Reading views that are not Wagtail pages: search, the root redirect, robots.txt."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponsePermanentRedirect,
    HttpResponseRedirect,
)
from django.utils.cache import patch_cache_control
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe
from wagtail.contrib.redirects.middleware import get_redirect
from wagtail.contrib.redirects.models import Redirect

from tamizdat.web.addresses import absolute_url
from tamizdat.web.page_cache import cache_publicly

SEARCH_QUERY_MAX_LENGTH = 200
_WORD = re.compile(r"\w+")


def search_terms(raw: str) -> str:
    """The words of a reader's query, and nothing else. The search backends read quotes,
    asterisks, colons and brackets as their own syntax (SQLite's FTS5 fails on a lone quote,
    PostgreSQL on a NUL byte), so only letters and digits in any script reach them."""
    return " ".join(_WORD.findall(raw[:SEARCH_QUERY_MAX_LENGTH]))


def search(request: HttpRequest, home: Any) -> HttpResponse:
    from .listings import paginate
    from .models import ArticlePage
    from .search import SearchPaginator

    query = search_terms(request.GET.get("q", ""))
    results = None
    if query:
        found = ArticlePage.objects.live().filter(locale=home.locale).search(query, operator="and")
        results = paginate(request, found, SearchPaginator)
    response = home.render(
        request,
        template="news/search_page.html",
        context_overrides={"query": query, "results": results},
    )
    # Shared by readers through a CDN briefly, but not kept in the server's page cache:
    # arbitrary queries would otherwise fill it.
    patch_cache_control(response, public=True, max_age=60)
    return response


@require_safe
def root(request: HttpRequest) -> HttpResponse:
    """The bare domain goes to the default language; the same for everyone, so cacheable. An
    old address of an imported archive there (WordPress's `/?p=123`) goes where it moved."""
    if request.GET:
        path = Redirect.normalise_path(request.get_full_path(), decode_unicode=False)
        moved = get_redirect(request, path)
        if moved is not None and moved.link:
            return cache_publicly(HttpResponsePermanentRedirect(moved.link))
    return cache_publicly(HttpResponseRedirect(f"/{settings.LANGUAGE_CODE}/"))


@require_safe
@cache_control(public=True, max_age=3600)
def robots_txt(request: HttpRequest) -> HttpResponse:
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /*/search/",
        f"Sitemap: {absolute_url('/sitemap.xml')}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")
