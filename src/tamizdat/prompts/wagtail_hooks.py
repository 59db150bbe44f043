"""The campaigns in the Wagtail admin: a "Campaigns" menu with the campaigns (per language),
exchange rates and results; the funding goal lives under Settings and on the dashboard."""

from __future__ import annotations

from typing import Any

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.tables import LiveStatusTagColumn
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from .admin_views import RESULTS_PERMISSION, CampaignResultsView, GoalPanel
from .models import Campaign, ExchangeRate


class CampaignViewSet(SnippetViewSet):
    model = Campaign
    icon = "comment"
    menu_label = _("Campaigns")
    list_display = [
        "name",
        "headline",
        "placements",
        "priority",
        "starts_at",
        "ends_at",
        # The label is given lazily: the column would translate its own once, at import.
        LiveStatusTagColumn(label=_("Status")),
    ]
    list_filter = ["in_banner", "in_appeal", "live"]
    search_fields = ["name", "headline"]


class ExchangeRateViewSet(SnippetViewSet):
    model = ExchangeRate
    icon = "resubmit"
    menu_label = _("Exchange rates")
    list_display = ["base", "quote", "rate", "valid_from"]
    list_filter = ["base", "quote"]


class CampaignsGroup(SnippetViewSetGroup):
    items = (CampaignViewSet, ExchangeRateViewSet)
    menu_icon = "comment"
    menu_label = _("Campaigns")
    menu_name = "campaigns"
    menu_order = 250


register_snippet(CampaignsGroup)


class ResultsMenuItem(MenuItem):
    def is_shown(self, request: Any) -> bool:
        return request.user.has_perm(RESULTS_PERMISSION)


@hooks.register("register_admin_urls")
def results_url() -> list[Any]:
    return [
        path("campaigns/results/", CampaignResultsView.as_view(), name="prompts_results"),
    ]


@hooks.register("register_reports_menu_item")
def results_menu_item() -> MenuItem:
    return ResultsMenuItem(
        _("Campaign results"), reverse("prompts_results"), icon_name="comment", order=100
    )


@hooks.register("construct_homepage_panels")
def goal_on_dashboard(request: Any, panels: list[Any]) -> None:
    panels.append(GoalPanel())
