"""The sitemap: an index at /sitemap.xml naming files of at most `URLS_PER_FILE` addresses
(/sitemap-1.xml, /sitemap-2.xml, …), each address with its translations as hreflang alternates.

File N lists the live pages whose ids fall in its block of `URLS_PER_FILE` ids: a page stays in
its file for good, a new article joins the last one, and a file costs the same few queries
however large the archive (its block of the pages read through the primary key, their live
translations found by translation key in one query, the language roots their addresses start
from), where counting and offsetting would read every page of the site. The XML is written
directly: Wagtail's and Django's sitemaps render a template node by node for every address
(seconds for a file of ten thousand) and look each page's address up on its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from xml.sax.saxutils import quoteattr

from django.db.models import CharField, Max, QuerySet
from django.db.models.functions import Cast, Substr
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_safe
from wagtail.models import Locale, Page

from tamizdat.web.addresses import absolute_url
from tamizdat.web.page_cache import cache_publicly

from .addresses import PageAddresses

# Search engines read up to 50,000 addresses a file; this many render in a fraction of a
# second on a small machine, and crawlers fetch the files one by one anyway.
URLS_PER_FILE = 5_000
NAMESPACES = (
    'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml"'
)


def listed_pages() -> QuerySet[Page]:
    return (
        Page.objects.live()
        .public()
        .filter(depth__gt=1)
        # As text, read as they are: no UUID or datetime made for each of thousands of rows.
        # A stored time reads as "YYYY-MM-DD hh:mm…" in UTC on SQLite and PostgreSQL alike.
        .annotate(
            key=Cast("translation_key", CharField()),
            lastmod=Substr(Cast("last_published_at", CharField()), 1, 10),
        )
        .order_by("pk")
    )


def file_count() -> int:
    last = Page.objects.aggregate(last=Max("pk"))["last"] or 0
    return max(1, -(-last // URLS_PER_FILE))


def file_pages(number: int) -> QuerySet[Page]:
    return listed_pages().filter(
        pk__gt=(number - 1) * URLS_PER_FILE, pk__lte=number * URLS_PER_FILE
    )


def urlset(request: HttpRequest, chunk: QuerySet[Page]) -> Iterator[str]:
    """The file listing the pages of `chunk`, each with its versions in every language."""
    rows = list(chunk.values_list("key", "locale_id", "lastmod"))
    addresses = PageAddresses(request, absolute=True)
    languages = dict(Locale.objects.values_list("pk", "language_code"))
    # Every version's address, worked out and escaped once: a page is also its own version.
    versions: dict[str, dict[int, str]] = {}
    others = listed_pages().filter(translation_key__in=chunk.values("translation_key"))
    fields = ("key", "locale_id", "path", "url_path")
    for key, locale_id, path, url_path in others.order_by().values_list(*fields):
        if url := addresses.url(path, url_path):
            versions.setdefault(key, {})[locale_id] = escape(url)
    yield f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset {NAMESPACES}>\n'
    for key, locale_id, lastmod in rows:
        found = versions.get(key, {})
        if locale_id not in found:
            continue
        # A page alone in its language has no other version to name.
        links = (
            "".join(
                f'<xhtml:link rel="alternate" hreflang="{languages[other]}" href="{url}"/>'
                for other, url in sorted(found.items())
            )
            if len(found) > 1
            else ""
        )
        yield f"<url><loc>{found[locale_id]}</loc><lastmod>{lastmod}</lastmod>{links}</url>\n"
    yield "</urlset>\n"


def escape(text: str) -> str:
    return quoteattr(text)[1:-1]


def _xml(body: Iterator[str]) -> HttpResponse:
    return cache_publicly(HttpResponse("".join(body), content_type="application/xml"))


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    def body() -> Iterator[str]:
        yield '<?xml version="1.0" encoding="UTF-8"?>\n'
        yield '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        for number in range(1, file_count() + 1):
            url = absolute_url(reverse("sitemap_file", args=[number]))
            yield f"<sitemap><loc>{escape(url)}</loc></sitemap>\n"
        yield "</sitemapindex>\n"

    return _xml(body())


@require_safe
def sitemap_file(request: HttpRequest, number: int) -> HttpResponse:
    if not 1 <= number <= file_count():
        raise Http404
    return _xml(urlset(request, file_pages(number)))
