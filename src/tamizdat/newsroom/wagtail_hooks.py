from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Permission
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.widgets import Button

from tamizdat.support.models import Payment

from .models import REFUND_PERMISSION
from .views import DashboardPanel, export, may_see, refund

# The goal meter's one line, which the dashboard shows with the rest.
GOAL_PANEL = "funding_goal"


@hooks.register("construct_homepage_panels", order=100)
def dashboard_on_home(request: HttpRequest, panels: list[Any]) -> None:
    """Staff who may see revenue get the dashboard first on the admin's home; everyone else
    keeps the plain Wagtail home."""
    if not may_see(request):
        return
    panels[:] = [DashboardPanel(), *(p for p in panels if getattr(p, "name", "") != GOAL_PANEL)]


@hooks.register("register_permissions")
def dashboard_permissions() -> QuerySet[Permission]:
    return Permission.objects.filter(content_type__app_label="newsroom")


@hooks.register("register_admin_urls")
def dashboard_urls() -> list[Any]:
    return [
        path("newsroom/export/<slug:name>/", export, name="newsroom_export"),
        path("newsroom/refund/<int:pk>/", refund, name="newsroom_refund"),
    ]


@hooks.register("register_snippet_listing_buttons")
def refund_button(instance: object, user: Any, next_url: str) -> list[Button]:
    """A payment with something left to refund can be refunded, by staff who may."""
    if not isinstance(instance, Payment) or instance.net_amount <= 0:
        return []
    if not user.has_perm(REFUND_PERMISSION):
        return []
    url = reverse("newsroom_refund", args=[instance.pk])
    return [Button(_("Refund"), url, icon_name="undo", priority=50)]
