"""Campaigns, goals and exchange rates in the test database."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from wagtail.models import Locale

from tamizdat.prompts.models import Campaign, CampaignVariant, ExchangeRate, FundingGoal

BANNER_TEXT = (
    "<p>We switched off ads on {ads_off_since}. Running the newsroom costs {monthly_cost} a "
    "month; readers like you fill the gap.</p>"
)


def campaign(
    language: str = "en", *, variants: tuple[dict[str, Any], ...] = (), **fields: Any
) -> Campaign:
    values: dict[str, Any] = {
        "name": "Spring drive",
        "headline": "Enjoying ad-free content?",
        "body": BANNER_TEXT,
        "appeal_body": "<p>Independent journalism in exile depends on its readers.</p>",
        "live": True,
    }
    values.update(fields)
    sections = values.pop("sections", ())
    tags = values.pop("tags", ())
    created = Campaign(locale=Locale.objects.get(language_code=language), **values)
    created.variants = [CampaignVariant(**variant) for variant in variants]
    created.save()
    if sections:
        created.sections.set(sections)
    if tags:
        created.target_tags.add(*tags)
    if sections or tags:
        created.save()
    return created


def goal(
    amount: int = 1_000_000,
    currency: str = "USD",
    *,
    running_cost: int = 1_000_000,
    ads_off_since: datetime.date = datetime.date(2022, 3, 1),
) -> FundingGoal:
    setting = FundingGoal.load()
    setting.amount = amount
    setting.currency = currency
    setting.monthly_running_cost = running_cost
    setting.ads_off_since = ads_off_since
    setting.save()
    return setting


def rate(base: str, quote: str, value: str, valid_from: datetime.date) -> ExchangeRate:
    return ExchangeRate.objects.create(
        base=base, quote=quote, rate=Decimal(value), valid_from=valid_from
    )
