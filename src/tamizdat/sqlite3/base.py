"""Django's SQLite backend, keeping the statistics its query planner needs.

Without statistics SQLite picks indexes blind, and at archive size the queries every page runs
(the home page's, the section menu's) read the whole page table. SQLite's advice for
connections that live as briefly as a request: run `PRAGMA optimize` as each one closes. It
analyses only what this connection's queries would have gained from, and only when the
statistics are missing or stale (the table grew tenfold), so it usually costs nothing; the
analysis itself reads the whole table (a fraction of a second at 100,000 articles): a sampled
one (`analysis_limit`) misled the planner into reading the home page's stories by path.
"""

from __future__ import annotations

import sqlite3

from django.db.backends.sqlite3 import base

# A writer may hold the lock; a closing connection does not wait long for it.
OPTIMIZE_BUSY_MILLISECONDS = 50


class DatabaseWrapper(base.DatabaseWrapper):
    def close(self) -> None:
        if self.connection is not None and not self.in_atomic_block:
            try:
                self.connection.execute(f"PRAGMA busy_timeout={OPTIMIZE_BUSY_MILLISECONDS}")
                self.connection.execute("PRAGMA optimize")
            except sqlite3.Error:
                pass  # busy: the next connection to close analyses instead
        super().close()
