"""Lists of stories: the front page, the pages of a section, a tag or an author, and the pages
of search results."""

from __future__ import annotations

from typing import Any

from django.core.paginator import EmptyPage, Paginator
from django.db.models import F, Window
from django.db.models.functions import RowNumber, Substr
from django.http import Http404, HttpRequest
from wagtail.models import Page

from tamizdat.web.page_cache import note_paginated, page_number

from .archive import ArchivePage, archive_page
from .models import LEAD_RENDITIONS, ArticlePage, SectionPage

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
    return (
        articles.order_by("-first_published_at")
        .select_related("lead_image")
        .prefetch_related(LEAD_RENDITIONS)
        .defer_streamfields()
    )


def listing_page(request: HttpRequest, articles: Any) -> ArchivePage:
    """One page of a section's, a tag's or an author's stories (see `archive`)."""
    page = archive_page(request, newest_first(articles), ARTICLES_PER_PAGE)
    page.object_list = with_sections(page.object_list)
    return page


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
