"""Signed links in newsletter mails: "confirm your subscription" (expiring) and "unsubscribe
or change what you get" (for as long as the subscription lasts; a mail read a year later must
still let its reader leave). No passwords, no accounts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import translation

from .models import Newsletter, Subscriber

CONFIRM_SALT = "tamizdat.newsletters.confirm"
UNSUBSCRIBE_SALT = "tamizdat.newsletters.unsubscribe"
CONFIRM_SECONDS = 48 * 3600
# Reversed in place of a token, then replaced by one (a token's characters need no quoting).
TOKEN_SLOT = "TOKEN"


@dataclass(frozen=True)
class Request:
    """What a reader asked for on a sign-up form, carried by the confirmation link itself:
    nothing about them is stored until they follow it."""

    email: str
    language: str
    newsletters: tuple[int, ...]


def confirmation_token(request: Request) -> str:
    payload = {"e": request.email, "l": request.language, "n": list(request.newsletters)}
    return signing.dumps(payload, salt=CONFIRM_SALT, compress=True)


def request_from_token(token: str) -> Request | None:
    """The sign-up a confirmation link carries, or None if it is forged or expired."""
    try:
        payload = signing.loads(token, salt=CONFIRM_SALT, max_age=CONFIRM_SECONDS)
        return Request(
            email=str(payload["e"]),
            language=str(payload["l"]),
            newsletters=tuple(int(pk) for pk in payload["n"]),
        )
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


def confirmation_url(request: Request) -> str:
    with translation.override(request.language):
        path = reverse("newsletters:confirm", args=[confirmation_token(request)])
    return settings.BASE_URL + path


def unsubscribe_token(subscriber_id: int, newsletter_id: int) -> str:
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign(f"{subscriber_id}.{newsletter_id}")


def unsubscribe_url(subscriber: Subscriber, newsletter: Newsletter) -> str:
    """The one address behind `List-Unsubscribe` and the mail's own link: a POST to it
    unsubscribes (RFC 8058), a GET shows the reader's choices."""
    return unsubscribe_urls(newsletter)(subscriber.pk)


def unsubscribe_urls(newsletter: Newsletter) -> Callable[[int], str]:
    """`unsubscribe_url` of a newsletter for any subscriber's pk, the path reversed once: an
    issue to a long list signs one token a message and reverses no path."""
    with translation.override(newsletter.language):
        path = reverse("newsletters:unsubscribe", args=[TOKEN_SLOT])
    before, _, after = path.rpartition(TOKEN_SLOT)
    before = settings.BASE_URL + before

    def url(subscriber_id: int) -> str:
        return before + unsubscribe_token(subscriber_id, newsletter.pk) + after

    return url


def from_unsubscribe_token(token: str) -> tuple[Subscriber, Newsletter] | None:
    try:
        value = signing.Signer(salt=UNSUBSCRIBE_SALT).unsign(token)
    except signing.BadSignature:
        return None
    subscriber_id, _, newsletter_id = value.partition(".")
    subscriber = Subscriber.objects.filter(pk=subscriber_id).first()
    newsletter = Newsletter.objects.filter(pk=newsletter_id).first()
    if subscriber is None or newsletter is None:
        return None
    return subscriber, newsletter
