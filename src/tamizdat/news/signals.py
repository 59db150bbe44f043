"""Purge cached reading pages whenever what readers see has changed.

A published or unpublished page changes the listings above it too (section, home, their
feeds): every cache drops them all. A deleted page may have been anywhere, so every page goes.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from wagtail.signals import page_published, page_unpublished

from tamizdat.web.purge import purge_every_page, purge_pages


@receiver(page_published)
@receiver(page_unpublished)
def purge_on_publishing(sender: Any, instance: Any, **kwargs: Any) -> None:
    listings = instance.get_ancestors().live().filter(depth__gt=1).specific()
    purge_pages([instance, *listings])


@receiver(post_delete, sender="wagtailcore.Page")
def purge_on_delete(sender: Any, instance: Any, **kwargs: Any) -> None:
    purge_every_page()


@receiver(post_save, sender="wagtailcore.PageViewRestriction")
@receiver(post_delete, sender="wagtailcore.PageViewRestriction")
@receiver(post_save, sender="wagtailcore.Site")
@receiver(post_delete, sender="wagtailcore.Site")
@receiver(post_save, sender="taggit.Tag")
@receiver(post_delete, sender="taggit.Tag")
def purge_on_privacy_site_or_tag(sender: Any, **kwargs: Any) -> None:
    # A page made private must leave every cache at once, and routing keeps each process's
    # sites and restrictions until the next purge. A tag renamed or deleted is named on every
    # story that carries it, in its tag page and in the tag lists of any listing.
    purge_every_page()
