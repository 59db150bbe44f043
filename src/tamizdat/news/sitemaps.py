"""The sitemap: an index at /sitemap.xml naming files of at most `URLS_PER_FILE` addresses
(/sitemap-1.xml, /sitemap-2.xml, …), each address with its translations as hreflang alternates.

A file costs the same few queries however large the archive: its slice of the pages, their live
translations found by translation key in one query, and the language roots their addresses
start from. Pages are listed oldest first, so a new article joins the last file and a crawler
finds the others as they were.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.functional import cached_property
from django.views.decorators.http import require_safe
from wagtail.contrib.sitemaps import Sitemap
from wagtail.models import Locale, Page

from tamizdat.web.addresses import absolute_url

from .addresses import PageAddresses
from .caching import cache_publicly

# Search engines read up to 50,000 addresses a file; a smaller file renders in well under a
# second on a small machine, and crawlers fetch the files one by one anyway.
URLS_PER_FILE = 10_000
ROW = ("pk", "path", "url_path", "translation_key", "locale_id", "last_published_at")


class ArchiveSitemap(Sitemap):
    limit = URLS_PER_FILE

    @cached_property
    def pages(self) -> QuerySet[Page]:
        # Kept: `public()` looks up the view restrictions each time it is called.
        return Page.objects.live().public().filter(depth__gt=1).order_by("pk")

    def items(self) -> QuerySet[Page]:
        return self.pages

    def entries(self, number: int) -> list[dict[str, Any]]:
        """The addresses of file `number` (from 1), in the shape Django's template reads."""
        chunk = self.paginator.page(number).object_list
        rows = list(chunk.values_list(*ROW))
        keys = chunk.values("translation_key")
        versions: dict[Any, list[tuple[int, str, str]]] = {}
        for _, path, url_path, key, locale_id, _ in self.pages.filter(
            translation_key__in=keys
        ).values_list(*ROW):
            versions.setdefault(key, []).append((locale_id, path, url_path))
        addresses = PageAddresses(self.request)
        languages = dict(Locale.objects.values_list("pk", "language_code"))
        entries = []
        for _, path, url_path, key, _, published in rows:
            url = addresses.url(path, url_path)
            if url is None:
                continue
            alternates = [
                {"lang_code": languages[locale_id], "location": absolute_url(other)}
                for locale_id, other_path, other_url_path in versions.get(key, ())
                if (other := addresses.url(other_path, other_url_path))
            ]
            entries.append(
                {
                    "location": absolute_url(url),
                    "lastmod": published,
                    # One version alone has no alternate to name.
                    "alternates": alternates if len(alternates) > 1 else [],
                }
            )
        return entries


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    files = [
        {"location": absolute_url(reverse("sitemap_file", args=[number]))}
        for number in ArchiveSitemap(request).paginator.page_range
    ]
    response = TemplateResponse(
        request, "sitemap_index.xml", {"sitemaps": files}, content_type="application/xml"
    )
    return cache_publicly(response)


@require_safe
def sitemap_file(request: HttpRequest, number: int) -> HttpResponse:
    sitemap = ArchiveSitemap(request)
    if not 1 <= number <= sitemap.paginator.num_pages:
        raise Http404
    response = TemplateResponse(
        request,
        "sitemap.xml",
        {"urlset": sitemap.entries(number)},
        content_type="application/xml",
    )
    return cache_publicly(response)
