"""Campaigns, the goal, exchange rates and the contribution form's amounts are part of every
cached reading page: any change to them retires the cached pages, and what the prompts keep
cached with them.

A campaign is saved before its variants, sections and tags; the purge is repeated when the
transaction commits, so that nothing cached in between outlives the whole change.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from tamizdat.support.models import AmountSet
from tamizdat.web.purge import purge_every_page

from . import counters, goal
from .models import Campaign, CampaignVariant, ExchangeRate, FundingGoal


def purge() -> None:
    goal.forget_progress()
    counters.forget_arms()
    purge_every_page()


@receiver(post_save, sender=Campaign)
@receiver(post_delete, sender=Campaign)
@receiver(post_save, sender=CampaignVariant)
@receiver(post_delete, sender=CampaignVariant)
@receiver(post_save, sender=FundingGoal)
@receiver(post_save, sender=ExchangeRate)
@receiver(post_delete, sender=ExchangeRate)
@receiver(post_save, sender=AmountSet)
@receiver(post_delete, sender=AmountSet)
def purge_pages(sender: Any, **kwargs: Any) -> None:
    purge()
    transaction.on_commit(purge)
