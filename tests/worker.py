"""The background worker as tests drive it: tasks wait in the database as in production, and
the test runs the worker's passes and moves the clock of the tasks waiting for later."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult


@pytest.fixture
def queued(settings):
    """Tasks wait in the database until the worker runs, as in production."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def run_worker() -> None:
    """One pass of the worker over what is due."""
    call_command("worker", batch=True, startup_delay=False, reload=False, verbosity=0)


def let_time_pass() -> list[timedelta]:
    """Make the tasks waiting for a later time due now; returns the waits they asked for."""
    waiting = DBTaskResult.objects.filter(status=TaskResultStatus.READY)
    waits = [result.run_after - result.enqueued_at for result in waiting]
    waiting.update(run_after=timezone.now())
    return waits
