"""The front page: a lead story, the latest news and a short list per section."""

from __future__ import annotations

from typing import Any

LATEST_COUNT = 6
PER_SECTION_COUNT = 4


def front_page(home: Any) -> dict[str, Any]:
    from .models import ArticlePage, SectionPage, newest_first, with_sections

    articles = newest_first(ArticlePage.objects.live().descendant_of(home))
    newest = with_sections(articles[: LATEST_COUNT + 1])
    shown = {article.pk for article in newest}
    section_lists = []
    for section in SectionPage.objects.live().child_of(home):
        # Stories already on top are not repeated in their section's list.
        items = list(articles.child_of(section).exclude(pk__in=shown)[:PER_SECTION_COUNT])
        if items:
            section_lists.append({"section": section, "articles": items})
    return {
        "lead": newest[0] if newest else None,
        "latest": newest[1:],
        "section_lists": section_lists,
    }
