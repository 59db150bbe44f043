"""Which campaigns a reading page carries, and how each of their arms reads.

The server decides only what is the same for every reader of a page: the page's language,
section and tags, and the campaigns' priorities. Every campaign that may show on the page within
the lifetime of a cached copy ships with it (at most `MAX_CANDIDATES` per placement, highest
priority first); the reader's browser then picks the first one whose dates, caps and the
reader's own choices allow, and one arm of it (see `static/prompts/prompts.js`).
"""

from __future__ import annotations

import dataclasses
import datetime
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext
from django.utils.translation import override as language_override
from wagtail.models import Page
from wagtail.rich_text import expand_db_html

from tamizdat.news.context import frame_shared
from tamizdat.support import money
from tamizdat.support.forms import ContributionForm

from . import amount_lists
from .models import BASE_ARM, Campaign, FundingGoal

BANNER = "banner"
APPEAL = "appeal"
MAX_CANDIDATES = 3


@dataclass(frozen=True)
class Target:
    """What a page offers to targeting: its section (by translation key) and its tags."""

    section: uuid.UUID | None = None
    tags: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Arm:
    """One way a campaign reads: its own copy ("base") or one of its variants."""

    key: str
    dom_id: str
    headline: str
    body: SafeString
    appeal_body: SafeString
    button_label: str
    default_frequency: str
    amounts: dict[str, tuple[amount_lists.SuggestedAmount, ...]]


@dataclass(frozen=True)
class Prompt:
    """A campaign as one placement on one page shows it."""

    campaign: Campaign
    arms: tuple[Arm, ...]
    remind_label: str
    thank_you: SafeString
    starts: str
    ends: str


def target_of(page: Page | None) -> Target:
    from tamizdat.news.models import ArticlePage, SectionPage

    if isinstance(page, ArticlePage):
        return Target(
            section=page.get_parent().translation_key,
            tags=frozenset(tag.pk for tag in page.tag_list if tag.pk is not None),
        )
    if isinstance(page, SectionPage):
        return Target(section=page.translation_key)
    return Target()


def is_article(page: Page | None) -> bool:
    from tamizdat.news.models import ArticlePage

    return isinstance(page, ArticlePage)


def matches(campaign: Campaign, target: Target) -> bool:
    """No sections chosen means every page; no tags chosen means any article (or page)."""
    sections = {section.translation_key for section in campaign.sections.all()}
    if sections and target.section not in sections:
        return False
    tags = {item.tag_id for item in campaign.target_tag_items.all()}
    return not tags or bool(tags & target.tags)


def cache_lifetime() -> datetime.timedelta:
    """The longest a rendered page may be served: the server's page cache, then a CDN's."""
    return datetime.timedelta(
        seconds=settings.PAGE_CACHE_SERVER_SECONDS + settings.PAGE_CACHE_CDN_SECONDS
    )


def live_campaigns(placement: str, language: str) -> list[Campaign]:
    """Published campaigns for a placement and language, highest priority first. Kept until
    any campaign changes (or anything else in every page's frame)."""

    def lookup() -> list[Campaign]:
        placement_field = {BANNER: "in_banner", APPEAL: "in_appeal"}[placement]
        return list(
            Campaign.objects.filter(
                live=True, locale__language_code=language, **{placement_field: True}
            )
            .prefetch_related("variants", "sections", "target_tag_items")
            .order_by("-priority", F("starts_at").asc(nulls_first=True), "pk")
        )

    return frame_shared(f"prompts:campaigns:{placement}:{language}", lookup)


def is_current(campaign: Campaign, now: datetime.datetime) -> bool:
    """Not ended, and starting before a page rendered now could leave the caches; the
    reader's browser checks the exact dates."""
    if campaign.ends_at and campaign.ends_at <= now:
        return False
    return not campaign.starts_at or campaign.starts_at <= now + cache_lifetime()


def candidates(
    placement: str, page: Page | None, language: str, now: datetime.datetime | None = None
) -> list[Campaign]:
    live = live_campaigns(placement, language)
    if not live:  # the page's section and tags are looked up only when they can matter
        return []
    target = target_of(page)
    moment = now or timezone.now()
    found = []
    for campaign in live:
        if is_current(campaign, moment) and matches(campaign, target):
            found.append(campaign)
            if len(found) == MAX_CANDIDATES:
                break
    return found


def facts(language: str) -> dict[str, str]:
    """What campaign copy may quote, as `{name}` in its text, written for `language`."""
    return frame_shared(f"prompts:facts:{language}", lambda: _facts(language))


def _facts(language: str) -> dict[str, str]:
    from babel.dates import format_date

    goal = FundingGoal.current()
    values = {"ads_off_since": "", "monthly_cost": "", "goal": ""}
    if goal.ads_off_since:
        values["ads_off_since"] = format_date(goal.ads_off_since, "d MMMM y", locale=language)
    if money.is_currency(goal.currency):
        values["monthly_cost"] = money.format_whole(
            goal.monthly_running_cost, goal.currency, language
        )
        values["goal"] = money.format_whole(goal.amount, goal.currency, language)
    return values


def rich_text(html: str, values: dict[str, str]) -> SafeString:
    """Stored rich text as HTML, its `{name}` tokens replaced by escaped values."""
    expanded = expand_db_html(html)
    for name, value in values.items():
        expanded = expanded.replace("{" + name + "}", escape(value))
    return mark_safe(expanded)  # staff-written rich text, trusted like an article body


def _amounts(
    texts: dict[str, str], currency: str
) -> dict[str, tuple[amount_lists.SuggestedAmount, ...]]:
    parsed = {}
    for frequency, text in texts.items():
        try:
            parsed[frequency] = amount_lists.parse(text, currency) if text else ()
        except amount_lists.AmountListError:  # checked on save; a currency change may break it
            parsed[frequency] = ()
    return parsed


def arms_of(campaign: Campaign, placement: str, values: dict[str, str]) -> tuple[Arm, ...]:
    base_amounts = _amounts(campaign.amount_texts(), campaign.currency)
    base = Arm(
        key=BASE_ARM,
        dom_id=f"{placement}-{campaign.pk}-{BASE_ARM}",
        headline=campaign.headline,
        body=rich_text(campaign.body, values),
        appeal_body=rich_text(campaign.appeal_body or campaign.body, values),
        button_label=campaign.button_label or gettext("Support us"),
        default_frequency=campaign.default_frequency,
        amounts=base_amounts,
    )
    arms = [base]
    for variant in campaign.variants.all():
        own_amounts = _amounts(variant.amount_texts(), campaign.currency)
        arms.append(
            Arm(
                key=variant.key,
                dom_id=f"{placement}-{campaign.pk}-{variant.key}",
                headline=variant.headline or base.headline,
                body=rich_text(variant.body, values) if variant.body else base.body,
                appeal_body=(
                    rich_text(variant.appeal_body, values)
                    if variant.appeal_body
                    else base.appeal_body
                ),
                button_label=variant.button_label or base.button_label,
                default_frequency=variant.default_frequency or base.default_frequency,
                amounts={
                    frequency: own_amounts[frequency] or base_amounts[frequency]
                    for frequency in base_amounts
                },
            )
        )
    return tuple(arms)


def _iso(moment: datetime.datetime | None) -> str:
    return moment.isoformat() if moment else ""


def prompt_of(campaign: Campaign, placement: str, values: dict[str, str]) -> Prompt:
    """One campaign as a placement shows it, its copy filled with `values` (see `facts`)."""
    return Prompt(
        campaign=campaign,
        arms=arms_of(campaign, placement, values),
        remind_label=campaign.remind_label or gettext("Remind me later"),
        thank_you=rich_text(campaign.thank_you, values) if campaign.thank_you else SafeString(),
        starts=_iso(campaign.starts_at),
        ends=_iso(campaign.ends_at),
    )


def prompts_of(placement: str, found: list[Campaign], language: str) -> list[Prompt]:
    """The campaigns found for a placement (see `candidates`), ready for its template."""
    if not found:
        return []
    values = facts(language)
    return [
        frame_shared(
            f"prompts:prompt:{placement}:{language}:{campaign.pk}",
            lambda campaign=campaign: prompt_of(campaign, placement, values),  # type: ignore[misc]
        )
        for campaign in found
    ]


def support_url(language: str) -> str:
    """The support page in the reader's language."""
    with language_override(language):
        return reverse("support:page")


def contribution_form(campaign: Campaign, arm: Arm) -> ContributionForm:
    """The reader-revenue contribution form, unbound, starting where this arm wants: in the
    campaign's currency, on its frequency, and showing its choice of the offered amounts."""
    initial = {"frequency": arm.default_frequency} if arm.default_frequency else {}
    form = ContributionForm(currency=campaign.currency, initial=initial)
    if form.shown_currency != campaign.currency:
        return form
    table = dict(form.table)
    for frequency, chosen in arm.amounts.items():
        offered = table.get((campaign.currency, frequency))
        suggested = tuple(a.minor for a in chosen if offered and a.minor in offered.suggested)
        if offered is None or not suggested:
            continue  # offered amounts changed since the campaign was saved: the form's own
        default = next((a.minor for a in chosen if a.default and a.minor in suggested), None)
        table[(campaign.currency, frequency)] = dataclasses.replace(
            offered, suggested=suggested, default=default or suggested[0]
        )
    form.table = table
    return form
