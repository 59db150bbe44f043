"""Lists of stories: the front page, the pages of a section, a tag or an author, and the pages
of search results."""

from __future__ import annotations

from typing import Any

from django.core.paginator import EmptyPage, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from taggit.models import Tag
from wagtail.models import Locale, Page

from tamizdat.web.page_cache import note_paginated, page_number

from .archive import NEWEST_FIRST, ArchivePage, archive_page
from .models import LEAD_RENDITIONS, ArticleAuthor, ArticlePage, ArticleTag, Author
from .routing import children

ARTICLES_PER_PAGE = 12
LATEST_COUNT = 6
PER_SECTION_COUNT = 4
# How many of a language's newest stories the front page's section lists are chosen among.
RECENT = 500


def front_page(home: Any) -> dict[str, Any]:
    """A lead story, the latest news and a short list per section."""
    articles = newest_first(ArticlePage.objects.live().descendant_of(home))
    newest = with_sections(articles[: LATEST_COUNT + 1])
    shown = [article.pk for article in newest]
    # Kept with the frame: a query for them read every page of the tree's index.
    sections = [section for section in home.kept_children().values() if section.live]
    section_length = (home.depth + 1) * home.steplen
    # Every section's newest stories, found among the language's newest (read from the index
    # of publishing dates, newest first, as far as `RECENT`) rather than by sorting the whole
    # archive (a window over every story took 1.2 s at 100,000). A section with fewer among
    # them, rarely written for, gets its own newest from the index of its part of the page
    # tree. Stories already on top are not repeated in their section's list.
    recent = list(
        Page.objects.live()
        .descendant_of(home)
        .filter(depth=home.depth + 2)
        .exclude(pk__in=shown)
        .order_by(*NEWEST_FIRST)
        .values_list("pk", "path")[:RECENT]
    )
    picked: dict[str, list[int]] = {}
    for pk, path in recent:
        ids = picked.setdefault(path[:section_length], [])
        if len(ids) < PER_SECTION_COUNT:
            ids.append(pk)
    if len(recent) == RECENT:
        for section in sections:
            if len(picked.get(section.path, ())) < PER_SECTION_COUNT:
                newest_there = section_stories(section).exclude(pk__in=shown)
                picked[section.path] = list(
                    newest_there.order_by(*NEWEST_FIRST).values_list("pk", flat=True)[
                        :PER_SECTION_COUNT
                    ]
                )
    by_section: dict[str, list[Any]] = {}
    chosen = [pk for ids in picked.values() for pk in ids]
    for article in newest_first(ArticlePage.objects.filter(pk__in=chosen)):
        by_section.setdefault(article.path[:section_length], []).append(article)
    section_lists = [
        {"section": section, "articles": by_section[section.path]}
        for section in sections
        if section.path in by_section
    ]
    return {
        "lead": newest[0] if newest else None,
        "latest": newest[1:],
        "section_lists": section_lists,
    }


def newest_first(articles: Any) -> Any:
    return for_cards(articles.order_by(*NEWEST_FIRST))


def for_cards(articles: Any) -> Any:
    """What a story's card shows, without the body."""
    return (
        articles.select_related("lead_image").prefetch_related(LEAD_RENDITIONS).defer_streamfields()
    )


def cards(ids: list[int], among: Any = None) -> list[ArticlePage]:
    """The stories with these ids (those of them in `among`), in this order, ready for their
    cards: one query for the stories, one for their photos' renditions, one for sections."""
    found = for_cards(ArticlePage.objects.all() if among is None else among).in_bulk(ids)
    return with_sections(found[pk] for pk in ids if pk in found)


# A listing's stories are counted and ordered as rows of the page table, read through indexes
# (migration news 0004), rather than joined to the story's own table, whose rows carry the body.


def section_stories(section: Page) -> QuerySet[Page]:
    return children(section).filter(live=True)


def tagged_stories(tag: Tag, locale: Locale) -> QuerySet[Page]:
    tagged = ArticleTag.objects.filter(tag=tag).values("content_object_id")
    return Page.objects.live().filter(locale=locale, pk__in=tagged)


def stories_by(author: Author, locale: Locale) -> QuerySet[Page]:
    """The author's stories in this language, under their byline in any language's entry."""
    bylines = ArticleAuthor.objects.filter(author__translation_key=author.translation_key)
    return Page.objects.live().filter(locale=locale, pk__in=bylines.values("article_id"))


def listing_page(request: HttpRequest, stories: QuerySet[Page]) -> ArchivePage:
    """One page of a section's, a tag's or an author's stories (see `archive`)."""
    return archive_page(request, stories, ARTICLES_PER_PAGE, cards)


def paginate(request: HttpRequest, items: Any, paginator_class: type[Paginator] = Paginator) -> Any:
    """One page of search results; an unknown or oddly written page number ("01") is a 404, not an
    error, a silent page 1 or another copy of a page in the page cache."""
    number = page_number(request)
    if number is None:
        raise Http404
    note_paginated()
    paginator = paginator_class(items, ARTICLES_PER_PAGE)
    try:
        page = paginator.page(number)
    except EmptyPage as error:
        raise Http404 from error
    page.object_list = with_sections(page.object_list)
    return page


def with_sections(articles: Any) -> list[ArticlePage]:
    """The articles, each knowing its section, found in one query rather than one per card."""
    articles = list(articles)
    parent_paths = {article.path[: -article.steplen] for article in articles}
    parents = {page.path: page for page in Page.objects.filter(path__in=parent_paths)}
    for article in articles:
        article.section = parents[article.path[: -article.steplen]]
    return articles
