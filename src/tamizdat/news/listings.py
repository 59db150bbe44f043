"""The front page: a lead story, the latest news and a short list per section."""

from __future__ import annotations

from typing import Any

from django.db.models import F, Window
from django.db.models.functions import RowNumber, Substr

LATEST_COUNT = 6
PER_SECTION_COUNT = 4


def front_page(home: Any) -> dict[str, Any]:
    from .models import ArticlePage, SectionPage, newest_first, with_sections

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
