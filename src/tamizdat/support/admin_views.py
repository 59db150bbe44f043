"""Staff views beyond the listings: marking bank transfers received; a supporter's data
requests (see what is kept, forget them)."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from tamizdat.payments.base import ProviderError
from tamizdat.payments.registry import get_provider, recorded_by_staff

from . import ledger, money, privacy
from .models import Contribution, Supporter


class ReceivedForm(forms.Form):
    """What staff say about one waiting transfer: how much came, and on which day."""

    contribution = forms.ModelChoiceField(
        queryset=Contribution.objects.none(),
        error_messages={
            "invalid_choice": _("This transfer is no longer waiting: it was marked received.")
        },
    )
    amount = forms.CharField(label=_("Amount received"), max_length=20)
    # Left empty (an older form), the day staff mark it: today.
    received_on = forms.DateField(label=_("Received on"), required=False)
    confirm_difference = forms.BooleanField(
        label=_("Record this amount although it differs from the promise"), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Set when the amount differs from the promise: the row then offers the confirmation.
        self.needs_confirmation = False
        self.fields["contribution"].queryset = waiting_transfers()  # type: ignore[attr-defined]

    def clean_received_on(self) -> datetime.date:
        received_on: datetime.date = self.cleaned_data["received_on"] or timezone.localdate()
        if received_on > timezone.localdate():
            raise forms.ValidationError(_("A transfer cannot arrive in the future."))
        return received_on

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        contribution = data.get("contribution")
        if contribution is None or not data.get("amount"):
            return data
        currency = contribution.currency
        try:
            minor = money.parse_amount(data["amount"], currency)
        except money.AmountError:
            self.add_error("amount", _("Enter the amount as a number, like 25 or 12.50."))
            return data
        if minor <= 0:
            self.add_error("amount", _("Enter the amount that arrived: more than zero."))
            return data
        if minor != contribution.total and not data.get("confirm_difference"):
            language = translation.get_language() or "en"
            self.add_error(
                "amount",
                _(
                    "%(received)s differs from the %(promised)s promised. Check the bank "
                    "statement, then confirm the amount that arrived."
                )
                % {
                    "received": money.format_money(minor, currency, language),
                    "promised": money.format_money(contribution.total, currency, language),
                },
            )
            self.needs_confirmation = True
            return data
        data["minor"] = minor
        return data


def waiting_transfers() -> QuerySet[Contribution]:
    """Contributions on the rails staff record by hand, waiting for the money."""
    return Contribution.objects.filter(
        provider__in=recorded_by_staff(), status=Contribution.Status.PENDING
    ).select_related("supporter")


def pending_transfers(request: HttpRequest) -> HttpResponse:
    """Bank transfers readers promised; staff mark each one received when the money arrives."""
    if not request.user.has_perm("support.change_contribution"):
        raise PermissionDenied
    form = ReceivedForm(request.POST or None, initial={"received_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        contribution = form.cleaned_data["contribution"]
        provider = get_provider(contribution.provider)
        assert provider is not None  # waiting_transfers() lists registered rails only
        try:
            provider.mark_received(
                contribution,
                form.cleaned_data["minor"],
                form.cleaned_data["received_on"],
                ledger.Actor.staff(request.user),
            )
        except ledger.LedgerError:  # marked received by someone else meanwhile
            form.add_error(None, _("This transfer is no longer waiting: it was marked received."))
        else:
            return HttpResponseRedirect(reverse("support_pending_transfers") + "?received=1")
    pending = waiting_transfers()
    query = request.GET.get("q", "").strip()
    if query:
        pending = pending.filter(reference__icontains=query.upper()) | pending.filter(
            supporter__email__icontains=query
        )
    failed = form.data.get("contribution", "") if form.is_bound and form.errors else ""
    return TemplateResponse(
        request,
        "support/admin/pending_transfers.html",
        {
            "pending": pending[:200],
            "form": form,
            "failed": str(failed),
            "today": timezone.localdate().isoformat(),
            "query": query,
            "received": request.GET.get("received"),
        },
    )


def _supporter_for_staff(request: HttpRequest, pk: int, permission: str) -> Supporter:
    if not request.user.has_perm(permission):
        raise PermissionDenied
    return get_object_or_404(Supporter, pk=pk)


def export_supporter(request: HttpRequest, pk: int) -> JsonResponse:
    """Everything kept about one supporter, as a JSON file to send them on request."""
    supporter = _supporter_for_staff(request, pk, "support.view_supporter")
    response = JsonResponse(privacy.export(supporter), json_dumps_params={"indent": 2})
    response["Content-Disposition"] = f'attachment; filename="supporter-{supporter.pk}.json"'
    return response


def shred_supporter(request: HttpRequest, pk: int) -> HttpResponse:
    """Forget a supporter on their request, after staff confirm it. Irreversible, so it takes
    the permission to delete supporters, not just to edit them."""
    supporter = _supporter_for_staff(request, pk, "support.delete_supporter")
    running = privacy.is_still_supporting(supporter)
    if request.method == "POST" and not running:
        try:
            privacy.shred(supporter, ledger.Actor.staff(request.user))
        except privacy.StillSupporting:
            running = True  # a checkout was completed meanwhile
        except ProviderError as error:
            # Nothing was forgotten yet: staff can try again once the processor answers.
            messages.error(request, _("The payment processor did not answer: %s") % error)
        else:
            messages.success(request, _("The supporter's personal data was shredded."))
            return HttpResponseRedirect(reverse("wagtailsnippets_support_supporter:list"))
    return TemplateResponse(
        request,
        "support/admin/shred_supporter.html",
        {"supporter": supporter, "running": running},
    )
