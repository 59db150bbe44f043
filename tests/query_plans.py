"""What SQLite plans to do for the queries a block of code runs: the tests that a page or a
command reads through indexes, not every row of a table."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection


@contextmanager
def reads_of(table: str) -> Iterator[list[tuple[str, Any]]]:
    """The SELECT statements that name `table` while the block runs, with their parameters."""
    statements: list[tuple[str, Any]] = []

    def kept(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if sql.startswith("SELECT") and f'"{table}"' in sql:
            statements.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(kept):
        yield statements


def plan(sql: str, params: Any) -> list[str]:
    """The steps of SQLite's plan for the statement."""
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return [row[3] for row in cursor.fetchall()]
