"""Staff pages in the Wagtail admin: campaign results, and the goal on the dashboard."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail.admin.ui.components import Component
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from . import goal, results
from .models import Event

DEFAULT_DAYS = 30
RESULTS_PERMISSION = "prompts.view_campaign"


class PeriodForm(forms.Form):
    first = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    last = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict[str, Any]:
        super().clean()
        first, last = self.cleaned_data.get("first"), self.cleaned_data.get("last")
        if first and last and first > last:
            raise forms.ValidationError(_("The period must start before it ends."))
        return self.cleaned_data


def default_period() -> tuple[datetime.date, datetime.date]:
    today = timezone.localdate()
    return today - datetime.timedelta(days=DEFAULT_DAYS - 1), today


class CampaignResultsView(WagtailAdminTemplateMixin, TemplateView):
    page_title = _("Campaign results")
    header_icon = "comment"
    template_name = "prompts/admin/results.html"

    def get_breadcrumbs_items(self) -> list[dict[str, Any]]:
        return [*self.breadcrumbs_items, {"url": "", "label": self.get_page_title()}]

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.has_perm(RESULTS_PERMISSION):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        first, last = default_period()
        form = PeriodForm(self.request.GET or None, initial={"first": first, "last": last})
        if form.is_valid():
            first, last = form.cleaned_data["first"], form.cleaned_data["last"]
        context.update(
            form=form,
            first=first,
            last=last,
            results=results.results(first, last, get_language()),
            column_labels=[
                Event.IMPRESSION.label,
                Event.CLICK.label,
                Event.FORM_OPEN.label,
                Event.CHECKOUT.label,
            ],
            **goal_context(),
        )
        return context


def goal_context() -> dict[str, Any]:
    progress = goal.compute()
    if progress is None:
        return {"progress": None}
    language = get_language()
    return {
        "progress": progress,
        "progress_text": goal.amounts_text(progress, language),
    }


class GoalPanel(Component):
    """The funding goal on the admin's dashboard."""

    name = "funding_goal"
    order = 50
    template_name = "prompts/admin/goal_panel.html"

    def get_context_data(self, parent_context: dict[str, Any] | None = None) -> dict[str, Any]:
        return goal_context()
