"""The pages of a listing (a section, a tag, an author), numbered from its oldest story.

The listing's own address shows its newest stories. The stories before them are kept on archive
pages of the same size, numbered from the oldest: `?page=1` holds the oldest stories, and only
the newest archive page may be partly full. A publish therefore changes the first page and the
newest archive page (and, every so many stories, starts the next one): every older page keeps
showing the same stories under the same address. A link to an archive page stays true, and the
static copies, which render again only the pages a publish changed, stay small to update. (Pages
numbered from the newest would all shift by one story with every publish.)

The search results, ranked by relevance for one query, keep Django's pages (`listings.paginate`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils import formats, timezone
from django.utils.encoding import escape_uri_path

from tamizdat.web.page_cache import note_paginated, page_number

# The id breaks ties, so that stories published in the same instant (an import) keep their
# places from one page to the next.
NEWEST_FIRST = ("-first_published_at", "-pk")
OLDEST_FIRST = ("first_published_at", "pk")


@dataclass
class ArchivePage:
    """One page of a listing; `number` is None for the listing's own address."""

    object_list: list[Any]
    path: str
    number: int | None
    archive_pages: int
    is_archive = True

    def __iter__(self) -> Iterator[Any]:
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)

    @property
    def has_other_pages(self) -> bool:
        return self.archive_pages > 0

    @property
    def newer_url(self) -> str | None:
        if self.number is None:
            return None
        return self.path if self.number == self.archive_pages else f"?page={self.number + 1}"

    @property
    def older_url(self) -> str | None:
        if self.number is None:
            return f"?page={self.archive_pages}" if self.archive_pages else None
        return f"?page={self.number - 1}" if self.number > 1 else None

    @property
    def span(self) -> str:
        """The days of the page's oldest and newest stories: what its number cannot say."""
        days = [
            formats.date_format(timezone.localtime(article.first_published_at), "j E Y")
            for article in (self.object_list[-1], self.object_list[0])
        ]
        return days[0] if days[0] == days[1] else " – ".join(days)


def archive_page(
    request: HttpRequest,
    stories: QuerySet[Any],
    per_page: int,
    fetch: Callable[[list[int]], list[Any]],
) -> ArchivePage:
    """The page of `stories` (a query of pages) that the request asks for, its stories read by
    `fetch` from their ids; a page the listing does not have, or a number written another way
    than the site's links write it, is a 404."""
    note_paginated()
    total = stories.count()
    archive_pages = max(0, (total - 1) // per_page)
    if "page" not in request.GET:
        number, start, end = None, 0, per_page
    else:
        number = page_number(request)
        if number is None or number > archive_pages:
            raise Http404
        # Counted from the oldest story: this page holds stories number (n-1)·size to
        # n·size - 1, but none of those the first page shows.
        start = total - min(number * per_page, total - per_page)
        end = total - (number - 1) * per_page
    return ArchivePage(
        object_list=fetch(_ids(stories, start, min(end, total), total)),
        # Written as the site's own links write it (a Russian tag's slug percent-encoded), so
        # that the copy knows the two for one address.
        path=escape_uri_path(request.path),
        number=number,
        archive_pages=archive_pages,
    )


def _ids(stories: QuerySet[Any], start: int, end: int, total: int) -> list[int]:
    """The ids of the stories `start` to `end` counted from the newest, read from the nearer
    end of the listing: a database steps over every row before an offset, and the oldest
    archive pages are read as often as the newest (by crawlers and the static copies)."""
    if start <= total - end:
        newest = stories.order_by(*NEWEST_FIRST).values_list("pk", flat=True)
        return list(newest[start:end])
    oldest = stories.order_by(*OLDEST_FIRST).values_list("pk", flat=True)
    return list(oldest[total - end : total - start])[::-1]
