"""What a builder did to the database, kept as rows so that it can be done again in a moment.

Building the standard newsroom through Wagtail (pages published, indexed, referenced) takes
seconds, and most tests start from it. It is built once per run, right after the migrations;
what it changed (each table's rows deleted, updated and added) is kept here, and the database
goes back to its migrated state. A test asking for the newsroom gets those rows written back,
within its own transaction, in milliseconds: the same rows, keys and search entries it would
have built itself.

Only what Django's models keep is compared. SQLite's full-text table is no model table: the
triggers on Wagtail's index entries keep it up to date as the entries are written back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import connection, transaction

Rows = dict[str, tuple[str, list[str], dict[Any, tuple[Any, ...]]]]


@dataclass(frozen=True)
class TableChange:
    table: str
    key: str
    gone: list[Any]  # keys of the rows deleted or changed
    columns: list[str]
    rows: list[tuple[Any, ...]]  # the rows added or changed, as they are after the change


def _tables() -> list[tuple[str, str]]:
    """Each model table in the database with its primary key column."""
    with connection.cursor() as cursor:
        existing = set(connection.introspection.table_names(cursor, include_views=False))
        virtual = set()
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE sql LIKE 'CREATE VIRTUAL TABLE%'")
            virtual = {name for (name,) in cursor.fetchall()}
    tables = {}
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.managed and not meta.proxy and meta.db_table in existing - virtual:
            tables[meta.db_table] = meta.pk.column
    return sorted(tables.items())


def read() -> Rows:
    """Every row of every model table, by primary key."""
    rows: Rows = {}
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table, key in _tables():
            cursor.execute(f"SELECT * FROM {quote(table)}")
            columns = [column[0] for column in cursor.description]
            at = columns.index(key)
            rows[table] = (key, columns, {row[at]: tuple(row) for row in cursor.fetchall()})
    return rows


def change(before: Rows, after: Rows) -> list[TableChange]:
    """What turned `before` into `after`, table by table."""
    changes = []
    for table, (key, columns, now) in after.items():
        then = before[table][2]
        gone = [k for k, row in then.items() if now.get(k) != row]
        rows = [row for k, row in now.items() if then.get(k) != row]
        if gone or rows:
            changes.append(TableChange(table, key, gone, columns, rows))
    return changes


def apply(changes: list[TableChange]) -> None:
    """Make the change again. Foreign keys are checked when the transaction ends (Django
    declares them deferrable), so the order of the tables does not matter."""
    quote = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cursor:
        for table in changes:
            name = quote(table.table)
            if table.gone:
                marks = ", ".join(["%s"] * len(table.gone))
                cursor.execute(
                    f"DELETE FROM {name} WHERE {quote(table.key)} IN ({marks})",
                    table.gone,
                )
            if table.rows:
                columns = ", ".join(quote(column) for column in table.columns)
                marks = ", ".join(["%s"] * len(table.columns))
                cursor.executemany(
                    f"INSERT INTO {name} ({columns}) VALUES ({marks})",
                    table.rows,
                )
