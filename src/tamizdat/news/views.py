"""Reading views that are not Wagtail pages: search, the root redirect, robots.txt, sitemap."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils.cache import patch_cache_control
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe
from wagtail.models import Locale, Page

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
    from .models import ArticlePage, paginate

    query = search_terms(request.GET.get("q", ""))
    results = None
    if query:
        found = ArticlePage.objects.live().filter(locale=home.locale).search(query, operator="and")
        results = paginate(request, found)
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
    """The bare domain goes to the default language; the same for everyone, so cacheable."""
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


@require_safe
def sitemap(request: HttpRequest) -> HttpResponse:
    """Every live page in every language, with its translations as hreflang alternates."""
    pages = list(Page.objects.live().public().filter(depth__gt=1).order_by("path"))
    urls = {page.pk: page.get_url(request) for page in pages}
    # Translations found in one pass over the pages rather than one query per page: with
    # thousands of articles the sitemap was the slowest page of the site.
    locales = dict(Locale.objects.values_list("pk", "language_code"))
    by_key: dict[Any, list[Page]] = {}
    for page in Page.objects.live().filter(depth__gt=1).order_by("path"):
        by_key.setdefault(page.translation_key, []).append(page)
    entries = []
    for page in pages:
        url = urls[page.pk]
        if not url:
            continue
        entries.append(
            {
                "url": absolute_url(url),
                "lastmod": page.last_published_at,
                "alternates": [
                    (
                        locales[translation.locale_id],
                        absolute_url(urls.get(translation.pk) or translation.get_url(request)),
                    )
                    for translation in by_key.get(page.translation_key, [])
                ],
            }
        )
    response = TemplateResponse(
        request, "news/sitemap.xml", {"entries": entries}, content_type="application/xml"
    )
    return cache_publicly(response)
