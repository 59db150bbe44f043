"""Keeping translations in step with their source: the editor of a translated page is told when
the original in the default language was published again after the translation's last edit."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import cached_property
from wagtail.admin.panels import Panel
from wagtail.contrib.routable_page.models import RoutablePageMixin
from wagtail.models import Page


@dataclass(frozen=True)
class Staleness:
    source: Page
    source_changed_at: datetime.datetime
    translated_at: datetime.datetime | None


def staleness(page: Page) -> Staleness | None:
    """How far `page` lags behind its source, or None when it is the source or up to date."""
    if page.pk is None or page.locale.language_code == settings.LANGUAGE_CODE:
        return None
    source = page.get_translations().filter(locale__language_code=settings.LANGUAGE_CODE).first()
    if source is None or source.last_published_at is None:
        return None
    translated_at = page.latest_revision_created_at
    if translated_at is not None and translated_at >= source.last_published_at:
        return None
    return Staleness(source, source.last_published_at, translated_at)


class TranslationStatusPanel(Panel):
    """Shown on a translated page's edit form only while its source is newer."""

    class BoundPanel(Panel.BoundPanel):
        template_name = "news/admin/translation_status.html"

        @cached_property
        def staleness(self) -> Staleness | None:
            return staleness(self.instance) if isinstance(self.instance, Page) else None

        def is_shown(self) -> bool:
            return self.staleness is not None

        def get_context_data(self, parent_context: Any = None) -> dict[str, Any]:
            context = super().get_context_data(parent_context)
            context["staleness"] = self.staleness
            return context


def routed_in(request: HttpRequest | None, page: Page, translation: Page) -> str | None:
    """What follows `translation`'s address to show what the reader sees on `page`: "" for
    the page itself, "tags/…/" or "search/" for a sub-page; None where the other language has
    no such sub-page (an untranslated author, a tag none of its articles carry)."""
    from .models import ArticlePage, Author

    match = getattr(request, "routable_resolver_match", None)
    if match is None or not isinstance(translation, RoutablePageMixin):
        return ""
    kwargs = dict(match.kwargs)
    if match.url_name == "author":
        author = Author.objects.filter(locale=page.locale, slug=kwargs["slug"]).first()
        if author is None:
            return None
        there = Author.objects.filter(
            locale=translation.locale, translation_key=author.translation_key
        ).first()
        if there is None:
            return None
        kwargs["slug"] = there.slug
    if match.url_name == "tag":
        tagged = ArticlePage.objects.live().filter(
            locale=translation.locale, tags__slug=kwargs["slug"]
        )
        if not tagged.exists():
            return None
    return translation.reverse_subpage(match.url_name, args=match.args, kwargs=kwargs)


def bylines(article: Any) -> list[Any]:
    """The article's authors in its own language: a translated page names each author's
    translation where one exists, whichever copy the byline points at. A list of articles that
    prefetched its bylines (a feed) is answered from them, not with a query per article."""
    from .models import Author

    prefetched = "article_authors" in getattr(article, "_prefetched_objects_cache", {})
    rows = (
        article.article_authors.all()
        if prefetched
        else article.article_authors.select_related("author")
    )
    authors = [byline.author for byline in rows]
    if all(author.locale_id == article.locale_id for author in authors):
        return authors
    translations = {
        author.translation_key: author
        for author in Author.objects.filter(
            locale_id=article.locale_id,
            translation_key__in=[author.translation_key for author in authors],
        )
    }
    return [translations.get(author.translation_key, author) for author in authors]
