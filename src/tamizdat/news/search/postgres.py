"""Full-text search on PostgreSQL: Wagtail's PostgreSQL backend (a tsvector per page, title
words weighing more, matched through its GIN index and ranked by `ts_rank`), with what
readers' search needs of it here.

- Words match as they are written, in any script, as on SQLite: the text search
  configuration is `simple`, where the server's default (often `english`) would stem Russian
  stories as English and drop English stop words from every query.
- The count stops at a limit (`news.search.count_up_to`) and ranks nothing: Wagtail's count
  keeps the ranking, which PostgreSQL then works out for every match.

Configured as `WAGTAILSEARCH_BACKENDS` on PostgreSQL (`tamizdat.environment`); importable on
PostgreSQL only, as Wagtail's module is.
"""

from __future__ import annotations

from typing import Any

from modelsearch.backends.database.postgres.postgres import (
    PostgresSearchBackend,
    PostgresSearchResults,
)

SEARCH_CONFIG = "simple"


class CountedResults(PostgresSearchResults):
    def count_up_to(self, limit: int) -> int:
        return int(self.get_queryset().order_by()[:limit].count())


class SearchBackend(PostgresSearchBackend):
    results_class = CountedResults

    def __init__(self, params: dict[str, Any]) -> None:
        super().__init__({"SEARCH_CONFIG": SEARCH_CONFIG, **params})
