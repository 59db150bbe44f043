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
from collections.abc import Callable
from typing import Any

from django import template
from django.conf import settings
from django.core.cache import cache
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import ResolverMatch, reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from tamizdat.news.context import frame_fragment, newsroom_name
from tamizdat.web.page_cache import frame_generation

from .. import campaigns, goal
from ..middleware import is_form_embedded, mark_form_embedded

register = template.Library()


def _site_name(context: template.Context) -> str:
    frame = context.get("frame")
    return frame.name if frame is not None else newsroom_name()


SUPPORT_FORM_VIEWS = {"page", "contribute"}


def _support_view(context: template.Context) -> str | None:
    """The reader-revenue view rendering this page, if any: "page", "thanks", "manage"…"""
    match: ResolverMatch | None = getattr(context.get("request"), "resolver_match", None)
    return match.url_name if match is not None and match.namespace == "support" else None


def _hidden(context: template.Context) -> bool:
    """No prompts on the reader-revenue pages themselves (the form, the thank-you, the
    self-service pages), nor where a template sets `hide_prompts`."""
    return bool(context.get("hide_prompts")) or _support_view(context) is not None


def progress_context(language: str) -> dict[str, Any]:
    # The figure moves with every gift, not with publishing; the page keeps its full lifetime
    # and says as of when its figure is, and the campaigns' script fetches the current one.
    progress = goal.current()
    if progress is None:
        return {"progress": None}
    return {"progress": progress, "progress_text": goal.amounts_text(progress, language)}


@register.inclusion_tag("prompts/assets.html", takes_context=True)
def prompts_assets(context: template.Context) -> dict[str, Any]:
    return {
        "events_url": reverse("prompts:events"),
        "goal_url": reverse("prompts:goal"),
        "language": get_language(),
        "article": campaigns.is_article(context.get("page")),
    }


def _rendered(
    context: template.Context,
    placement: str,
    found: list[Any],
    progress: dict[str, Any],
    data: Callable[[], dict[str, Any]],
) -> SafeString:
    """A placement's campaigns as its template renders them, kept until the frame changes for
    the same campaigns (and the same figure of the goal). Whether the page already carries a
    contribution form changes what its first form brings (see `appeal_form`), and a form
    rendered from the cache still counts as one on the page."""
    request = context.get("request")
    form_before = is_form_embedded(request)

    def render() -> tuple[str, bool]:
        html = render_to_string(f"prompts/{placement}.html", {**data(), **progress})
        return html, is_form_embedded(request)

    as_of = progress["progress"].as_of if progress.get("progress") else None
    campaigns_found = tuple(campaign.pk for campaign in found)
    html, embeds_form = frame_fragment(placement, (campaigns_found, as_of, form_before), render)
    if embeds_form and request is not None:
        mark_form_embedded(request)
    return mark_safe(html)  # rendered by the campaigns' own templates


@register.simple_tag(takes_context=True)
def support_banner(context: template.Context) -> SafeString:
    """The top banner; on the support page itself, only this month's progress."""
    language = get_language()
    if _support_view(context) in SUPPORT_FORM_VIEWS:
        return mark_safe(
            render_to_string(
                "prompts/banner.html", {"goal_only": True, **progress_context(language)}
            )
        )
    if _hidden(context):
        return SafeString()
    found = campaigns.candidates(campaigns.BANNER, context.get("page"), language)
    if not found:
        return SafeString()
    shows_goal = any(campaign.show_goal for campaign in found)
    return _rendered(
        context,
        campaigns.BANNER,
        found,
        progress_context(language) if shows_goal else {"progress": None},
        lambda: _banner(context, found, language),
    )


def _banner(context: template.Context, found: list[Any], language: str) -> dict[str, Any]:
    prompts = campaigns.prompts_of(campaigns.BANNER, found, language)
    return {
        "prompts": prompts,
        "plain": prompts[0].arms[0],
        "support_url": campaigns.support_url(language),
        "site_name": _site_name(context),
        "request": context.get("request"),
    }


@register.simple_tag(takes_context=True)
def support_appeal(context: template.Context, page: Any) -> SafeString:
    if _hidden(context):
        return SafeString()
    language = get_language()
    found = campaigns.candidates(campaigns.APPEAL, page, language)
    if not found:
        return SafeString()
    return _rendered(
        context, campaigns.APPEAL, found, {}, lambda: _appeal(context, found, language)
    )


def _appeal(context: template.Context, found: list[Any], language: str) -> dict[str, Any]:
    prompts = campaigns.prompts_of(campaigns.APPEAL, found, language)
    return {
        "prompts": prompts,
        "thank_you": prompts[0].thank_you,
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
    # The same for every page until a campaign or its amounts change: rendered once per language.
    key = f"prompts:form:{frame_generation()}:{get_language()}:{arm.dom_id}"
    html = cache.get(key)
    if html is None:
        html = render_to_string(
            "support/includes/contribution_form.html",
            {
                "form": campaigns.contribution_form(prompt.campaign, arm),
                "campaign": str(prompt.campaign.pk),
                "variant": arm.key,
                "form_id": arm.dom_id,
            },
        )
        cache.set(key, html, settings.PAGE_CACHE_SERVER_SECONDS)
    if request is not None and mark_form_embedded(request):
        for tag in _form_assets():
            html = html.replace(tag, "")
    return mark_safe(html)  # rendered by the reader-revenue app's own template


@register.inclusion_tag("prompts/supporter_mark.html")
def supporter_mark(until: datetime.date | datetime.datetime) -> dict[str, Any]:
    """An element the campaigns' script reads on any page: the browser belongs to a supporter
    until `until` (after a one-time gift, 30 days on; for a plan, the end of its paid period),
    and appeals thank instead of ask. A later mark replaces an earlier one, so a cancelled
    plan can end it. Nothing about the supporter is kept anywhere else for this."""
    return {"until": until.isoformat()}
