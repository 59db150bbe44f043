"""'Read more': related articles, same section and shared tags first, then the most recent."""

from __future__ import annotations

from typing import Any

from django.db.models import Case, Count, F, IntegerField, Q, Value, When

RELATED_COUNT = 4


def related_articles(article: Any, count: int = RELATED_COUNT) -> list[Any]:
    from .models import ArticlePage, with_sections

    section_path = article.path[: -article.steplen]
    # `all()` rather than a query: a preview's article is unsaved, its tags held in memory.
    tag_ids = [tag.pk for tag in article.tags.all() if tag.pk is not None]
    candidates = (
        ArticlePage.objects.live()
        .filter(locale_id=article.locale_id)
        .exclude(pk=article.pk)
        .annotate(
            # With no tags, an empty IN would make the whole relevance zero, section and all.
            shared_tags=Count("tagged_items", filter=Q(tagged_items__tag_id__in=tag_ids))
            if tag_ids
            else Value(0),
            same_section=Case(
                When(path__startswith=section_path, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            ),
        )
        # Being in the same section weighs as much as one shared tag.
        .annotate(relevance=F("shared_tags") + F("same_section"))
        .order_by("-relevance", "-first_published_at")
        .select_related("lead_image")
        .defer_streamfields()
    )
    return with_sections(candidates[:count])
