"""E-mails to supporters, each in the supporter's own language."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from tamizdat.news.context import newsroom_name

from . import links
from .models import Contribution, Payment, Supporter


def _send(
    to: str, language: str, template: str, context: dict, message_id: str | None = None
) -> None:
    with translation.override(language):
        context = {
            **context,
            "site_name": newsroom_name(language),
            "newsroom_address": settings.NEWSROOM_ADDRESS,
            "base_url": settings.BASE_URL,
        }
        subject = render_to_string(f"support/email/{template}_subject.txt", context)
        body = render_to_string(f"support/email/{template}.txt", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.splitlines()).strip(),
        body=body,
        to=[to],
        from_email=settings.DEFAULT_FROM_EMAIL,
        headers={"Message-ID": message_id} if message_id else None,
    )
    message.send()


def send_receipt(payment: Payment) -> None:
    supporter = payment.supporter
    with translation.override(supporter.language):
        manage_url = settings.BASE_URL + links.manage_url(supporter)
    sender_domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2]
    _send(
        supporter.email,
        supporter.language,
        "receipt",
        {
            "payment": payment,
            "supporter": supporter,
            "plan": payment.plan,
            "manage_url": manage_url,
        },
        # The same for every copy: should a worker die between the mail server's acceptance
        # and our record of it, the copy sent again is recognisably the same message, and
        # mailboxes that keep one message per Message-ID show one receipt.
        message_id=f"<receipt-{payment.receipt_number}@{sender_domain}>",
    )


def send_manage_link(supporter: Supporter) -> None:
    with translation.override(supporter.language):
        manage_url = settings.BASE_URL + links.manage_url(supporter)
    _send(
        supporter.email,
        supporter.language,
        "manage_link",
        {
            "supporter": supporter,
            "manage_url": manage_url,
            "hours": settings.SUPPORT_MANAGE_LINK_SECONDS // 3600,
        },
    )


def send_transfer_details(contribution: Contribution) -> None:
    """The account and reference of a bank transfer, which the reader may close the tab on."""
    with translation.override(contribution.language):
        page_url = settings.BASE_URL + reverse("support:transfer", args=[contribution.reference])
    _send(
        contribution.supporter.email,
        contribution.language,
        "transfer",
        {"contribution": contribution, "bank": settings.BANK_TRANSFER, "page_url": page_url},
    )


def send_confirmation(contribution: Contribution) -> None:
    supporter = contribution.supporter
    with translation.override(contribution.language):
        url = settings.BASE_URL + reverse(
            "support:confirm", args=[links.confirmation_token(contribution)]
        )
    _send(
        supporter.email,
        contribution.language,
        "confirm",
        {"contribution": contribution, "confirm_url": url},
    )
