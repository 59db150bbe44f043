"""Signing up (double opt-in), confirming, unsubscribing and changing what one receives.

A sign-up sends a confirmation mail and stores nothing: the link carries the request. The
answer is the same whether the address was subscribed already or not, and confirmation mails
are bounded per address and per sender by the same limits as the contribution confirmations
(`support.defence`).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from tamizdat.support import defence

from .links import Request
from .models import Newsletter, Subscriber, Subscription


class SignUp(enum.Enum):
    MAILED = "mailed"  # also what a bot filling in the honeypot is told
    LIMITED = "limited"


def sign_up(request: HttpRequest, sign_up: Request, honeypot: str) -> SignUp:
    from .tasks import send_confirmation

    if honeypot:
        return SignUp.MAILED
    if (
        defence.over_limit("ip", defence.client_ip(request))
        or defence.over_limit("email", sign_up.email)
        or defence.over_limit("confirm", sign_up.email)
    ):
        return SignUp.LIMITED
    send_confirmation.enqueue(sign_up.email, sign_up.language, list(sign_up.newsletters))
    return SignUp.MAILED


def confirm(sign_up: Request) -> list[Newsletter]:
    """The reader followed the link: subscribed (again) to what they asked for, with the
    moment and language of their consent. Confirming lifts a suppression: the address works,
    and its owner asked."""
    newsletters = list(Newsletter.objects.filter(pk__in=sign_up.newsletters, live=True))
    if not newsletters:
        return []
    now = timezone.now()
    with transaction.atomic():
        subscriber, created = Subscriber.objects.get_or_create(
            email=sign_up.email, defaults={"language": sign_up.language}
        )
        if not created:
            subscriber.language = sign_up.language
            subscriber.suppressed_at = None
            subscriber.suppression = ""
            subscriber.save(update_fields=["language", "suppressed_at", "suppression"])
        for newsletter in newsletters:
            Subscription.objects.update_or_create(
                subscriber=subscriber,
                newsletter=newsletter,
                defaults={
                    "consented_at": now,
                    "consent_language": sign_up.language,
                    "unsubscribed_at": None,
                },
            )
    return newsletters


def unsubscribe(subscriber: Subscriber, newsletters: Iterable[Newsletter]) -> None:
    Subscription.objects.filter(
        subscriber=subscriber, newsletter__in=list(newsletters), unsubscribed_at__isnull=True
    ).update(unsubscribed_at=timezone.now())


def current(subscriber: Subscriber) -> set[int]:
    """The newsletters `subscriber` receives."""
    return set(
        subscriber.subscriptions.filter(unsubscribed_at__isnull=True).values_list(
            "newsletter_id", flat=True
        )
    )


def keep_only(subscriber: Subscriber, wanted: set[int], language: str) -> None:
    """The preferences page: leave what is no longer ticked, take the language. A newsletter
    newly ticked there needs no new confirmation only if it was consented to before."""
    now = timezone.now()
    with transaction.atomic():
        subscriptions = subscriber.subscriptions.all()
        subscriptions.exclude(newsletter_id__in=wanted).filter(unsubscribed_at__isnull=True).update(
            unsubscribed_at=now
        )
        subscriptions.filter(newsletter_id__in=wanted).update(unsubscribed_at=None)
        subscriber.language = language
        subscriber.save(update_fields=["language"])
