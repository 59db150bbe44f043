"""'Read more': related articles, same section and shared tags first, then the most recent.

An article's relevance to another is the number of tags they share, plus one for being in the
same section; ties go to the newer. Ranking every article of a language that way on each view
would cost a scan of them all, paid again on every page's first view after any publish, and a
new story would reorder the lists of thousands of old ones at once. So each article's list is
chosen when it is published and kept (`ReadMore`): a page reads it in one query however large
the archive, and one publish changes a bounded number of lists:

- a published article's own list is chosen from the newest stories of its language (below);
- it joins the lists of the articles it chose, where it ranks among their best (relevance is
  mutual, so these are the articles it is most related to);
- an article unpublished or deleted leaves every list that names it, and those lists are
  chosen again without it.

Articles that have no list yet (written in bulk, or live before lists were kept) are chosen by
the worker a batch at a time, and meanwhile a page chooses its list as it is shown.

A list is chosen among the language's `CANDIDATES` newest stories, so that choosing costs
the same at any archive size (a few milliseconds): ranking every article sharing a tag took
13 ms an article at 10,000 articles and grew with the archive. What a reader reads more of is
then recent, as a news site's should be.
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Collection
from typing import Any, NamedTuple

from django.db import transaction
from django.db.models import TextField
from django.db.models.functions import Cast

RELATED_COUNT = 4

# How many of the newest stories of its language an article's list is chosen among.
CANDIDATES = 500


class Candidate(NamedTuple):
    pk: int
    path: str
    tags: frozenset[int]


# How long one run of the worker's job may spend choosing the lists that are missing.
FILL_SECONDS = 20


def related_articles(article: Any) -> list[Any]:
    """The stories the article's "Read more" shows, best first, with their photos."""
    from .context import any_private_page
    from .listings import cards
    from .models import ArticlePage, ReadMore

    stored = ReadMore.objects.filter(article_id=article.pk).values_list("entries", flat=True)
    entries = next(iter(stored), None)
    ids = [pk for pk, _ in (choose(article) if entries is None else entries)]
    pages = ArticlePage.objects.live()
    return cards(ids, pages.public() if any_private_page() else pages)


def choose(article: Any, excluding: Collection[int] = ()) -> list[list[int]]:
    """The `[page id, relevance]` of the article's best `RELATED_COUNT` stories among the
    `CANDIDATES` newest live ones of its language. (A private story may be among them; the
    page leaves it out when it shows the list.)"""
    return rank(article, candidates(article.locale_id, excluding))


def candidates(locale_id: int, excluding: Collection[int] = ()) -> list[Candidate]:
    """The newest live stories of a language, one more than an article chooses among (the
    article itself may be one of them), with their tags."""
    from .models import ArticlePage, ArticleTag

    newest = (
        ArticlePage.objects.live()
        .filter(locale_id=locale_id)
        .exclude(pk__in=excluding)
        .order_by("-first_published_at")
    )
    recent = list(newest.values_list("pk", "path")[: CANDIDATES + 1])
    tags: dict[int, set[int]] = {}
    rows = ArticleTag.objects.filter(content_object_id__in=newest.values("pk")[: CANDIDATES + 1])
    for pk, tag_id in rows.values_list("content_object_id", "tag_id"):
        tags.setdefault(pk, set()).add(tag_id)
    return [Candidate(pk, path, frozenset(tags.get(pk, ()))) for pk, path in recent]


def rank(article: Any, among: list[Candidate]) -> list[list[int]]:
    """The article's best `RELATED_COUNT` of `among` (newest first, so that a candidate's
    place breaks ties of relevance in favour of the newer), as `[page id, relevance]`."""
    section_path = article.path[: -article.steplen]
    tag_ids = {tag.pk for tag in article.tag_list if tag.pk is not None}
    others = [candidate for candidate in among if candidate.pk != article.pk][:CANDIDATES]
    scored = [
        (len(tag_ids & other.tags) + other.path.startswith(section_path), -place, other.pk)
        for place, other in enumerate(others)
    ]
    return [[pk, relevance] for relevance, _, pk in heapq.nlargest(RELATED_COUNT, scored)]


def published(article: Any) -> None:
    """Choose a published article's list, and put it in the lists of the articles it chose."""
    from .models import ReadMore

    with transaction.atomic():
        chosen = choose(article)
        ReadMore.objects.update_or_create(article_id=article.pk, defaults={"entries": chosen})
        for other_id, relevance in chosen:
            _join(other_id, article.pk, relevance)


def _join(owner_id: int, newcomer_id: int, relevance: int) -> None:
    """Rank `newcomer_id` into the kept list of `owner_id`, which keeps its best four."""
    from .models import ArticlePage, ReadMore

    row = ReadMore.objects.select_for_update().filter(article_id=owner_id).first()
    if row is None:
        return  # chosen whole, the newcomer among the candidates, when its turn comes
    entries = [entry for entry in row.entries if entry[0] != newcomer_id]
    entries.append([newcomer_id, relevance])
    dates = dict(
        ArticlePage.objects.live()
        .filter(pk__in=[pk for pk, _ in entries])
        .values_list("pk", "first_published_at")
    )
    ranked = sorted(
        (entry for entry in entries if entry[0] in dates),
        key=lambda entry: (entry[1], dates[entry[0]]),
        reverse=True,
    )[:RELATED_COUNT]
    if ranked != row.entries:
        row.entries = ranked
        row.save(update_fields=["entries"])


def withdrawn(article_id: int) -> None:
    """Take an article out of every list that names it, choosing those lists again without
    it: it was unpublished, or is being deleted."""
    from .models import ArticlePage, ReadMore

    # An entry is written `[id, relevance]`: its text finds the lists naming the article
    # without reading every list into Python.
    naming = (
        ReadMore.objects.exclude(article_id=article_id)
        .annotate(text=Cast("entries", TextField()))
        .filter(text__contains=f"[{article_id}, ")
    )
    owners = [
        owner
        for owner, entries in naming.values_list("article_id", "entries")
        if any(pk == article_id for pk, _ in entries)
    ]
    with transaction.atomic():
        for owner in ArticlePage.objects.live().filter(pk__in=owners):
            chosen = choose(owner, excluding=[article_id])
            ReadMore.objects.filter(article_id=owner.pk).update(entries=chosen)


def choose_missing(seconds: float | None = FILL_SECONDS) -> int:
    """Choose the lists of live articles that have none, for about `seconds` (None: all of
    them); how many."""
    from .models import ArticlePage, ReadMore

    deadline = time.monotonic() + (seconds if seconds is not None else float("inf"))
    missing = ArticlePage.objects.live().exclude(pk__in=ReadMore.objects.values("article_id"))
    done = 0
    while time.monotonic() < deadline:
        batch = list(missing.order_by("pk").defer_streamfields().prefetch_related("tags")[:500])
        if not batch:
            break
        # Every article of a language chooses among the same newest stories: read once.
        among = {locale: candidates(locale) for locale in {a.locale_id for a in batch}}
        ReadMore.objects.bulk_create(
            [ReadMore(article_id=a.pk, entries=rank(a, among[a.locale_id])) for a in batch],
            ignore_conflicts=True,
        )
        done += len(batch)
    return done
