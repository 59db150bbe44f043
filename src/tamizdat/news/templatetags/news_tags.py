"""Template helpers for the reading pages; each keeps a lookup out of the templates."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from django import template
from django.conf import settings
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from wagtail.models import Page

from ..caching import page_number

register = template.Library()


@register.simple_tag(takes_context=True)
def language_links(context: dict[str, Any], page: Page | None = None) -> list[dict[str, Any]]:
    """One link per language: the translation of this page where one is live, else that
    language's home page. The reader's own language comes first marked as current."""
    request = context.get("request")
    translations = {}
    if isinstance(page, Page) and page.pk:
        for translation in page.get_translations(inclusive=True).live().select_related("locale"):
            translations[translation.locale.language_code] = translation
    homes = context["frame"].homes
    current = get_language()
    links = []
    for code, name in settings.LANGUAGES:
        target = translations.get(code) or homes.get(code)
        if target is None:
            continue
        links.append(
            {
                "code": code,
                "name": name,
                "url": target.get_url(request),
                "current": code == current,
                "is_translation": code in translations,
            }
        )
    return links


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
        "mainEntityOfPage": article.get_full_url(request),
        "articleSection": article.section.title,
        "author": [{"@type": "Person", "name": author.name} for author in article.authors],
        "publisher": {"@type": "NewsMediaOrganization", "name": settings.WAGTAIL_SITE_NAME},
        "isAccessibleForFree": True,
    }
    if article.lead_image:
        rendition = article.lead_image.get_rendition("fill-1200x630")
        data["image"] = [request.build_absolute_uri(rendition.url) if request else rendition.url]
    # Escaping "<" keeps the JSON from closing the data block early, whatever the text says.
    text = json.dumps({k: v for k, v in data.items() if v is not None}, ensure_ascii=False)
    return mark_safe(text.replace("<", "\\u003c"))


@register.filter
def contains(section: Page, page: Page | None) -> bool:
    """Whether a page is this section or inside it, to mark the section in the navigation."""
    return isinstance(page, Page) and page.path.startswith(section.path)


@register.simple_tag(takes_context=True)
def canonical_url(context: dict[str, Any]) -> str:
    """The page's address on the main site (not a mirror's), keeping only the listing page."""
    request = context["request"]
    url = settings.BASE_URL + request.path
    number = page_number(request)
    return f"{url}?page={number}" if "page" in request.GET and number else url


@register.filter
def iso_datetime(value: datetime | None) -> str:
    """A machine-readable timestamp in the form HTML's <time> accepts (whole seconds)."""
    return value.replace(microsecond=0).isoformat() if value else ""


@register.filter
def absolute(path: str) -> str:
    return settings.BASE_URL + path
