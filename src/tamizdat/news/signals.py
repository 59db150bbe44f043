"""Purge cached reading pages whenever what readers see has changed."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete
from django.dispatch import receiver
from wagtail.signals import page_published, page_unpublished

from .caching import purge_urls


def _affected_urls(page: Any) -> list[str]:
    """The page itself and every listing above it (its section, the home page, their feeds)."""
    urls = []
    for ancestor in [page, *page.get_ancestors().live().specific()]:
        url = ancestor.get_full_url()
        if url:
            urls.extend([url, f"{url}feed.xml"])
    return urls


@receiver(page_published)
@receiver(page_unpublished)
def purge_on_publishing(sender: Any, instance: Any, **kwargs: Any) -> None:
    purge_urls(_affected_urls(instance))


@receiver(post_delete, sender="wagtailcore.Page")
def purge_on_delete(sender: Any, instance: Any, **kwargs: Any) -> None:
    purge_urls([])
