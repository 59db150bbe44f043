"""Pages that carry the contribution form in a campaign may send it on to the processor."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from tamizdat.support.views import allow_checkout

FORM_FLAG = "_prompts_contribution_form"


def is_form_embedded(request: HttpRequest | None) -> bool:
    """Whether this response already carries a contribution form."""
    return getattr(request, FORM_FLAG, False)


def mark_form_embedded(request: HttpRequest) -> bool:
    """Note that this response carries a contribution form; whether one was already noted."""
    already = getattr(request, FORM_FLAG, False)
    setattr(request, FORM_FLAG, True)
    return already


class CheckoutFormActionMiddleware:
    """A reading page with the appeal's (or the overlay's) contribution form gets the same
    `form-action` allowance as the support page: browsers apply it to the redirect from the
    form's POST to the processor's hosted checkout. Sits inside django-csp's middleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if getattr(request, FORM_FLAG, False):
            allow_checkout(response)
        return response
