"""Keep what readers see current when a page changes: "Read more" lists (`news.related`),
the sizes of its photos, and the cached reading pages.

A published or unpublished page changes the listings above it too (section, home, their
feeds): every cache drops them all. A deleted or moved page may have been anywhere, so every
page goes.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_delete
from django.dispatch import receiver
from wagtail.signals import page_published, page_unpublished, post_page_move

from tamizdat.web.page_cache import retire_frame
from tamizdat.web.purge import purge_every_page, purge_pages

from . import related, tasks
from .models import ArticlePage
from .photos import all_sizes_made


@receiver(page_published)
def choose_read_more(sender: Any, instance: Any, **kwargs: Any) -> None:
    # Connected before the purge, so the pages purged are made again with the new lists.
    if isinstance(instance, ArticlePage):
        related.published(instance)


@receiver(page_published)
def make_photo_sizes(sender: Any, instance: Any, **kwargs: Any) -> None:
    if isinstance(instance, ArticlePage) and not all_sizes_made(instance.photos_shown()):
        article_id = instance.pk
        transaction.on_commit(lambda: tasks.make_photo_sizes.enqueue(article_id))


@receiver(post_page_move)
def choose_read_more_after_move(sender: Any, instance: Any, **kwargs: Any) -> None:
    # A story moved to another section is related to others differently.
    if issubclass(sender, ArticlePage) and instance.live:
        related.published(instance.specific)


@receiver(page_unpublished)
@receiver(pre_delete, sender=ArticlePage)
def withdraw_from_read_more(sender: Any, instance: Any, **kwargs: Any) -> None:
    related.withdrawn(instance.pk)


@receiver(page_published)
@receiver(page_unpublished)
def purge_on_publishing(sender: Any, instance: Any, **kwargs: Any) -> None:
    if not issubclass(sender, ArticlePage):
        # A home or section page is in the frame of every page (the masthead, the notice,
        # the navigation, the section named on each card); a story is not.
        retire_frame()
    listings = instance.get_ancestors().live().filter(depth__gt=1).specific()
    purge_pages([instance, *listings])


@receiver(post_page_move)
def purge_on_move(sender: Any, instance: Any, **kwargs: Any) -> None:
    # Every address under the page changed, and the cards of its stories name another
    # section; the previous addresses are known to no cache's list of the page's own.
    purge_every_page()


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
