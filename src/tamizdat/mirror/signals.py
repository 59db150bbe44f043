"""An address that changes (added, blocked, retired) changes every page that lists addresses:
the cached pages are retired at once, and the next copies are made with the new list."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from tamizdat.news.caching import purge_all

from .models import Address


@receiver(post_save, sender=Address)
@receiver(post_delete, sender=Address)
def addresses_changed(sender: Any, **kwargs: Any) -> None:
    purge_all()
    transaction.on_commit(purge_all)
