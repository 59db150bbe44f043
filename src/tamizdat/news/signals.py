"""Purge cached reading pages whenever what readers see has changed.

The local page cache is retired whole (see `caching`). A configured CDN is told about the changed
page by Wagtail's frontend-cache app; the listings above it (section, home, their feeds) are
added here, since a new story changes them too.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from wagtail.contrib.frontend_cache.utils import purge_pages_from_cache
from wagtail.signals import page_published, page_unpublished

from .caching import purge_all


@receiver(page_published)
@receiver(page_unpublished)
def purge_on_publishing(sender: Any, instance: Any, **kwargs: Any) -> None:
    purge_all()
    if settings.WAGTAILFRONTENDCACHE:
        purge_pages_from_cache(instance.get_ancestors().live().filter(depth__gt=1).specific())


@receiver(post_delete, sender="wagtailcore.Page")
def purge_on_delete(sender: Any, instance: Any, **kwargs: Any) -> None:
    purge_all()


@receiver(post_save, sender="wagtailcore.PageViewRestriction")
@receiver(post_delete, sender="wagtailcore.PageViewRestriction")
@receiver(post_save, sender="wagtailcore.Site")
@receiver(post_delete, sender="wagtailcore.Site")
def purge_on_privacy_or_site(sender: Any, **kwargs: Any) -> None:
    # A page made private must leave every cache at once, and routing keeps each process's
    # sites and restrictions until the next purge.
    purge_all()
