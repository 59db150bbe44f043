"""`tamizdat worker`: run background tasks (receipts, index updates) from the database queue."""

from __future__ import annotations

from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand


class Command(DatabaseWorkerCommand):
    help = "Run the background worker: receipts, e-mails and index updates queued in the database."

    def configure_logging(self, verbosity: int) -> None:
        # Below -v 2 the LOGGING setting decides: failed tasks are logged, each success is not.
        if verbosity >= 2:
            super().configure_logging(verbosity)
