"""Background work of publishing, run by `tamizdat worker`."""

from __future__ import annotations

import io
import logging

from django.core.management import call_command
from django_tasks import task

logger = logging.getLogger(__name__)


@task()
def publish_scheduled_pages() -> None:
    """Publish the pages and snippets whose go-live time has come and unpublish the expired
    ones; the worker's clock queues this once a minute."""
    output = io.StringIO()
    call_command("publish_scheduled", stdout=output)
    if report := output.getvalue().strip():
        logger.info("Scheduled publishing: %s", " ".join(report.split()))
