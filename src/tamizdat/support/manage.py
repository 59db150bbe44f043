"""Self-service without a password: a signed, expiring link from "Manage my support" lets a
supporter see their plans and payments, change an amount, switch monthly/annual, update the
card, cancel, and download receipts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django import forms
from django.conf import settings
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tamizdat.news.context import newsroom_name
from tamizdat.payments.base import PaymentProvider, ProviderError, ReturnUrls
from tamizdat.payments.registry import get_provider
from tamizdat.web.addresses import absolute_url

from . import defence, ledger, links, money
from .amounts import all_amounts
from .models import Frequency, RecurringPlan, Supporter, normalize_email
from .tasks import send_manage_link
from .views import _private, allow_checkout

NOT_CHANGED = _(
    "The payment service did not answer. Nothing was changed. Please try again in a minute."
)
NOTICES = {
    "changed": _("Your plan was changed. The new amount applies from the next payment."),
    "card": _("Thank you: your new card will be used for the next payments."),
    "canceled": _(
        "Your plan is canceled. There will be no further payments. Thank you for your support."
    ),
}


class RequestLinkForm(forms.Form):
    email = forms.EmailField(
        label=_("Your e-mail address"),
        max_length=254,
        error_messages={
            "required": _("Enter the e-mail address you gave with your support."),
            "invalid": _("Enter an e-mail address like name@example.org."),
        },
    )


class ChangePlanForm(forms.Form):
    amount = forms.CharField(
        label=_("Amount"),
        max_length=20,
        error_messages={"required": _("Enter the amount as a number, like 25 or 12.50.")},
    )
    interval = forms.ChoiceField(
        label=_("How often"),
        choices=[(Frequency.MONTH.value, _("Monthly")), (Frequency.YEAR.value, _("Annual"))],
        error_messages={"invalid_choice": _("Choose monthly or annual.")},
    )

    def __init__(self, *args: Any, plan: RecurringPlan, **kwargs: Any) -> None:
        self.plan = plan
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        interval, text = data.get("interval"), data.get("amount")
        if not interval or not text:
            return data
        currency, language = self.plan.currency, self.plan.supporter.language
        try:
            amount = money.parse_amount(text, currency)
        except money.AmountError:
            self.add_error("amount", _("Enter the amount as a number, like 25 or 12.50."))
            return data
        limits = all_amounts().get((currency, interval))
        refusal = limits.refusal(amount, language) if limits is not None else None
        if refusal:
            self.add_error("amount", refusal)
        data["minor"] = amount
        return data


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Why are you canceling? (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


@require_http_methods(["GET", "POST"])
def request_link(request: HttpRequest) -> HttpResponseBase:
    form = RequestLinkForm(request.POST or None)
    sent = False
    if request.method == "POST" and form.is_valid():
        email = normalize_email(form.cleaned_data["email"])
        allowed = not defence.over_limit("manage", email) and not defence.over_limit(
            "ip", defence.client_ip(request)
        )
        supporter = Supporter.objects.filter(email=email, shredded_at__isnull=True).first()
        if allowed and supporter is not None:
            transaction.on_commit(lambda: send_manage_link.enqueue(supporter.pk))
        # The same answer whether or not the address is ours: nobody learns who gave.
        sent = True
    return _private(
        TemplateResponse(request, "support/manage_request.html", {"form": form, "sent": sent})
    )


def _expired(request: HttpRequest) -> HttpResponse:
    response = _private(TemplateResponse(request, "support/link_expired.html", status=410))
    response.render()
    return response


def _overview(
    request: HttpRequest, token: str, supporter: Supporter, status: int = 200, **context: Any
) -> HttpResponseBase:
    forms_by_plan: dict[int, ChangePlanForm] = context.pop("forms_by_plan", {})
    plans = [
        PlanPanel(
            plan=plan,
            # The form as the supporter sent it back with its errors, else the plan as it is.
            change_form=forms_by_plan.get(plan.pk)
            or ChangePlanForm(
                plan=plan,
                initial={
                    "amount": money.format_plain(plan.amount, plan.currency),
                    "interval": plan.interval,
                },
            ),
        )
        for plan in supporter.plans.order_by("status", "-created_at")
    ]
    payments = supporter.payments.select_related("plan").order_by("-paid_at")
    response = TemplateResponse(
        request,
        "support/manage.html",
        {
            "supporter": supporter,
            "token": token,
            "plans": plans,
            "payments": payments,
            "notice": NOTICES.get(request.GET.get("done", "")),
            **context,
        },
        status=status,
    )
    return _private(allow_checkout(response))


@dataclass(frozen=True)
class PlanPanel:
    """One plan on the supporter's page, with its change form."""

    plan: RecurringPlan
    change_form: ChangePlanForm


@require_GET
def overview(request: HttpRequest, token: str) -> HttpResponseBase:
    supporter = links.supporter_from_token(token)
    if supporter is None:
        return _expired(request)
    return _overview(request, token, supporter)


def _done(token: str, what: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(
        f"{reverse('support:manage', args=[token])}?done={what}", status=303
    )


def _provider_of(plan: RecurringPlan) -> PaymentProvider:
    provider = get_provider(plan.provider)
    if provider is None:  # the rail was removed: nothing can be changed there now
        raise Http404
    return provider


PlanAction = Callable[[HttpRequest, str, Supporter, RecurringPlan], HttpResponseBase]


def plan_action(action: PlanAction) -> Callable[[HttpRequest, str, int], HttpResponseBase]:
    """A POST on one of the supporter's live plans: an expired link gets the expired page, and
    another supporter's or an ended plan is a 404."""

    @require_POST
    @wraps(action)
    def view(request: HttpRequest, token: str, plan_id: int) -> HttpResponseBase:
        supporter = links.supporter_from_token(token)
        if supporter is None:
            return _expired(request)
        plan = get_object_or_404(RecurringPlan, pk=plan_id, supporter=supporter)
        if not plan.is_manageable:
            raise Http404
        return action(request, token, supporter, plan)

    return view


@plan_action
def change(
    request: HttpRequest, token: str, supporter: Supporter, plan: RecurringPlan
) -> HttpResponseBase:
    form = ChangePlanForm(request.POST, plan=plan)
    if not form.is_valid():
        return _overview(request, token, supporter, status=400, forms_by_plan={plan.pk: form})
    provider = _provider_of(plan)
    try:
        data = form.cleaned_data
        provider.change_plan(plan, data["minor"], data["interval"], ledger.Actor.supporter())
    except ProviderError:
        form.add_error(None, NOT_CHANGED)
        return _overview(request, token, supporter, status=502, forms_by_plan={plan.pk: form})
    return _done(token, "changed")


@plan_action
def card(
    request: HttpRequest, token: str, supporter: Supporter, plan: RecurringPlan
) -> HttpResponseBase:
    back = absolute_url(reverse("support:manage", args=[token]))
    provider = _provider_of(plan)
    try:
        target = provider.start_card_update(
            plan, ReturnUrls(success=f"{back}?done=card", cancel=back)
        )
    except ProviderError:
        return _overview(
            request,
            token,
            supporter,
            status=502,
            error=_("The payment service did not answer. Please try again in a minute."),
        )
    return HttpResponseRedirect(target.url, status=303)


@plan_action
def cancel(
    request: HttpRequest, token: str, supporter: Supporter, plan: RecurringPlan
) -> HttpResponseBase:
    form = CancelForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    provider = _provider_of(plan)
    try:
        provider.cancel_plan(plan, reason.strip(), ledger.Actor.supporter())
    except ProviderError:
        return _overview(request, token, supporter, status=502, error=NOT_CHANGED)
    return _done(token, "canceled")


@require_GET
def receipt(
    request: HttpRequest, token: str, payment_id: int, as_pdf: bool = False
) -> HttpResponseBase:
    """A receipt to keep, as an HTML file or (`as_pdf`) a PDF."""
    supporter = links.supporter_from_token(token)
    if supporter is None:
        return _expired(request)
    payment = get_object_or_404(supporter.payments.select_related("plan"), pk=payment_id)
    context = {
        "payment": payment,
        "supporter": supporter,
        "site_name": newsroom_name(supporter.language),
        "newsroom_address": settings.NEWSROOM_ADDRESS,
    }
    if as_pdf:
        # Imported here: the PDF library weighs 40 MiB in every process that imports it, and
        # only the rare supporter who asks for a PDF receipt needs it.
        from .receipt_pdf import receipt_pdf

        response = HttpResponse(receipt_pdf(context), content_type="application/pdf")
        extension = "pdf"
    else:
        html = render_to_string("support/receipt.html", context, request)
        response = HttpResponse(html, content_type="text/html; charset=utf-8")
        extension = "html"
    response["Content-Disposition"] = (
        f'attachment; filename="receipt-{payment.receipt_number}.{extension}"'
    )
    return _private(response)
