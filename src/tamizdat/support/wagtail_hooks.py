"""The revenue lead's admin: amounts to offer, and the ledger to search, filter and read."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.admin.widgets import Button
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from . import admin_views, audit
from .admin_forms import AmountSetForm
from .models import AmountSet, Contribution, Payment, RecurringPlan, Supporter


class AmountSetViewSet(SnippetViewSet):
    model = AmountSet
    icon = "pick"
    menu_label = _("Amounts")
    list_display = ["__str__", "default_amount", "minimum", "maximum", "active"]
    list_filter = ["currency", "frequency", "active"]
    copy_view_enabled = False
    edit_handler = ObjectList(
        [
            FieldPanel("currency"),
            FieldPanel("frequency"),
            FieldPanel("suggested"),
            FieldPanel("default_amount"),
            FieldPanel("minimum"),
            FieldPanel("maximum"),
            FieldPanel("active"),
        ],
        base_form_class=AmountSetForm,
    )


class LedgerViewSet(SnippetViewSet):
    """Ledger rows are written by the payment flow, not typed in: staff read and search."""

    inspect_view_enabled = True
    copy_view_enabled = False
    # Rows whose label names their supporter load the supporter with them, not one per row.
    listing_related: tuple[str, ...] = ()

    def get_queryset(self, request: HttpRequest) -> QuerySet | None:
        if not self.listing_related:
            return None
        return self.model.objects.select_related(*self.listing_related)


class SupporterViewSet(LedgerViewSet):
    model = Supporter
    icon = "user"
    menu_label = _("Supporters")
    list_display = ["email", "name", "language", "anonymous", "created_at"]
    list_filter = ["language", "anonymous"]
    search_fields = ["email", "name"]
    edit_handler = ObjectList([FieldPanel("name"), FieldPanel("language"), FieldPanel("anonymous")])


class ContributionViewSet(LedgerViewSet):
    model = Contribution
    icon = "form"
    menu_label = _("Contributions")
    list_display = [
        "reference",
        Column("display_total", label=_("Amount")),
        "frequency",
        "provider",
        "status",
        "campaign",
        "created_at",
    ]
    list_filter = ["status", "frequency", "provider", "currency", "campaign", "created_at"]
    search_fields = ["reference", "supporter__email", "campaign"]
    edit_handler = ObjectList([FieldPanel("campaign", read_only=True)])


class RecurringPlanViewSet(LedgerViewSet):
    model = RecurringPlan
    icon = "repeat"
    menu_label = _("Recurring plans")
    listing_related = ("supporter",)
    list_display = ["__str__", "supporter", "status", "current_period_end", "created_at"]
    list_filter = ["status", "interval", "currency", "provider"]
    search_fields = ["supporter__email", "provider_plan_id"]
    edit_handler = ObjectList([FieldPanel("cancel_reason", read_only=True)])


class PaymentViewSet(LedgerViewSet):
    model = Payment
    icon = "success"
    menu_label = _("Payments")
    listing_related = ("supporter",)
    list_display = ["__str__", "supporter", "kind", "provider", "refunded_amount", "paid_at"]
    list_filter = ["kind", "provider", "currency", "paid_at"]
    search_fields = ["supporter__email", "provider_payment_id"]
    edit_handler = ObjectList([FieldPanel("kind", read_only=True)])


class SupportGroup(SnippetViewSetGroup):
    menu_label = _("Reader revenue")
    menu_icon = "pick"
    menu_order = 300
    items = (
        AmountSetViewSet,
        SupporterViewSet,
        ContributionViewSet,
        RecurringPlanViewSet,
        PaymentViewSet,
    )


register_snippet(SupportGroup)


@hooks.register("register_admin_urls")
def register_admin_urls() -> list:
    return [
        path(
            "support/transfers/",
            admin_views.pending_transfers,
            name="support_pending_transfers",
        ),
        path(
            "support/supporters/<int:pk>/export/",
            admin_views.export_supporter,
            name="support_export_supporter",
        ),
        path(
            "support/supporters/<int:pk>/shred/",
            admin_views.shred_supporter,
            name="support_shred_supporter",
        ),
    ]


# A supporter's data requests: (permission, label, admin URL name, icon).
PRIVACY_BUTTONS = (
    ("support.view_supporter", _("Export data"), "support_export_supporter", "download"),
    ("support.delete_supporter", _("Shred personal data"), "support_shred_supporter", "bin"),
)


@hooks.register("register_snippet_listing_buttons")
def supporter_privacy_buttons(instance: object, user: Any, next_url: str) -> list[Button]:
    """A supporter's data requests, from the supporters' listing."""
    if not isinstance(instance, Supporter) or instance.shredded_at:
        return []
    return [
        Button(label, reverse(url_name, args=[instance.pk]), icon_name=icon, priority=50)
        for permission, label, url_name, icon in PRIVACY_BUTTONS
        if user.has_perm(permission)
    ]


@hooks.register("register_admin_menu_item")
def register_transfers_menu_item() -> MenuItem:
    return MenuItem(
        _("Bank transfers"),
        reverse("support_pending_transfers"),
        icon_name="doc-full",
        order=310,
    )


@hooks.register("register_log_actions")
def register_ledger_log_actions(actions: Any) -> None:
    audit.register_actions(actions)
