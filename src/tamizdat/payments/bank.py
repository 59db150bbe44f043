"""A manual bank transfer: the reader sees the account and a unique reference; staff mark the
transfer received in the admin, and the same ledger and receipt follow."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tamizdat.support import ledger
from tamizdat.support.models import Contribution, Payment

from .base import PaymentProvider, Redirect, ReturnUrls


class BankTransferProvider(PaymentProvider):
    identifier = "bank"
    verbose_name = _("Bank transfer")
    frequencies = ("once",)

    def is_enabled(self) -> bool:
        return bool(settings.BANK_TRANSFER["iban"])

    def supports(self, currency: str, frequency: str) -> bool:
        return frequency in self.frequencies and currency in settings.BANK_TRANSFER["currencies"]

    def start_payment(self, contribution: Contribution, urls: ReturnUrls) -> Redirect:
        return Redirect(reverse("support:transfer", args=[contribution.reference]))

    def mark_received(
        self, contribution: Contribution, amount: int, received_at: datetime
    ) -> Payment:
        """Staff saw the money arrive; record it once, whoever clicks twice."""
        with transaction.atomic():
            contribution = Contribution.objects.select_for_update().get(pk=contribution.pk)
            payment, _created = ledger.record_payment(
                contribution=contribution,
                plan=None,
                kind=Payment.Kind.ONCE,
                provider=self.identifier,
                provider_payment_id=contribution.reference,
                amount=amount,
                currency=contribution.currency,
                paid_at=received_at,
            )
            ledger.mark_paid(contribution, received_at)
        return payment
