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
from django.templatetags.static import static
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from .. import campaigns, goal, money
from ..middleware import mark_form_embedded

register = template.Library()


def _site_name(context: template.Context) -> str:
    frame = context.get("frame")
    home = getattr(frame, "home", None)
    return home.title if home else settings.WAGTAIL_SITE_NAME


def _hidden(context: template.Context) -> bool:
    """No prompts on the reader-revenue pages themselves (the form, the thank-you, the
    self-service pages), nor where a template sets `hide_prompts`."""
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    return bool(context.get("hide_prompts")) or getattr(match, "namespace", "") == "support"


def progress_context(language: str) -> dict[str, Any]:
    progress = goal.current()
    if progress is None:
        return {"progress": None}
    return {
        "progress": progress,
        "progress_text": {
            "raised": money.format_whole(progress.raised, progress.currency, language),
            "goal": money.format_whole(progress.goal, progress.currency, language),
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
    """The top banner."""
    if _hidden(context):
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
    if _hidden(context):
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


def _form_assets() -> tuple[str, ...]:
    """The stylesheet and script tags that the contribution form's template carries."""
    return (
        f'<link rel="stylesheet" href="{static("support/support.css")}">',
        f'<script src="{static("support/contribution.js")}" defer></script>',
    )


@register.simple_tag(takes_context=True)
def appeal_form(
    context: template.Context, prompt: campaigns.Prompt, arm: campaigns.Arm
) -> SafeString:
    """The reader-revenue contribution form for one arm of a campaign: the same form, template
    and validation as the support page, its controls' ids prefixed by the arm's so that a page
    can carry several. The form's stylesheet and script come with the first one only: a script
    that runs twice would set up every form twice."""
    request = context.get("request")
    html = render_to_string(
        "support/includes/contribution_form.html",
        {
            "form": campaigns.contribution_form(prompt.campaign, arm),
            "campaign": str(prompt.campaign.pk),
            "variant": arm.key,
            "form_id": arm.dom_id,
        },
        request=request,
    )
    if request is not None and mark_form_embedded(request):
        for tag in _form_assets():
            html = html.replace(tag, "")
    return mark_safe(html)  # rendered by the reader-revenue app's own template


@register.inclusion_tag("prompts/supporter_mark.html")
def supporter_mark(until: datetime.date | datetime.datetime) -> dict[str, Any]:
    return {"until": until.isoformat()}
