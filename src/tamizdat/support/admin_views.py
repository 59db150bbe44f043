"""Staff views beyond the listings: marking bank transfers received; a supporter's data
requests (see what is kept, forget them)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tamizdat.payments.base import ProviderError
from tamizdat.payments.registry import get_provider

from . import money, privacy
from .models import Contribution, Supporter


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
            privacy.shred(supporter)
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
