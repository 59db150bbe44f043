"""Signed, expiring links: "manage my support" and "confirm your gift". No passwords, no accounts.

A link names the supporter (or contribution) and the address it was sent to, so changing the
address in the ledger retires the links sent to the old one.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core import signing
from django.urls import reverse

from .models import Contribution, Supporter

MANAGE_SALT = "tamizdat.support.manage"
CONFIRM_SALT = "tamizdat.support.confirm"
CONFIRM_SECONDS = 24 * 3600


def _fingerprint(email: str) -> str:
    return hashlib.sha256(email.encode()).hexdigest()[:12]


def manage_token(supporter: Supporter) -> str:
    return signing.TimestampSigner(salt=MANAGE_SALT).sign(
        f"{supporter.pk}.{_fingerprint(supporter.email)}"
    )


def manage_url(supporter: Supporter) -> str:
    return reverse("support:manage", args=[manage_token(supporter)])


def supporter_from_token(token: str) -> Supporter | None:
    """The supporter a manage link names, or None if it is forged, expired or outdated."""
    try:
        value = signing.TimestampSigner(salt=MANAGE_SALT).unsign(
            token, max_age=settings.SUPPORT_MANAGE_LINK_SECONDS
        )
    except signing.BadSignature:
        return None
    pk, _, fingerprint = value.partition(".")
    supporter = Supporter.objects.filter(pk=pk, shredded_at__isnull=True).first()
    if supporter is None or _fingerprint(supporter.email) != fingerprint:
        return None
    return supporter


def confirmation_token(contribution: Contribution) -> str:
    return signing.TimestampSigner(salt=CONFIRM_SALT).sign(contribution.reference)


def contribution_from_confirmation(token: str) -> Contribution | None:
    try:
        reference = signing.TimestampSigner(salt=CONFIRM_SALT).unsign(
            token, max_age=CONFIRM_SECONDS
        )
    except signing.BadSignature:
        return None
    return Contribution.objects.filter(reference=reference).select_related("supporter").first()
