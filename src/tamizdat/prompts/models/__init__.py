"""The prompts' models, one module per subject, importable from here as before."""

from .campaign import (
    BASE_ARM,
    MAX_VARIANTS,
    AmountsMixin,
    Campaign,
    CampaignTargetTag,
    CampaignVariant,
    default_currency,
)
from .counts import Event, EventCount
from .goal import ExchangeRate, FundingGoal

__all__ = [
    "BASE_ARM",
    "MAX_VARIANTS",
    "AmountsMixin",
    "Campaign",
    "CampaignTargetTag",
    "CampaignVariant",
    "Event",
    "EventCount",
    "ExchangeRate",
    "FundingGoal",
    "default_currency",
]
