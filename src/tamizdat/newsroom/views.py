"""The dashboard in the Wagtail admin: the home page of staff who may see revenue."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.components import Component

from tamizdat.payments.registry import display_name
from tamizdat.support.ledger import Actor, Payment
from tamizdat.support.money import format_money

from . import dashboard, exports, periods, presenting, refunds
from .models import REFUND_PERMISSION, VIEW_PERMISSION

PRESETS = (
    ("this", _("This month"), 0, 1),
    ("last", _("Last month"), -1, 1),
    ("quarter", _("Last 3 months"), -2, 3),
    ("year", _("Last 12 months"), -11, 12),
)


class PeriodForm(forms.Form):
    """Months as the browser's month field sends them ("2026-03")."""

    first = forms.CharField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "month"})
    )
    last = forms.CharField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "month"})
    )

    def clean_first(self) -> str:
        return self._month("first")

    def clean_last(self) -> str:
        return self._month("last")

    def _month(self, name: str) -> str:
        text = self.cleaned_data.get(name) or ""
        if text and periods.parse_month(text) is None:
            raise forms.ValidationError(_("Enter a month such as 2026-03."))
        return text


def chosen_period(request: HttpRequest) -> tuple[periods.Period, PeriodForm]:
    """The period the lead asked for; this month when nothing (or nonsense) was asked."""
    form = PeriodForm(request.GET or None)
    if form.is_bound and form.is_valid():
        return periods.chosen(form.cleaned_data["first"], form.cleaned_data["last"]), form
    return periods.this_month(), form


def presets(now: Any) -> list[dict[str, Any]]:
    current = periods.this_month(now).first
    found = []
    for key, label, offset, length in PRESETS:
        first = periods.shift(current, offset)
        last = periods.shift(first, length - 1)
        found.append(
            {
                "key": key,
                "label": label,
                "first": f"{first.first_day:%Y-%m}",
                "last": f"{last.first_day:%Y-%m}",
            }
        )
    return found


class DashboardPanel(Component):
    """Everything on one page: it replaces the plain home's panels for revenue staff."""

    name = "newsroom_dashboard"
    order = 10
    template_name = "newsroom/dashboard.html"

    class Media:
        css = {"all": ["newsroom/dashboard.css"]}

    def get_context_data(self, parent_context: dict[str, Any] | None = None) -> dict[str, Any]:
        request = (parent_context or {})["request"]
        period, form = chosen_period(request)
        language = get_language() or "en"
        now = timezone.now()
        board = dashboard.build(period, language, now)
        return {
            "page": presenting.page(board, language),
            "board": board,
            "form": form,
            "presets": presets(now),
            "period": period,
            "exports": [
                {"name": name, "label": label}
                for name, label in (
                    ("contributions", _("Contributions")),
                    ("payments", _("Payments")),
                    ("plans", _("Recurring plans")),
                    ("months", _("Figures month by month")),
                )
            ],
            "period_query": f"first={period.key()}&last={period.last.first_day:%Y-%m}",
        }

    def render_html(self, parent_context: dict[str, Any] | None = None) -> str:
        return render_to_string(self.template_name, self.get_context_data(parent_context))


def may_see(request: HttpRequest) -> bool:
    return bool(request.user.has_perm(VIEW_PERMISSION))


def export(request: HttpRequest, name: str) -> StreamingHttpResponse:
    """A CSV file of the chosen period, written as it is read."""
    if not may_see(request):
        raise PermissionDenied
    chosen = exports.EXPORTS.get(name)
    if chosen is None:
        raise Http404
    period, _form = chosen_period(request)
    response = StreamingHttpResponse(
        exports.stream(chosen, period), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{exports.filename(chosen, period)}"'
    response["Cache-Control"] = "private, no-store"
    return response


def refund(request: HttpRequest, pk: int) -> HttpResponse:
    """Refund a payment: the amount and a reason, then a confirmation, then the refund."""
    if not request.user.has_perm(REFUND_PERMISSION):
        raise PermissionDenied
    payment = get_object_or_404(Payment.objects.select_related("supporter"), pk=pk)
    form = refunds.RefundForm(payment, request.POST or None, initial=refunds.initial(payment))
    confirming = False
    if request.method == "POST" and form.is_valid():
        amount, reason = form.cleaned_data["amount"], form.cleaned_data["reason"]
        if request.POST.get("confirm") == "yes":
            try:
                refunds.refund(payment, amount, reason, Actor.staff(request.user))
            except refunds.RefundRefused as refused:
                messages.error(request, str(refused))
            else:
                messages.success(
                    request,
                    _("Refunded %(amount)s.") % {"amount": _money(amount, payment.currency)},
                )
                return HttpResponseRedirect(
                    reverse("wagtailsnippets_support_payment:inspect", args=[payment.pk])
                )
        else:
            confirming = True
    language = get_language() or "en"
    return TemplateResponse(
        request,
        "newsroom/refund.html",
        {
            "payment": payment,
            "form": form,
            "confirming": confirming,
            "amount_text": _money(form.cleaned_data["amount"], payment.currency)
            if confirming
            else "",
            "paid_text": format_money(payment.amount, payment.currency, language),
            "left_text": refunds.left_text(payment),
            "rail": display_name(payment.provider),
        },
    )


def _money(amount: int, currency: str) -> str:
    return format_money(amount, currency, get_language() or "en")
