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


@task()
def make_photo_sizes(article_id: int) -> None:
    """Make the sizes of a published story's photos that its pages show, so that no reader's
    request waits while an original is decoded: a web worker whose threads met new photos held
    several at once, and its memory peaked about 90 MiB above its usual. One size at a time
    here, so the worker holds one image at once."""
    from .models import ArticlePage

    article = ArticlePage.objects.filter(pk=article_id).first()
    for photo, specs in article.photos_shown() if article else []:
        for spec in specs:
            photo.get_renditions(spec)  # finds a size already made
