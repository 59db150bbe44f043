"""Refunds from the admin: staff give a payment back, in full or in part, through the rail it
was paid by; the provider records it in the ledger (`ledger.ask_refund`, `record_refund`)."""

from __future__ import annotations

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from tamizdat.payments.base import NotSupported, ProviderError
from tamizdat.payments.registry import get_provider
from tamizdat.prompts import goal
from tamizdat.support import ledger
from tamizdat.support.ledger import Actor, Payment
from tamizdat.support.money import AmountError, format_money, format_plain, parse_amount


class RefundRefused(Exception):
    """A refund that cannot be made; its message is for the staff member."""


class RefundForm(forms.Form):
    amount = forms.CharField(label=_("Amount to refund"), max_length=20)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=ledger.REFUND_REASON_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Kept in the payment's history; no personal data, please."),
    )

    def __init__(self, payment: Payment, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.payment = payment
        self.fields["amount"].label = _("Amount to refund (%(currency)s)") % {
            "currency": payment.currency
        }

    def clean(self) -> dict[str, object]:
        if self.payment.net_amount <= 0:
            raise forms.ValidationError(_("This payment is refunded in full already."))
        return super().clean() or {}

    def clean_amount(self) -> int:
        payment = self.payment
        try:
            amount = parse_amount(self.cleaned_data["amount"], payment.currency)
        except AmountError as exc:
            raise forms.ValidationError(_("Enter an amount such as 5 or 5.50.")) from exc
        if amount <= 0:
            raise forms.ValidationError(_("Enter an amount greater than zero."))
        if amount > payment.net_amount:
            raise forms.ValidationError(
                _("That is more than is left to refund (%(left)s).") % {"left": left_text(payment)}
            )
        return amount


def left_text(payment: Payment) -> str:
    return format_money(payment.net_amount, payment.currency, get_language() or "en")


def initial(payment: Payment) -> dict[str, str]:
    return {"amount": format_plain(payment.net_amount, payment.currency)}


def refund(payment: Payment, amount: int, reason: str, actor: Actor) -> None:
    """Refund through the payment's rail; the goal's figure is computed afresh after it."""
    if payment.net_amount <= 0:
        raise RefundRefused(_("This payment is refunded in full already."))
    provider = get_provider(payment.provider)
    if provider is None or not provider.is_enabled():
        raise RefundRefused(
            _("This payment method is switched off here; refund it at the processor.")
        )
    try:
        provider.refund(payment, amount, reason, actor)
    except NotSupported as exc:
        raise RefundRefused(_("This payment method cannot refund from here.")) from exc
    except ProviderError as exc:
        raise RefundRefused(
            _("The payment processor refused the refund: %(error)s") % {"error": exc}
        ) from exc
    except ledger.LedgerError as exc:
        # Another refund of this payment came first (a second tab, the processor's dashboard).
        payment.refresh_from_db()
        raise RefundRefused(
            _("That is more than is left to refund (%(left)s).") % {"left": left_text(payment)}
        ) from exc
    goal.forget_progress()
