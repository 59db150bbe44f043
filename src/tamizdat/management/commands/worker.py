"""`tamizdat worker`: run background tasks (receipts, index updates) from the database queue."""

from __future__ import annotations

from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand


class Command(DatabaseWorkerCommand):
    help = "Run the background worker: receipts, e-mails and index updates queued in the database."
