"""Readers' search: each database's own full-text index, ranked in one query (`sqlite`,
`postgres`), and a count that stops once it is past what a reader pages through.

Counting every match of a common word is most of a search's cost in a large archive (at
100,000 articles, "people" is in half of them), and a reader never reads a thousand results:
they add a word. So, as large sites do, the page says "more than 1,000" and offers the pages
of the first thousand, each found by the ranked query.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.core.paginator import Paginator

# The matches a search counts and pages through at most.
MAX_COUNTED = 1000


def count_up_to(results: Any, limit: int) -> int:
    """The number of results, or `limit` when there are that many or more. The database
    backends stop counting there; a search server counts everything quickly (and caps its
    own count), so its count is just cut."""
    if hasattr(results, "count_up_to"):
        return int(results.count_up_to(limit))
    return min(results.count(), limit)


class SearchPaginator(Paginator):
    """Pages of search results, of the first `MAX_COUNTED` matches at most."""

    @cached_property
    def counted(self) -> int:
        return count_up_to(self.object_list, MAX_COUNTED + 1)

    @cached_property
    def count(self) -> int:
        return min(self.counted, MAX_COUNTED)

    @property
    def more(self) -> bool:
        """Whether there are matches past those counted."""
        return self.counted > MAX_COUNTED
