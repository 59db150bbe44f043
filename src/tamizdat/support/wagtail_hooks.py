"""The revenue lead's admin: amounts to offer, and the ledger to search, filter and read.

Ledger rows come from the ledger only (`ledger.py`): the admin has no add, edit or delete
screens for contributions, plans and payments, and none to add a supporter; each row's history
shows who changed it. Money shows as money in the staff member's own language.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db.models import CharField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Cast
from django.http import HttpRequest
from django.urls import path, reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.ui.tables import Column, StatusFlagColumn
from wagtail.admin.widgets import Button
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import (
    HistoryView,
    InspectView,
    SnippetViewSet,
    SnippetViewSetGroup,
)

from tamizdat.payments.registry import display_name

from . import admin_views, audit, money
from .admin_forms import AmountSetForm
from .models import AmountSet, Contribution, Payment, RecurringPlan, Supporter


class LedgerPermissionPolicy(ModelPermissionPolicy):
    """Staff who may see (or change) a ledger model may look at its rows in the admin, never
    add, edit or delete them there: only the ledger writes them. `actions` are the admin's
    actions left; "view" is always among them."""

    def __init__(self, model: Any, actions: tuple[str, ...] = ("view",)) -> None:
        super().__init__(model)
        self.actions = actions

    def user_has_permission(self, user: Any, action: str) -> bool:
        if action not in self.actions:
            return False
        if action == "view":
            return user.has_perm(self._get_permission_name("view")) or user.has_perm(
                self._get_permission_name("change")
            )
        return bool(user.has_perm(self._get_permission_name(action)))

    def users_with_any_permission(self, actions: Any) -> Any:
        allowed = {action for action in actions if action in self.actions}
        if "view" in allowed:
            allowed.add("change")
        return self._get_users_with_any_permission_codenames(
            self._get_permission_codenames(allowed)
        )


for ledger_model in (Contribution, RecurringPlan, Payment):
    register_permission_policy(ledger_model, LedgerPermissionPolicy(ledger_model))
# A supporter's name, language and anonymity stay editable (each edit is in its history);
# supporters are created by their first gift and forgotten by shredding, never deleted.
register_permission_policy(Supporter, LedgerPermissionPolicy(Supporter, ("view", "change")))


def _money(amount: int, currency: str) -> str:
    return money.format_money(amount, currency, get_language() or "en")


class MoneyColumn(Column):
    """Minor units as money, in the staff member's language (not the supporter's)."""

    def __init__(self, name: str, currency: str = "currency", **kwargs: Any) -> None:
        super().__init__(name, **kwargs)
        self.currency = currency

    def get_value(self, instance: Any) -> str:
        return _money(getattr(instance, self.name), getattr(instance, self.currency))


class RailColumn(Column):
    """The payment method's name for people ("Bank transfer"), not its identifier."""

    def get_value(self, instance: Any) -> Any:
        return display_name(instance.provider)


def campaign_names(queryset: QuerySet[Any]) -> QuerySet[Any]:
    """Contributions with their campaign's name beside the id the form recorded. Campaigns are
    looked up through the app registry: they build on the ledger, never the other way."""
    campaign = apps.get_model("prompts", "Campaign")
    names = (
        campaign.objects.annotate(key=Cast("pk", CharField()))
        .filter(key=OuterRef("campaign"))
        .values("name")[:1]
    )
    return queryset.annotate(campaign_name=Subquery(names))


class LedgerInspectView(InspectView):
    """A row's page with its money as money, its rail and campaign by name."""

    money_fields = ("amount", "fee_amount", "refunded_amount")

    def get_field_display_value(self, field_name: str, field: Any) -> Any:
        if field_name in self.money_fields:
            return _money(getattr(self.object, field_name), self.object.currency)
        if field_name == "provider":
            return display_name(self.object.provider)
        if field_name == "campaign" and self.object.campaign:
            named = campaign_names(type(self.object).objects.filter(pk=self.object.pk)).first()
            return (named.campaign_name if named else None) or self.object.campaign
        value = super().get_field_display_value(field_name, field)
        # Words, not Python: "yes"/"no" for a choice, a dash where nothing was recorded.
        if isinstance(value, bool):
            return _("yes") if value else _("no")
        return "—" if value is None else value


class LedgerHistoryView(HistoryView):
    """Who changed a row, and when: for everyone who may see the row."""

    any_permission_required = ["view", "change"]


class SupporterInspectView(LedgerInspectView):
    """A supporter's page: who they are, their gifts, plans and receipts."""

    template_name = "support/admin/supporter.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        supporter = self.object
        context["contributions"] = campaign_names(supporter.contributions.order_by("-created_at"))
        context["plans"] = supporter.plans.order_by("-created_at")
        context["payments"] = supporter.payments.select_related("plan").order_by("-paid_at")
        return context


class AmountSetViewSet(SnippetViewSet):
    model = AmountSet
    icon = "pick"
    menu_label = _("Amounts")
    list_display = [
        "__str__",
        MoneyColumn("default_amount", label=_("Default amount")),
        MoneyColumn("minimum", label=_("Minimum")),
        MoneyColumn("maximum", label=_("Maximum")),
        StatusFlagColumn(
            "active", label=_("Offered"), true_label=_("Offered"), false_label=_("Not offered")
        ),
    ]
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
    inspect_view_class = LedgerInspectView
    history_view_class = LedgerHistoryView
    copy_view_enabled = False
    # Rows whose label names their supporter load the supporter with them, not one per row.
    listing_related: tuple[str, ...] = ()

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any] | None:
        if not self.listing_related:
            return None
        return self.model.objects.select_related(*self.listing_related)


class SupporterViewSet(LedgerViewSet):
    model = Supporter
    icon = "user"
    menu_label = _("Supporters")
    inspect_view_class = SupporterInspectView
    list_display = [
        "email",
        "name",
        "language",
        StatusFlagColumn(
            "anonymous", label=_("Anonymous"), true_label=_("Anonymous"), false_label=_("Named")
        ),
        "created_at",
    ]
    list_filter = ["language", "anonymous"]
    search_fields = ["email", "name"]
    edit_handler = ObjectList([FieldPanel("name"), FieldPanel("language"), FieldPanel("anonymous")])


class ContributionViewSet(LedgerViewSet):
    model = Contribution
    icon = "form"
    menu_label = _("Contributions")
    list_display = [
        "reference",
        MoneyColumn("total", label=_("Amount")),
        "frequency",
        RailColumn("provider", label=_("Payment method")),
        "status",
        Column("campaign_name", label=_("Campaign")),
        "created_at",
    ]
    list_filter = ["status", "frequency", "provider", "currency", "campaign", "created_at"]
    search_fields = ["reference", "supporter__email", "campaign"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any] | None:
        return campaign_names(Contribution.objects.all())


class RecurringPlanViewSet(LedgerViewSet):
    model = RecurringPlan
    icon = "repeat"
    menu_label = _("Recurring plans")
    listing_related = ("supporter",)
    list_display = [
        "__str__",
        "supporter",
        "status",
        RailColumn("provider", label=_("Payment method")),
        "current_period_end",
        "created_at",
    ]
    list_filter = ["status", "interval", "currency", "provider"]
    search_fields = ["supporter__email", "provider_plan_id"]


class PaymentViewSet(LedgerViewSet):
    model = Payment
    icon = "success"
    menu_label = _("Payments")
    listing_related = ("supporter",)
    list_display = [
        "__str__",
        "supporter",
        "kind",
        RailColumn("provider", label=_("Payment method")),
        MoneyColumn("refunded_amount", label=_("Refunded")),
        "paid_at",
    ]
    list_filter = ["kind", "provider", "currency", "paid_at"]
    search_fields = ["supporter__email", "provider_payment_id"]


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
