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


@task()
def choose_missing_read_more() -> None:
    """Choose the "Read more" lists of live articles that have none (written in bulk, or live
    before lists were kept), a batch at a time; the worker's clock queues this every minute."""
    from .related import choose_missing

    if chosen := choose_missing():
        logger.info("Chose the Read more lists of %s articles", chosen)
