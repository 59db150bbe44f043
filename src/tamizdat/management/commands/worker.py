"""`tamizdat worker`: run background tasks (receipts, index updates) from the database queue,
and queue the periodic jobs (scheduled publishing) on the clock."""

from __future__ import annotations

import threading
from typing import Any

from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand

from tamizdat import clock


class Command(DatabaseWorkerCommand):
    help = (
        "Run the background worker: receipts, e-mails, index updates and scheduled publishing "
        "queued in the database."
    )

    def configure_logging(self, verbosity: int) -> None:
        # Below -v 2 the LOGGING setting decides: failed tasks are logged, each success is not.
        if verbosity >= 2:
            super().configure_logging(verbosity)

    def handle(self, *args: Any, batch: bool, **options: Any) -> None:
        if batch:
            # One pass over what is due, as a cron job or a test would run it.
            clock.run_due()
            super().handle(*args, batch=batch, **options)
            return
        stopped = threading.Event()
        clock.start(stopped)
        try:
            super().handle(*args, batch=batch, **options)
        finally:
            stopped.set()
