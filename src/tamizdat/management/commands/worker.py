"""`tamizdat worker`: run background tasks (receipts, index updates) from the database queue,
and queue the periodic jobs (scheduled publishing) on the clock."""

from __future__ import annotations

import threading
from typing import Any

from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand

from tamizdat import clock, leases


class Command(DatabaseWorkerCommand):
    help = (
        "Run the background worker: receipts, e-mails, index updates and scheduled publishing "
        "queued in the database."
    )

    def configure_logging(self, verbosity: int) -> None:
        # Below -v 2 the LOGGING setting decides: failed tasks are logged, each success is not.
        if verbosity >= 2:
            super().configure_logging(verbosity)

    def handle(self, *args: Any, batch: bool, worker_id: str, **options: Any) -> None:
        leases.beat(worker_id)  # before the first task, which the worker claims at once
        leases.requeue_abandoned()
        if batch:
            # One pass over what is due, as a cron job or a test would run it.
            clock.run_due()
            super().handle(*args, batch=batch, worker_id=worker_id, **options)
            return
        stopped = threading.Event()
        clock.start(stopped)
        leases.start(worker_id, stopped)
        try:
            super().handle(*args, batch=batch, worker_id=worker_id, **options)
        finally:
            stopped.set()
