"""Readers' pages of newsletters. The sign-up form posts; no page holds anything per reader,
so the reading pages that carry the form stay cacheable. Links from mails are signed."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils import translation
from django.utils.translation import get_language
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from tamizdat.web.page_cache import cache_publicly

from . import compose, links, subscribing
from .forms import PreferencesForm, SubscribeForm, offered
from .models import Issue, Newsletter


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


def _page(request: HttpRequest, form: SubscribeForm, status: int = 200, **extra: Any) -> Any:
    newsletters = list(offered(get_language()))
    if form.is_bound:
        chosen = request.POST.getlist("newsletters")
    else:  # one newsletter ticked by default only when there is just one to choose
        chosen = [str(newsletters[0].pk)] if len(newsletters) == 1 else []
    context = {"form": form, "newsletters": newsletters, "chosen": chosen, **extra}
    return TemplateResponse(request, "newsletters/newsletters_page.html", context, status=status)


@require_safe
def newsletters_page(request: HttpRequest) -> HttpResponse:
    return cache_publicly(_page(request, SubscribeForm(language=get_language())))


# No CSRF token: the form is in cached article pages that are the same for every reader. A
# forged sign-up gains nothing: it only mails a confirmation link, within the limits.
@csrf_exempt
@require_POST
def subscribe(request: HttpRequest) -> HttpResponse:
    language = get_language()
    form = SubscribeForm(request.POST, language=language)
    if not form.is_valid():
        return _private(_page(request, form, status=400))
    data = form.cleaned_data
    sign_up = links.Request(
        email=data["email"],
        language=language,
        newsletters=tuple(sorted(n.pk for n in data["newsletters"])),
    )
    if subscribing.sign_up(request, sign_up, data["website"]) is subscribing.SignUp.LIMITED:
        refusal = translation.gettext(
            "Too many sign-ups from here or for this address. Please try again tomorrow."
        )
        return _private(_page(request, form, status=429, refusal=refusal))
    # The same answer for an address that is subscribed already and one that is not.
    return _private(TemplateResponse(request, "newsletters/check_email.html", {}))


def _expired(request: HttpRequest) -> HttpResponse:
    return _private(TemplateResponse(request, "newsletters/link_expired.html", {}, status=400))


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """A GET shows a button and changes nothing (mail scanners open links); the button
    confirms."""
    sign_up = links.request_from_token(token)
    if sign_up is None:
        return _expired(request)
    chosen = list(Newsletter.objects.filter(pk__in=sign_up.newsletters, live=True))
    if request.method == "POST":
        subscribing.confirm(sign_up)
        return _private(
            TemplateResponse(request, "newsletters/confirmed.html", {"newsletters": chosen})
        )
    return _private(
        TemplateResponse(
            request, "newsletters/confirm.html", {"newsletters": chosen, "email": sign_up.email}
        )
    )


# No CSRF token: mail providers post the one-click unsubscribe (RFC 8058) without one, and the
# signed address is what authorises it.
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """A POST of `List-Unsubscribe=One-Click` (or the page's button) unsubscribes from this
    newsletter; a GET only shows the reader's choices, so a link scanner changes nothing."""
    found = links.from_unsubscribe_token(token)
    if found is None:
        return _expired(request)
    subscriber, newsletter = found
    action = request.POST.get("action", "")
    if request.method == "POST" and (
        request.POST.get("List-Unsubscribe") == "One-Click" or action == "unsubscribe"
    ):
        subscribing.unsubscribe(subscriber, [newsletter])
        return _done(request, [newsletter])
    if request.method == "POST" and action == "all":
        everything = list(Newsletter.objects.filter(subscriptions__subscriber=subscriber))
        subscribing.unsubscribe(subscriber, everything)
        return _done(request, everything)
    subscribed_to = Newsletter.objects.filter(subscriptions__subscriber=subscriber)
    form = PreferencesForm(
        request.POST if action == "save" else None,
        subscribed_to=subscribed_to,
        initial={"newsletters": subscribing.current(subscriber), "language": subscriber.language},
    )
    saved = False
    if action == "save" and form.is_valid():
        wanted = {n.pk for n in form.cleaned_data["newsletters"]}
        subscribing.keep_only(subscriber, wanted, form.cleaned_data["language"])
        saved = True
    status = 400 if form.is_bound and not form.is_valid() else 200
    context = {"form": form, "newsletter": newsletter, "saved": saved, "email": subscriber.email}
    return _private(
        TemplateResponse(request, "newsletters/preferences.html", context, status=status)
    )


def _done(request: HttpRequest, newsletters: list[Newsletter]) -> HttpResponse:
    return _private(
        TemplateResponse(request, "newsletters/unsubscribed.html", {"newsletters": newsletters})
    )


def _newsletter(slug: str) -> Newsletter:
    newsletter = get_object_or_404(Newsletter, slug=slug)
    if newsletter.language != get_language():
        raise Http404
    return newsletter


@require_safe
def archive(request: HttpRequest, slug: str) -> HttpResponse:
    newsletter = _newsletter(slug)
    issues = newsletter.issues.filter(state=Issue.State.SENT).order_by("-sent_at")
    context = {"newsletter": newsletter, "issues": issues}
    return cache_publicly(TemplateResponse(request, "newsletters/archive.html", context))


@require_safe
def issue(request: HttpRequest, slug: str, issue_id: int) -> HttpResponse:
    """The web version of a sent issue, with the site's own relative links."""
    newsletter = _newsletter(slug)
    sent = get_object_or_404(newsletter.issues, pk=issue_id, state=Issue.State.SENT)
    context = compose.context(sent, base="", for_mail=False)
    return cache_publicly(TemplateResponse(request, "newsletters/issue_page.html", context))
