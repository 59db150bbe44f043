"""Newsletters are on cached reading pages (the sign-up form) and sent issues on the archive:
a change retires the cached pages."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from tamizdat.web.purge import purge_every_page

from .models import Newsletter


def purge() -> None:
    purge_every_page()


@receiver(post_save, sender=Newsletter)
@receiver(post_delete, sender=Newsletter)
def purge_pages(sender: Any, **kwargs: Any) -> None:
    purge()
