"""Full-text search on SQLite that stays fast at archive size: Wagtail's database backend, with
one ranked query where it ran one per matching article.

Wagtail's SQLite backend (`modelsearch`) filters the pages by the ids its FTS5 query matches,
then scores each page with a correlated subquery that runs the whole full-text match again: at
100,000 articles a common word took minutes. Here the database does it in one pass: FTS5 walks
its matches in rank order (bm25, a title word weighing `TITLE_WEIGHT` body words), each one
checked against the page query (live, in the reader's language) through the primary key, and
LIMIT/OFFSET give the page. Ranking every match of a word found in half the archive is still
the cost of the whole list, so a common word is ranked among its `RANKED_WINDOW` most recently
indexed matches, which come first; older ones follow, newest first. The count is one pass over
the matches that reads no text, and can stop at a limit (`count_up_to`).

Queries this does not cover (negations, no ranking, other fields) go through Wagtail's own code.
Configured as `WAGTAILSEARCH_BACKENDS` on SQLite (settings).
"""

from __future__ import annotations

from typing import Any

from django.db import connections
from django.db.models import Avg, F, Subquery
from django.db.models.expressions import RawSQL
from django.db.models.functions import Length
from django.db.models.sql import Query
from modelsearch.backends.database.sqlite.query import MatchExpression, normalize
from modelsearch.backends.database.sqlite.sqlite import (
    IndexEntry,
    SQLiteFTSIndexEntry,
    SQLiteIndex,
    SQLiteSearchBackend,
    SQLiteSearchQueryCompiler,
    SQLiteSearchResults,
)
from modelsearch.query import And, Or, Phrase, PlainText
from modelsearch.utils import get_descendants_content_types_pks

TITLE_WEIGHT = 5.0
# Matches ranked by relevance for a common word; past them, the rest newest first.
RANKED_WINDOW = 2000
# The entries whose titles stand for all of them when a page is indexed (`RankedIndex`).
LATEST_ENTRIES = 1000
# The page a match's index entry points at (object ids are stored as text).
ENTRY_PAGE = "CAST(entry.object_id AS INTEGER)"


class RankedQueryCompiler(SQLiteSearchQueryCompiler):
    newest_rows: list[int] | None = None

    def handled(self) -> bool:
        """Whether this is a plain ranked search of the index's title and body."""

        def plain(query: Any) -> bool:
            if isinstance(query, (PlainText, Phrase)):
                return True
            return isinstance(query, (And, Or)) and all(plain(q) for q in query.subqueries)

        return self.order_by_relevance and self.fields is None and plain(normalize(self.query))

    def sql(self) -> tuple[str, list[Any]]:
        """FROM and WHERE of the matches the queryset admits, and their parameters."""
        using = self.queryset.db
        match_sql, match_params = (
            Query(IndexEntry)
            .get_compiler(using=using)
            .compile(
                MatchExpression(
                    self.FTS_TABLE_FIELDS, self.build_search_query(normalize(self.query))
                )
            )
        )
        admitted = self.queryset.order_by().filter(pk=RawSQL(ENTRY_PAGE, ())).values("pk")
        admitted_sql, admitted_params = admitted.query.sql_with_params()
        types = get_descendants_content_types_pks(self.queryset.model)
        fts = SQLiteFTSIndexEntry._meta.db_table
        # CROSS JOIN keeps the full-text index outermost, as the only cheap way in.
        sql = (
            f"FROM {fts} CROSS JOIN {IndexEntry._meta.db_table} entry ON entry.id = {fts}.rowid "
            f"WHERE {match_sql} AND entry.content_type_id IN ({', '.join('%s' for _ in types)}) "
            f"AND EXISTS ({admitted_sql})"
        )
        return sql, [*match_params, *types, *admitted_params]

    def newest(self) -> list[int]:
        """The index rows of the `RANKED_WINDOW` most recently indexed matches, newest first:
        where ranking starts, and the count as far as they go. Read once per search, as the
        count and the page of results both need it."""
        if self.newest_rows is None:
            fts = SQLiteFTSIndexEntry._meta.db_table
            where, params = self.sql()
            cursor = connections[self.queryset.db].cursor()
            cursor.execute(
                f"SELECT {fts}.rowid {where} ORDER BY {fts}.rowid DESC LIMIT %s",
                [*params, RANKED_WINDOW],
            )
            self.newest_rows = [row[0] for row in cursor.fetchall()]
        return self.newest_rows

    def ids(self, start: int, stop: int | None) -> list[int]:
        """The ids of matches `start` to `stop`, best first."""
        fts = SQLiteFTSIndexEntry._meta.db_table
        where, params = self.sql()
        cursor = connections[self.queryset.db].cursor()
        newest = self.newest()
        limit = -1 if stop is None else stop - start
        if len(newest) < RANKED_WINDOW:  # fewer matches than the window: all of them ranked
            cursor.execute(
                f"SELECT {ENTRY_PAGE} {where} AND {fts}.rank MATCH %s "
                f"ORDER BY {fts}.rank LIMIT %s OFFSET %s",
                [*params, self.rank_function(), limit, start],
            )
            return [row[0] for row in cursor.fetchall()]
        threshold = newest[-1]
        found: list[int] = []
        if start < RANKED_WINDOW:
            cursor.execute(
                f"SELECT {ENTRY_PAGE} {where} AND {fts}.rowid >= %s AND {fts}.rank MATCH %s "
                f"ORDER BY {fts}.rank LIMIT %s OFFSET %s",
                [*params, threshold, self.rank_function(), limit, start],
            )
            found = [row[0] for row in cursor.fetchall()]
        if stop is None or stop > RANKED_WINDOW:
            older_start = max(0, start - RANKED_WINDOW)
            cursor.execute(
                f"SELECT {ENTRY_PAGE} {where} AND {fts}.rowid < %s "
                f"ORDER BY {fts}.rowid DESC LIMIT %s OFFSET %s",
                [
                    *params,
                    threshold,
                    -1 if stop is None else stop - RANKED_WINDOW - older_start,
                    older_start,
                ],
            )
            found += [row[0] for row in cursor.fetchall()]
        return found

    def rank_function(self) -> str:
        # Columns in the index's order: autocomplete (not searched here), body, title.
        return f"bm25(0.0, 1.0, {TITLE_WEIGHT})"

    def count(self, limit: int = -1) -> int:
        """The number of matches, or `limit` when there are as many or more (-1: all)."""
        newest = self.newest()
        if len(newest) < RANKED_WINDOW or 0 <= limit <= len(newest):
            return len(newest) if limit < 0 else min(len(newest), limit)
        where, params = self.sql()
        cursor = connections[self.queryset.db].cursor()
        cursor.execute(f"SELECT COUNT(*) FROM (SELECT 1 {where} LIMIT %s)", [*params, limit])
        return int(cursor.fetchone()[0])


class RankedResults(SQLiteSearchResults):
    query_compiler: RankedQueryCompiler

    def _do_search(self) -> list[Any]:
        if not self.query_compiler.handled():
            return super()._do_search()
        ids = self.query_compiler.ids(self.start, self.stop)
        objects = self.query_compiler.queryset.in_bulk(ids)
        return [objects[pk] for pk in ids if pk in objects]

    def _do_count(self) -> int:
        if not self.query_compiler.handled():
            return super()._do_count()
        return self.query_compiler.count()

    def count_up_to(self, limit: int) -> int:
        """The count, stopped at `limit` (`news.search.count_up_to`)."""
        if not self.query_compiler.handled():
            return min(self.count(), limit)
        return self.query_compiler.count(limit)


class RankedIndex(SQLiteIndex):
    """Wagtail's index, without two scans of the whole index on every update.

    After adding entries Wagtail works out the average title length of every entry and looks
    for the new ones by a column it has no index on: at 100,000 articles 0.7 s a saved page,
    three times a publish, with the database locked for writing. Here the average is that of
    the latest entries, and the new ones are looked for among them; `update_index` still
    works them out over the whole index. (The titles' weight in this module's own ranking is
    bm25's, not this.)"""

    added = 0

    def add_items(self, model: Any, objs: Any) -> None:
        self.added = len(objs)
        super().add_items(model, objs)

    def _refresh_title_norms(self, full: bool = False) -> None:
        if full:
            super()._refresh_title_norms(full=True)
            return
        latest = self.entries.order_by("-pk").values("pk")[: max(LATEST_ENTRIES, self.added)]
        recent = self.entries.filter(pk__in=Subquery(latest))
        average = (
            recent.annotate(length=Length("title"))
            .filter(length__gt=0)
            .aggregate(average=Avg("length"))["average"]
        )
        if average:
            recent.filter(title_norm=1.0).annotate(length=Length("title")).filter(
                length__gt=0
            ).update(title_norm=average / F("length"))


class SearchBackend(SQLiteSearchBackend):
    query_compiler_class = RankedQueryCompiler
    results_class = RankedResults
    index_class = RankedIndex
