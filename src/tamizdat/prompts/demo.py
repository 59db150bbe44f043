"""The demo newsroom's campaign and funding goal, in English and Russian.

Called by the demo loader (`tamizdat.news.demo.load`) once its pages exist.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone
from wagtail.models import Locale

from tamizdat.support.demo import DRIVES, MONTHS

from .models import Campaign, CampaignVariant, Event, EventCount, ExchangeRate, FundingGoal

HEADLINE = {"en": "Enjoying ad-free content?", "ru": "Нравится читать без рекламы?"}
BODY = {
    "en": (
        "<p>We switched off all ads on {ads_off_since}. Running the newsroom costs "
        "{monthly_cost} a month, and readers like you fill the gap.</p>"
    ),
    "ru": (
        "<p>Мы отключили всю рекламу {ads_off_since}. Работа редакции стоит {monthly_cost} в "
        "месяц, и этот разрыв закрывают такие читатели, как вы.</p>"
    ),
}
APPEAL = {
    "en": (
        "<p>We report on Veloria from exile, for readers at home who have no other free "
        "source. We take no advertising and no money from governments, so every story you "
        "read is paid for by people who chose to give.</p><p>If you can, give once, or better, "
        "every month: a regular gift lets us plan the next investigation.</p>"
    ),
    "ru": (
        "<p>Мы пишем о Велории из эмиграции для читателей на родине, у которых нет другого "
        "свободного источника. Мы не берём денег ни у рекламодателей, ни у правительств, "
        "поэтому каждый материал оплачен теми, кто решил помочь.</p><p>Если можете, "
        "поддержите нас разово, а лучше — ежемесячно: регулярные взносы позволяют планировать "
        "следующее расследование.</p>"
    ),
}
VARIANT_HEADLINE = {"en": "Reading us every day?", "ru": "Читаете нас каждый день?"}


def _campaign(language: str) -> Campaign:
    campaign = Campaign(
        locale=Locale.objects.get(language_code=language),
        name="Spring drive" if language == "en" else "Весенний сбор",
        headline=HEADLINE[language],
        body=BODY[language],
        appeal_body=APPEAL[language],
        opens_overlay=True,
        currency="USD",
        default_frequency="month",
        monthly_amounts="5, 10*, 20",
        max_impressions_per_day=5,
        live=True,
    )
    campaign.variants.set(
        [CampaignVariant(key="b", headline=VARIANT_HEADLINE[language], monthly_amounts="10*, 20")]
    )
    campaign.save()
    return campaign


def _sample_counts(campaign: Campaign, language: str) -> None:
    """A year and a half of figures, higher in the months of the drives, so the results page
    and the dashboard's funnel have something to show."""
    today = timezone.localdate()
    rows = []
    for back in range(MONTHS * 31):
        day = today - datetime.timedelta(days=back)
        months_back = (today.year - day.year) * 12 + today.month - day.month
        if months_back >= MONTHS:
            break
        drive = 3 if months_back in DRIVES else 1
        for variant, impressions, click_rate in (("base", 900, 30), ("b", 880, 24)):
            seen = (impressions + back % 7 * 40) * drive
            clicks = seen // click_rate
            for event, count in (
                (Event.IMPRESSION, seen),
                (Event.CLICK, clicks),
                (Event.DISMISS, seen // 12),
                (Event.SNOOZE, seen // 40),
                (Event.FORM_OPEN, clicks // 2),
                (Event.CHECKOUT, clicks // 4),
            ):
                rows.append(
                    EventCount(
                        campaign=campaign,
                        variant=variant,
                        language=language,
                        day=day,
                        event=event,
                        count=count,
                    )
                )
    EventCount.objects.bulk_create(rows, batch_size=1000)


def load() -> list[tuple[str, str]]:
    """The goal, rates and campaigns; returns the (campaign id, variant) pairs made."""
    goal = FundingGoal.load()
    goal.currency = "USD"
    goal.amount = 1_000_000  # $10,000
    goal.monthly_running_cost = 1_000_000
    goal.ads_off_since = datetime.date(2022, 3, 1)
    goal.save()
    valid_from = datetime.date(2024, 1, 1)
    for base, rate in (("EUR", "1.08"), ("GBP", "1.27"), ("JPY", "0.0067")):
        ExchangeRate.objects.get_or_create(
            base=base, quote="USD", valid_from=valid_from, defaults={"rate": Decimal(rate)}
        )
    arms = []
    for language in ("en", "ru"):
        campaign = _campaign(language)
        _sample_counts(campaign, language)
        arms += [(str(campaign.pk), "base"), (str(campaign.pk), "b")]
    return arms
