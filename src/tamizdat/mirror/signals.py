"""What readers see changed, so the copies must change too.

An address that changes (added, blocked, retired) changes every page that lists addresses:
the cached pages are retired at once, and a new copy is asked for (every copy makes its list
of addresses again). A page published, unpublished or moved, or an author or a tag edited, asks
for an up-to-date copy; a campaign, which shows on every page, asks for a whole one.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from taggit.models import Tag
from wagtail.signals import page_published, page_unpublished, post_page_move

from tamizdat.news.models import Author
from tamizdat.prompts.models import Campaign, CampaignVariant
from tamizdat.web.purge import purge_every_page

from .models import Address
from .tasks import request_copy


@receiver(post_save, sender=Address)
@receiver(post_delete, sender=Address)
def addresses_changed(sender: Any, **kwargs: Any) -> None:
    purge_every_page()
    transaction.on_commit(purge_every_page)
    request_copy()


@receiver(post_save, sender=Campaign)
@receiver(post_delete, sender=Campaign)
@receiver(post_save, sender=CampaignVariant)
@receiver(post_delete, sender=CampaignVariant)
def campaigns_changed(sender: Any, **kwargs: Any) -> None:
    request_copy(full=True)


@receiver(post_save, sender=Author)
@receiver(post_delete, sender=Author)
@receiver(post_save, sender=Tag)
@receiver(post_delete, sender=Tag)
@receiver(page_published)
@receiver(page_unpublished)
@receiver(post_page_move)
@receiver(post_delete, sender="wagtailcore.Page")
def pages_changed(sender: Any, **kwargs: Any) -> None:
    request_copy()
