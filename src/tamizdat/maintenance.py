"""Upkeep of the database, run hourly by the worker's clock: finished task records are deleted
after `TASK_RESULTS_DAYS`, and on SQLite the planner's statistics are refreshed and the
write-ahead log is checkpointed and cut back.

Without statistics SQLite picks indexes blind, and at archive size the queries every page runs
(the home page's, the section menu's) read the whole page table. SQLite's advice for
connections as short as a request is a `PRAGMA optimize` as each one closes; it costs little,
but it is paid on every request, and now and then one reader waits for a whole table's
analysis. Statistics only go stale when a table grows several times over, which takes far
longer than an hour, except in a bulk import, which refreshes them itself when it ends.

Every publish leaves a few finished task rows behind (index updates); kept for ever they grow
without bound. SQLite checkpoints its log as it goes, but not while readers hold an old view of
the database, so on a busy site the log can outgrow the database; a full checkpoint once an
hour, which waits briefly for readers, keeps it bounded.
"""

from __future__ import annotations

import io
import logging
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django_tasks import task, task_backends
from django_tasks_db.backend import DatabaseBackend

logger = logging.getLogger(__name__)

# How long the checkpoint waits for readers and the writer before giving up until next time.
CHECKPOINT_BUSY_MILLISECONDS = 1000


@task()
def maintain_database() -> None:
    if isinstance(task_backends["default"], DatabaseBackend):
        output = io.StringIO()
        call_command(
            "prune_db_task_results",
            min_age_days=settings.TASK_RESULTS_DAYS,
            queue_name="*",
            stdout=output,
            stderr=output,
        )
    if connection.vendor != "sqlite":
        return  # PostgreSQL's autovacuum keeps its statistics and its log
    refresh_statistics()
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA busy_timeout={CHECKPOINT_BUSY_MILLISECONDS}")
        try:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            busy, log_pages, _ = cursor.fetchone()
        finally:
            cursor.execute("PRAGMA busy_timeout=5000")
    if busy:
        logger.info("Database busy: its log (%s pages) is checkpointed next hour", log_pages)


def refresh_statistics() -> None:
    """On SQLite, statistics for every table that has none, and fresh ones where they are
    stale; the analysis reads whole tables (a fraction of a second at 100,000 articles): a
    sampled one (`analysis_limit`) misled the planner into reading the home page's stories by
    path. SQLite's own `PRAGMA optimize` is not asked: before 3.46 it looks only at the tables
    its connection queried, so from the worker it left a page table grown from 77 rows to
    100,000 with the statistics of 77, and every listing scanned it."""
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        for table in unanalysed_tables(cursor) + stale_tables(cursor):
            cursor.execute(f'ANALYZE "{table}"')


# Statistics are refreshed once a table has this many times more or fewer rows than they say.
STALE_FACTOR = 2


def stale_tables(cursor: Any) -> list[str]:
    """Tables whose row count has moved `STALE_FACTOR` times away from their statistics'."""
    cursor.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")
    if not cursor.fetchone():
        return []
    # Each index's statistics begin with the table's row count as SQLite last counted it.
    cursor.execute("SELECT tbl, max(CAST(stat AS INTEGER)) FROM sqlite_stat1 GROUP BY tbl")
    counted = cursor.fetchall()
    stale = []
    for table, rows in counted:
        cursor.execute(f'SELECT count(*) FROM "{table}"')
        (now,) = cursor.fetchone()
        if max(now, 1) > STALE_FACTOR * max(rows, 1) or max(rows, 1) > STALE_FACTOR * max(now, 1):
            stale.append(table)
    return stale


def unanalysed_tables(cursor: Any) -> list[str]:
    """Tables with indexes and rows but no statistics."""
    cursor.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")
    analysed: set[str] = set()
    if cursor.fetchone():
        cursor.execute("SELECT DISTINCT tbl FROM sqlite_stat1")
        analysed = {row[0] for row in cursor.fetchall()}
    cursor.execute(
        "SELECT DISTINCT tbl_name FROM sqlite_master WHERE type = 'index' "
        "AND tbl_name NOT LIKE 'sqlite_%'"
    )
    tables = [row[0] for row in cursor.fetchall() if row[0] not in analysed]
    found = []
    for table in tables:
        cursor.execute(f'SELECT 1 FROM "{table}" LIMIT 1')
        if cursor.fetchone():
            found.append(table)
    return found
