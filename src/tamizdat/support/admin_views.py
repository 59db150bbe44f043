"""Staff views beyond the listings: marking bank transfers received."""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tamizdat.payments.registry import get_provider

from . import money
from .models import Contribution


class ReceivedForm(forms.Form):
    contribution = forms.ModelChoiceField(
        queryset=Contribution.objects.filter(provider="bank", status=Contribution.Status.PENDING)
    )
    amount = forms.CharField(label=_("Amount received"), max_length=20)

    def clean(self) -> dict:
        data = super().clean()
        contribution = data.get("contribution")
        if contribution and data.get("amount"):
            try:
                data["minor"] = money.parse_amount(data["amount"], contribution.currency)
            except money.AmountError:
                self.add_error("amount", _("Enter the amount as a number, like 25 or 12.50."))
        return data


def pending_transfers(request: HttpRequest) -> HttpResponse:
    """Bank transfers readers promised; staff mark each one received when the money arrives."""
    if not request.user.has_perm("support.change_contribution"):
        raise PermissionDenied
    form = ReceivedForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        provider = get_provider("bank")
        provider.mark_received(  # type: ignore[union-attr]
            form.cleaned_data["contribution"], form.cleaned_data["minor"], timezone.now()
        )
        return HttpResponseRedirect(reverse("support_pending_transfers") + "?received=1")
    pending = Contribution.objects.filter(
        provider="bank", status=Contribution.Status.PENDING
    ).select_related("supporter")
    query = request.GET.get("q", "").strip()
    if query:
        pending = pending.filter(reference__icontains=query.upper()) | pending.filter(
            supporter__email__icontains=query
        )
    return TemplateResponse(
        request,
        "support/admin/pending_transfers.html",
        {
            "pending": pending[:200],
            "form": form,
            "query": query,
            "received": request.GET.get("received"),
        },
    )
