"""Lists of stories: the front page, the pages of a section, a tag or an author, and the pages
of search results."""

from __future__ import annotations

from typing import Any

from django.core.paginator import EmptyPage, Paginator
from django.db.models import F, QuerySet, Window
from django.db.models.functions import RowNumber, Substr
from django.http import Http404, HttpRequest
from taggit.models import Tag
from wagtail.models import Locale, Page

from tamizdat.web.page_cache import note_paginated, page_number

from .archive import NEWEST_FIRST, ArchivePage, archive_page
from .models import LEAD_RENDITIONS, ArticleAuthor, ArticlePage, ArticleTag, Author, SectionPage

ARTICLES_PER_PAGE = 12
LATEST_COUNT = 6
PER_SECTION_COUNT = 4


def front_page(home: Any) -> dict[str, Any]:
    """A lead story, the latest news and a short list per section."""
    articles = newest_first(ArticlePage.objects.live().descendant_of(home))
    newest = with_sections(articles[: LATEST_COUNT + 1])
    # Every section's newest stories in one query, however many sections there are: numbered
    # newest first within their section (the section's part of the tree path). Stories
    # already on top are not repeated in their section's list.
    section_path = Substr("path", 1, (home.depth + 1) * home.steplen)
    ranked = (
        articles.exclude(pk__in=[article.pk for article in newest])
        .annotate(
            section_path=section_path,
            rank=Window(
                RowNumber(), partition_by=section_path, order_by=F("first_published_at").desc()
            ),
        )
        .filter(rank__lte=PER_SECTION_COUNT)
    )
    by_section: dict[str, list[Any]] = {}
    for article in ranked:
        by_section.setdefault(article.section_path, []).append(article)
    section_lists = [
        {"section": section, "articles": by_section[section.path]}
        for section in SectionPage.objects.live().child_of(home)
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


def children(page: Page) -> QuerySet[Page]:
    """The page's children, by the range of their tree paths: Wagtail's `child_of` writes a
    LIKE, which SQLite cannot answer from an index."""
    last_child = page.path + Page.alphabet[-1] * Page.steplen
    return Page.objects.filter(depth=page.depth + 1, path__range=(page.path, last_child))


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
