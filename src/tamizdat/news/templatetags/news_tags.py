"""Template helpers for the reading pages; each keeps a lookup out of the templates."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from django import template
from django.conf import settings
from django.http import HttpRequest
from django.urls import translate_url
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from wagtail.models import Page

from tamizdat.web.addresses import absolute_url
from tamizdat.web.page_cache import page_number

from ..context import fragment
from ..translations import routed_in

register = template.Library()


@register.simple_tag(takes_context=True)
def language_links(context: dict[str, Any], page: Page | None = None) -> list[dict[str, Any]]:
    """One link per language: what the reader sees here (the page, its tag, author or search
    sub-page, a support page) in that language where it exists there, with the reader's query;
    else that language's home page. The reader's own language is marked as current. Kept
    until the next publish for an address without a query but a listing's page number, which
    the links leave out, so every page of a listing shares its first page's (a preview is an
    editor's draft: never kept; any other query, which the links repeat, would fill the cache
    with one entry per search or tracking parameter)."""
    request = context.get("request")
    if request is None or getattr(request, "is_preview", False) or set(request.GET) - {"page"}:
        return _language_links(context, request, page)
    pk = page.pk if isinstance(page, Page) else None
    return fragment(
        "language-links",
        (request.get_host(), request.path, pk),
        lambda: _language_links(context, request, page),
    )


def _language_links(
    context: dict[str, Any], request: HttpRequest | None, page: Page | None
) -> list[dict[str, Any]]:
    if isinstance(page, Page) and page.pk:
        translations = _page_in_languages(request, page)
    else:
        translations = _view_in_languages(request)
    homes = context["frame"].homes
    current = get_language()
    links = []
    for code, name in settings.LANGUAGES:
        url = translations.get(code) or (homes[code].get_url(request) if code in homes else None)
        if url is None:
            continue
        links.append(
            {
                "code": code,
                "name": name,
                "url": url,
                "current": code == current,
                "is_translation": code in translations,
            }
        )
    return links


def _kept_query(request: HttpRequest | None) -> str:
    """The reader's query (a search, a currency) for the same page in another language; not a
    listing's page number, which the other language may not have."""
    if request is None:
        return ""
    query = request.GET.copy()
    query.pop("page", None)
    return f"?{query.urlencode()}" if query else ""


def _page_in_languages(request: HttpRequest | None, page: Page) -> dict[str, str]:
    query = _kept_query(request)
    translations = (
        Page.objects.live().filter(translation_key=page.translation_key).select_related("locale")
    )
    if getattr(request, "routable_resolver_match", None) is not None:
        # A sub-page (a tag, an author) is found again through each language's own page.
        translations = translations.specific()
    urls = {}
    for translation in translations:
        subpage = routed_in(request, page, translation)
        if subpage is not None:
            code = translation.locale.language_code
            urls[code] = translation.get_url(request) + subpage + query
    return urls


def _view_in_languages(request: HttpRequest | None) -> dict[str, str]:
    """A view of our own under the language prefix (support, reach) in every language;
    nothing for a Wagtail address that is no page (a 404), which no language may have."""
    match = getattr(request, "resolver_match", None)
    if request is None or match is None or match.url_name == "wagtail_serve":
        return {}
    query = _kept_query(request)
    return {code: translate_url(request.path, code) + query for code, _name in settings.LANGUAGES}


@register.simple_tag(takes_context=True)
def news_article_json_ld(context: dict[str, Any], article: Any) -> SafeString:
    """schema.org NewsArticle data for search engines, as a JSON data block (not a script)."""
    request = context.get("request")
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title,
        "description": article.standfirst,
        "inLanguage": article.locale.language_code,
        "datePublished": article.first_published_at.isoformat()
        if article.first_published_at
        else None,
        "dateModified": (
            article.updated_at or article.last_published_at or article.first_published_at
        ).isoformat()
        if article.first_published_at
        else None,
        "mainEntityOfPage": absolute_url(article.get_url(request)),
        "articleSection": article.section.title,
        "author": [{"@type": "Person", "name": author.name} for author in article.authors],
        "publisher": {"@type": "NewsMediaOrganization", "name": context["frame"].name},
        "isAccessibleForFree": True,
    }
    if article.share_image:
        data["image"] = [absolute_url(article.share_image.url)]
    # Escaping "<" keeps the JSON from closing the data block early, whatever the text says.
    text = json.dumps({k: v for k, v in data.items() if v is not None}, ensure_ascii=False)
    return mark_safe(text.replace("<", "\\u003c"))


@register.simple_tag(takes_context=True)
def current_section(context: dict[str, Any], page: Page | None) -> int | None:
    """The section of the navigation that a page is or is inside, to mark it there."""
    if not isinstance(page, Page):
        return None
    for section in context["frame"].sections:
        if page.path.startswith(section.path):
            return int(section.pk)
    return None


@register.simple_tag(takes_context=True)
def canonical_url(context: dict[str, Any]) -> str:
    """The page's address on the main site (not a mirror's), keeping only the listing page."""
    request = context["request"]
    url = absolute_url(request.path)
    number = page_number(request)
    return f"{url}?page={number}" if "page" in request.GET and number else url


@register.filter
def iso_datetime(value: datetime | None) -> str:
    """A machine-readable timestamp in the form HTML's <time> accepts (whole seconds)."""
    return value.replace(microsecond=0).isoformat() if value else ""


@register.filter
def absolute(url: str) -> str:
    return absolute_url(url)
