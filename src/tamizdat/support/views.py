"""Reader revenue pages. Views stay thin: rules live in forms, ledger, defence and providers."""

from __future__ import annotations

import contextlib
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import (
    Http404,
    HttpRequest,
    HttpResponseBase,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tamizdat.payments.base import ProviderError, ReturnUrls
from tamizdat.payments.registry import get_provider
from tamizdat.web.addresses import absolute_url
from tamizdat.web.page_cache import cache_publicly

from . import defence, ledger, links
from .forms import ContributionForm
from .models import Contribution
from .tasks import send_confirmation, send_transfer_details

Response = TypeVar("Response", bound=HttpResponseBase)


def allow_checkout(response: Response) -> Response:
    """Let a form on this page lead to the card processor's hosted page.

    Browsers apply the page's `form-action` to the redirect that follows a form's POST, so
    a page with a form that may end on Stripe's checkout must allow that origin.
    """
    if settings.STRIPE_SECRET_KEY and settings.STRIPE_CHECKOUT_ORIGIN:
        response._csp_update = {  # type: ignore[attr-defined]
            **getattr(response, "_csp_update", {}),
            "form-action": [settings.STRIPE_CHECKOUT_ORIGIN],
        }
    return response


def _page(
    request: HttpRequest, form: ContributionForm, status: int = 200, **context: Any
) -> TemplateResponse:
    return TemplateResponse(
        request, "support/support_page.html", {"form": form, **context}, status=status
    )


@require_GET
def support_page(request: HttpRequest) -> HttpResponseBase:
    """The same for every reader (no token, no per-reader state), so a CDN may keep it."""
    form = ContributionForm(currency=request.GET.get("currency", "").upper())
    return cache_publicly(allow_checkout(_page(request, form)))


@require_GET
@never_cache
def challenge(request: HttpRequest) -> JsonResponse:
    """A fresh proof-of-work challenge for the form's script. Any origin may ask: the form
    on a static copy of the site (a mirror, a file) posts here too, and a challenge is no
    secret."""
    response = JsonResponse(defence.new_challenge())
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _urls(request: HttpRequest, contribution: Contribution) -> ReturnUrls:
    success = reverse("support:thanks", args=[contribution.reference])
    cancel = reverse("support:canceled", args=[contribution.reference])
    return ReturnUrls(success=absolute_url(success), cancel=absolute_url(cancel))


# No CSRF token: the form is also embedded in cached article pages that are identical for
# every reader. Forging this POST gains an attacker nothing (it changes no signed-in state; at
# most it starts a checkout the reader must still complete), and abuse is held back by the
# honeypot, the proof of work, the rate limits and the burst detector in `defence`.
@csrf_exempt
@require_POST
def contribute(request: HttpRequest) -> HttpResponseBase:
    form = ContributionForm(request.POST)
    if request.POST.get("action") == "refresh":
        # "Show amounts" without JavaScript: the same choices, amounts in the new currency.
        kept = {k: v for k, v in request.POST.items() if not k.startswith("amount_")}
        return allow_checkout(
            _page(request, ContributionForm(initial=kept, currency=request.POST.get("currency")))
        )
    if not form.is_valid():
        return allow_checkout(_page(request, form, status=400))
    data = form.cleaned_data
    provider = form.provider
    assert provider is not None
    screening = defence.screen(
        request,
        email=data["email"],
        unusual_amount=data.get("unusual_amount"),
        honeypot=data["website"],
        pow_payload=data["altcha"],
        takes_cards=provider.takes_cards,
    )
    if screening.outcome is defence.Outcome.REJECT:
        message = _(
            "We could not take this payment right now. Please wait a few minutes and try again."
        )
        return allow_checkout(_page(request, form, status=429, refusal=message))
    # One transaction: a database that fails half-way keeps no supporter without a gift.
    with transaction.atomic():
        supporter = ledger.supporter_for(
            data["email"], name=data["name"], language=get_language(), anonymous=data["anonymous"]
        )
        contribution = ledger.start_contribution(
            supporter,
            frequency=data["frequency"],
            amount=data["amount"],
            fee_amount=data["fee_amount"],
            currency=data["currency"],
            provider=provider.identifier,
            language=get_language(),
            campaign=data["campaign"],
            variant=data["variant"],
            confirm_email_first=screening.outcome is defence.Outcome.CONFIRM,
            actor=ledger.Actor.reader(),
        )
    if contribution.status == Contribution.Status.HELD:
        send_confirmation.enqueue(contribution.pk)
        return redirect("support:check_email", contribution.reference)
    return _go_pay(request, contribution, form)


def _go_pay(
    request: HttpRequest, contribution: Contribution, form: ContributionForm | None = None
) -> HttpResponseBase:
    provider = get_provider(contribution.provider)
    assert provider is not None
    try:
        target = provider.start_payment(contribution, _urls(request, contribution))
    except ProviderError:
        form = form or ContributionForm(initial=_initial(contribution))
        message = _(
            "The payment service did not answer. Nothing was charged. Please try again in a minute."
        )
        return allow_checkout(_page(request, form, status=502, refusal=message))
    if provider.recorded_by_staff:
        # The reader pays by hand later, from details they may lose with the tab: they get
        # them by mail too. A gift held for e-mail confirmation gets here once confirmed.
        transaction.on_commit(lambda: send_transfer_details.enqueue(contribution.pk))
    return HttpResponseRedirect(target.url, status=303)


def _initial(contribution: Contribution) -> dict[str, Any]:
    """The form as the reader left it, to try again; but not who they are. The pages that
    show it are reached by the contribution's reference alone, and a bank transfer's
    reference is in a memo that banks read: the e-mail address is typed again."""
    from . import money

    return {
        "frequency": contribution.frequency,
        "currency": contribution.currency,
        f"other_{contribution.frequency}": money.format_plain(
            contribution.amount, contribution.currency
        ),
        "cover_fees": bool(contribution.fee_amount),
        "method": contribution.provider,
        "campaign": contribution.campaign,
        "variant": contribution.variant,
    }


def _private(response: Response) -> Response:
    response["Cache-Control"] = "private, no-store"
    return response


# The thanks page of a pending payment refreshes itself every 5 seconds, and anyone holding
# the reference may load it as often as they like: the processor is asked at most this often
# per contribution, and the webhook usually answers sooner anyway.
SYNC_INTERVAL_SECONDS = 5


@require_GET
def thanks(request: HttpRequest, reference: str) -> HttpResponseBase:
    contribution = get_object_or_404(
        Contribution.objects.select_related("supporter"), reference=reference
    )
    provider = get_provider(contribution.provider)
    if (
        provider is not None
        and contribution.status == Contribution.Status.PENDING
        and cache.add(f"support:sync:{contribution.pk}", True, SYNC_INTERVAL_SECONDS)
    ):
        with contextlib.suppress(ProviderError):  # if so, the webhook will tell us
            provider.sync_contribution(contribution)
        contribution.refresh_from_db()
    plan = getattr(contribution, "plan", None) if contribution.is_recurring else None
    return _private(
        TemplateResponse(
            request,
            "support/thanks.html",
            {
                "contribution": contribution,
                "plan": plan,
                "paid": contribution.status == Contribution.Status.PAID,
            },
        )
    )


@require_GET
def canceled(request: HttpRequest, reference: str) -> HttpResponseBase:
    contribution = get_object_or_404(Contribution, reference=reference)
    if contribution.status == Contribution.Status.PAID:
        return redirect("support:thanks", reference)
    form = ContributionForm(initial=_initial(contribution))
    message = _("The payment was not completed, and nothing was charged. You can try again.")
    return _private(allow_checkout(_page(request, form, refusal=message)))


@require_GET
def transfer(request: HttpRequest, reference: str) -> HttpResponseBase:
    contribution = get_object_or_404(Contribution, reference=reference, provider="bank")
    return _private(
        TemplateResponse(
            request,
            "support/transfer.html",
            {"contribution": contribution, "bank": settings.BANK_TRANSFER},
        )
    )


@require_GET
def check_email(request: HttpRequest, reference: str) -> HttpResponseBase:
    contribution = get_object_or_404(Contribution, reference=reference)
    return _private(
        TemplateResponse(request, "support/check_email.html", {"contribution": contribution})
    )


@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponseBase:
    """The link from the confirmation e-mail: a button, so mail scanners that open links start
    nothing; pressing it goes on to the processor."""
    contribution = links.contribution_from_confirmation(token)
    if contribution is None:
        return _private(TemplateResponse(request, "support/link_expired.html", status=410))
    if contribution.status == Contribution.Status.PAID:
        return redirect("support:thanks", contribution.reference)
    if request.method == "POST":
        ledger.release(contribution, ledger.Actor.reader())
        if contribution.status != Contribution.Status.PENDING:
            raise Http404
        return _go_pay(request, contribution)
    return _private(
        allow_checkout(
            TemplateResponse(request, "support/confirm.html", {"contribution": contribution})
        )
    )
