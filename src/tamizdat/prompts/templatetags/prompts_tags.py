"""Template tags that place the campaigns on reading pages.

- `{% prompts_assets %}` in <head>: the stylesheet and the deferred first-party script.
- `{% support_banner %}` at the top of <body>: the banner (a plain link without JavaScript).
- `{% support_appeal page %}` after an article: the end-of-article appeal with its form.
- `{% goal_meter %}`: this month's progress towards the funding goal, for any page.
- `{% supporter_mark until %}`: marks the reader's browser as a supporter's until a date, for
  the thank-you and self-service pages of the reader-revenue flow.
"""

from __future__ import annotations

import datetime
from typing import Any

from django import template
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from .. import campaigns, goal, money
from ..models import Frequency

register = template.Library()


def _site_name(context: template.Context) -> str:
    frame = context.get("frame")
    home = getattr(frame, "home", None)
    return home.title if home else settings.WAGTAIL_SITE_NAME


def progress_context(language: str) -> dict[str, Any]:
    progress = goal.current()
    if progress is None:
        return {"progress": None}
    return {
        "progress": progress,
        "progress_text": {
            "raised": money.format_money(progress.raised, progress.currency, language, whole=True),
            "goal": money.format_money(progress.goal, progress.currency, language, whole=True),
        },
    }


@register.inclusion_tag("prompts/assets.html", takes_context=True)
def prompts_assets(context: template.Context) -> dict[str, Any]:
    return {
        "events_url": reverse("prompts:events"),
        "language": get_language(),
        "article": campaigns.is_article(context.get("page")),
    }


@register.inclusion_tag("prompts/banner.html", takes_context=True)
def support_banner(context: template.Context) -> dict[str, Any]:
    """The top banner. A page about giving (the support page itself) sets `hide_prompts`."""
    if context.get("hide_prompts"):
        return {"prompts": []}
    language = get_language()
    prompts = campaigns.prompts_for(campaigns.BANNER, context.get("page"), language)
    if not prompts:
        return {"prompts": []}
    return {
        "prompts": prompts,
        "plain": prompts[0].arms[0],
        "support_url": campaigns.support_url(language),
        "site_name": _site_name(context),
        "request": context.get("request"),
        **progress_context(language),
    }


@register.inclusion_tag("prompts/appeal.html", takes_context=True)
def support_appeal(context: template.Context, page: Any) -> dict[str, Any]:
    if context.get("hide_prompts"):
        return {"prompts": []}
    language = get_language()
    prompts = campaigns.prompts_for(campaigns.APPEAL, page, language)
    if not prompts:
        return {"prompts": []}
    return {
        "prompts": prompts,
        "thank_you": prompts[0].thank_you,
        "support_url": campaigns.support_url(language),
        "site_name": _site_name(context),
        "request": context.get("request"),
    }


@register.inclusion_tag("prompts/goal_meter.html")
def goal_meter() -> dict[str, Any]:
    return progress_context(get_language())


@register.simple_tag(takes_context=True)
def contribution_form(
    context: template.Context, prompt: campaigns.Prompt, arm: campaigns.Arm
) -> SafeString:
    """The contribution form for one arm of a campaign, its controls' ids prefixed by the arm's
    so the same page can carry several."""
    language = get_language()
    frequencies = []
    for value, label in Frequency.choices:
        suggested = arm.amounts.get(value, ())
        frequencies.append(
            {
                "value": value,
                "label": label,
                "checked": value == Frequency.MONTH,
                "amounts": [
                    {
                        "value": money.plain(amount.minor, prompt.campaign.currency),
                        "label": money.format_money(
                            amount.minor, prompt.campaign.currency, language
                        ),
                        "checked": amount.default,
                    }
                    for amount in suggested
                ],
            }
        )
    return render_to_string(
        "prompts/includes/fallback_form.html",
        {
            "support_url": context.get("support_url") or campaigns.support_url(language),
            "campaign_id": prompt.campaign.pk,
            "variant": arm.key,
            "dom_id": arm.dom_id,
            "frequencies": frequencies,
        },
    )


@register.inclusion_tag("prompts/supporter_mark.html")
def supporter_mark(until: datetime.date | datetime.datetime) -> dict[str, Any]:
    return {"until": until.isoformat()}
