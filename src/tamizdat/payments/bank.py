"""A manual bank transfer: the reader sees the account and a unique reference; staff mark the
transfer received in the admin, and the same ledger and receipt follow."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tamizdat.support import ledger
from tamizdat.support.ledger import Actor, Contribution, Payment

from .base import PaymentProvider, Redirect, ReturnUrls


class BankTransferProvider(PaymentProvider):
    identifier = "bank"
    verbose_name = _("Bank transfer")
    frequencies = ("once",)
    recorded_by_staff = True

    def is_enabled(self) -> bool:
        return bool(settings.BANK_TRANSFER["iban"])

    def supports(self, currency: str, frequency: str) -> bool:
        return frequency in self.frequencies and currency in settings.BANK_TRANSFER["currencies"]

    def start_payment(self, contribution: Contribution, urls: ReturnUrls) -> Redirect:
        return Redirect(reverse("support:transfer", args=[contribution.reference]))

    def mark_received(
        self, contribution: Contribution, amount: int, received_on: date, actor: Actor
    ) -> Payment:
        return ledger.receive_transfer(
            contribution, amount=amount, received_on=received_on, actor=actor
        )

    def refund(self, payment: Payment, amount: int, reason: str, actor: Actor) -> None:
        """Staff sent the money back by transfer themselves: the ledger records that they did."""
        total = ledger.ask_refund(payment, amount, reason, actor)
        ledger.record_refund(payment, total, timezone.now(), actor)
