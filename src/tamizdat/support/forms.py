"""The contribution form: one form for /support/ and the end-of-article appeal.

It works as plain HTML. Each frequency has its own amount choices (`amount_<frequency>`, values
"<CURRENCY>:<minor units>", so a currency switched without JavaScript never reinterprets "$25"
as "¥25") and its own "other amount" box (`other_<frequency>`). Every error is attached to the
field the reader can fix, and every other choice is kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from babel.lists import format_list
from django import forms
from django.conf import settings
from django.utils.html import format_html
from django.utils.translation import get_language, gettext, pgettext
from django.utils.translation import gettext_lazy as _

from tamizdat.payments.base import PaymentProvider
from tamizdat.payments.registry import enabled_providers

from . import money
from .amounts import Amounts, all_amounts, currencies, frequencies
from .models import Frequency

SLUG_LIKE = re.compile(r"^[A-Za-z0-9_.-]{0,64}$")
# The minor units in a suggested amount's value, as this form writes them: ASCII digits only
# (`str.isdigit()` also passes "²⁵", which `int()` refuses).
MINOR_UNITS = re.compile(r"[0-9]{1,12}")
TAMPERED = _("This form was changed on its way to us. Please reload the page and try again.")


@dataclass(frozen=True)
class AmountChoice:
    value: str
    label: str
    checked: bool


@dataclass(frozen=True)
class MethodChoice:
    identifier: str
    label: str
    checked: bool
    # What the rail cannot take, said next to it before the reader presses Continue.
    limits: str
    # What else the reader should know of the rail (a demo processor), said next to it too.
    notice: str

    @property
    def hints(self) -> list[tuple[str, str]]:
        """The lines said beside the rail, each with the name its element's id ends in."""
        return [
            (kind, text)
            for kind, text in (("limits", self.limits), ("notice", self.notice))
            if text
        ]


@dataclass(frozen=True)
class FrequencyPanel:
    frequency: str
    label: str
    checked: bool
    choices: list[AmountChoice]
    other_value: str
    other_checked: bool
    minimum: str
    errors: list[str]


def payable(
    table: dict[tuple[str, str], Amounts], providers: list[PaymentProvider]
) -> dict[tuple[str, str], Amounts]:
    """The (currency, frequency) pairs of `table` that some configured rail can take: the form
    offers nothing a reader could choose but not pay. With no rail at all, every pair (the
    form then says that online payments are not set up)."""
    if not providers:
        return table
    return {key: a for key, a in table.items() if any(p.supports(*key) for p in providers)}


def gift_kinds(frequencies: list[str]) -> list[str]:
    words = {
        "once": pgettext("gifts", "one-time"),
        "month": pgettext("gifts", "monthly"),
        "year": pgettext("gifts", "annual"),
    }
    return [words[f] for f in frequencies]


def _slug_like(value: str) -> None:
    if not SLUG_LIKE.match(value):
        raise forms.ValidationError(TAMPERED, code="tampered")


class ContributionForm(forms.Form):
    frequency = forms.ChoiceField(
        label=_("How often?"),
        choices=Frequency.choices,
        error_messages={
            "required": _("Choose once, monthly or annual."),
            "invalid_choice": _("Choose once, monthly or annual."),
        },
    )
    currency = forms.ChoiceField(
        label=_("Currency"),
        error_messages={
            "required": _("Choose a currency."),
            "invalid_choice": _("We cannot take %(value)s. Choose one of the listed currencies."),
        },
    )
    amount_once = forms.CharField(required=False, max_length=32)
    amount_month = forms.CharField(required=False, max_length=32)
    amount_year = forms.CharField(required=False, max_length=32)
    other_once = forms.CharField(required=False, max_length=20)
    other_month = forms.CharField(required=False, max_length=20)
    other_year = forms.CharField(required=False, max_length=20)
    cover_fees = forms.BooleanField(required=False)
    anonymous = forms.BooleanField(label=_("Give anonymously"), required=False)
    email = forms.EmailField(
        label=_("E-mail for your receipt"),
        max_length=254,
        error_messages={
            "required": _("Enter your e-mail address: we send the receipt there."),
            "invalid": _("Enter an e-mail address like name@example.org."),
        },
    )
    name = forms.CharField(label=_("Name (optional)"), required=False, max_length=100)
    method = forms.ChoiceField(
        label=_("Pay by"),
        error_messages={
            "required": _("Choose how to pay."),
            "invalid_choice": _("Choose how to pay."),
        },
    )
    campaign = forms.CharField(required=False, max_length=64, validators=[_slug_like])
    variant = forms.CharField(required=False, max_length=64, validators=[_slug_like])
    # A field people never see (hidden by the stylesheet, skipped by screen readers): bots fill
    # it in. Named like something a bot wants to fill.
    website = forms.CharField(required=False, max_length=200)
    altcha = forms.CharField(required=False, max_length=2000)

    def __init__(
        self,
        data: Any = None,
        *,
        language: str | None = None,
        currency: str | None = None,
        initial: dict[str, Any] | None = None,
    ) -> None:
        self.language = language or get_language() or settings.LANGUAGE_CODE
        self.providers: list[PaymentProvider] = enabled_providers()
        self.table = payable(all_amounts(), self.providers)
        self.currencies = currencies(self.table)
        default_currency = currency if currency in self.currencies else self.currencies[0]
        start = {
            "frequency": Frequency.ONCE.value,
            "currency": default_currency,
            "method": self.providers[0].identifier if self.providers else "",
            **(initial or {}),
        }
        super().__init__(data, initial=start)
        cast(forms.ChoiceField, self.fields["currency"]).choices = [(c, c) for c in self.currencies]
        cast(forms.ChoiceField, self.fields["method"]).choices = [
            (p.identifier, p.verbose_name) for p in self.providers
        ]
        for name in ("frequency", "currency", "amount_once", "amount_month", "amount_year"):
            self.fields[name].error_messages.setdefault("max_length", TAMPERED)
        for name in ("campaign", "variant"):
            self.fields[name].error_messages["max_length"] = TAMPERED

    # -- what the reader chose -----------------------------------------------------------

    def value(self, name: str) -> Any:
        """The submitted value if bound (valid or not), else the initial one."""
        if self.is_bound:
            return self[name].data
        return self.initial.get(name, "")

    @property
    def chosen(self) -> dict[str, Any]:
        """The reader's current choices, for the template."""
        return {name: self.value(name) for name in ("cover_fees", "anonymous")}

    @property
    def fee_percent(self) -> str:
        return str(settings.SUPPORT_FEE_PERCENT)

    @property
    def shown_currency(self) -> str:
        currency = self.value("currency")
        return currency if currency in self.currencies else self.currencies[0]

    @property
    def shown_frequency(self) -> str:
        """The chosen frequency if it is offered in the shown currency, else the first that is
        (a campaign asking for monthly gifts where only one-time ones can be paid opens on
        Once)."""
        offered = frequencies(self.table, self.shown_currency)
        frequency = self.value("frequency")
        return frequency if frequency in offered else offered[0]

    @property
    def shown_method(self) -> str:
        """What the reader sent; on a fresh form, the first rail that takes the shown choice."""
        method = self.value("method")
        if self.is_bound:
            return str(method or "")
        takes = [
            p.identifier
            for p in self.providers
            if p.supports(self.shown_currency, self.shown_frequency)
        ]
        return method if method in takes else next(iter(takes), "")

    def methods(self) -> list[MethodChoice]:
        shown = self.shown_method
        return [
            MethodChoice(
                p.identifier,
                str(p.verbose_name),
                p.identifier == shown,
                self._limits(p),
                p.notice(),
            )
            for p in self.providers
        ]

    def _limits(self, provider: PaymentProvider) -> str:
        """ "Bank transfer: one-time gifts only." when a rail takes less than the form offers."""
        takes = [key for key in self.table if provider.supports(*key)]
        if len(takes) == len(self.table):
            return ""
        offered = {frequency for _currency, frequency in self.table}
        kinds = [f.value for f in Frequency if any(f.value == k[1] for k in takes)]
        codes = [c for c in self.currencies if any(c == k[0] for k in takes)]
        values = {
            "method": provider.verbose_name,
            "kinds": format_list(gift_kinds(kinds), locale=self.language),
            "currencies": format_list(codes, locale=self.language),
        }
        fewer_kinds, fewer_codes = len(kinds) < len(offered), len(codes) < len(self.currencies)
        if fewer_kinds and fewer_codes:
            return gettext("%(method)s: %(kinds)s gifts in %(currencies)s only.") % values
        if fewer_kinds:
            return gettext("%(method)s: %(kinds)s gifts only.") % values
        if fewer_codes:
            return gettext("%(method)s: only in %(currencies)s.") % values
        return ""

    def panels(self) -> list[FrequencyPanel]:
        currency = self.shown_currency
        panels = []
        for frequency in frequencies(self.table, currency):
            amounts = self.table[(currency, frequency)]
            chosen = self.value(f"amount_{frequency}") or ""
            other = self.value(f"other_{frequency}") or ""
            if not chosen and not other:
                chosen = f"{currency}:{amounts.default}"
            choices = [
                AmountChoice(
                    value=f"{currency}:{amount}",
                    label=money.format_money(amount, currency, self.language),
                    checked=chosen == f"{currency}:{amount}" and not other,
                )
                for amount in amounts.suggested
            ]
            panels.append(
                FrequencyPanel(
                    frequency=frequency,
                    label=str(Frequency(frequency).label),
                    checked=frequency == self.shown_frequency,
                    choices=choices,
                    other_value=other,
                    other_checked=bool(other) or chosen == "other",
                    minimum=format_html(
                        '<span class="minimum">{}</span>',
                        money.format_money(amounts.minimum, currency, self.language),
                    ),
                    errors=[str(e) for e in self.errors.get(f"amount_{frequency}", [])]
                    if self.is_bound
                    else [],
                )
            )
        return panels

    def client_data(self) -> dict[str, Any]:
        """What the form's script needs to switch currency and show the total, as data."""
        return {
            "feePercent": str(settings.SUPPORT_FEE_PERCENT),
            # The live total's words per frequency: "$10 / month".
            "per": {
                "once": "%(amount)s",
                "month": gettext("%(amount)s / month"),
                "year": gettext("%(amount)s / year"),
            },
            "amounts": {
                f"{currency}:{frequency}": {
                    "suggested": [
                        [f"{currency}:{a}", money.format_money(a, currency, self.language)]
                        for a in amounts.suggested
                    ],
                    "default": f"{currency}:{amounts.default}",
                    "minimum": money.format_money(amounts.minimum, currency, self.language),
                    "exponent": money.exponent(currency),
                }
                for (currency, frequency), amounts in self.table.items()
            },
            # Which choices each rail takes, so the script can rule a rail out as they change.
            "methods": {
                p.identifier: [
                    f"{currency}:{frequency}"
                    for currency, frequency in self.table
                    if p.supports(currency, frequency)
                ]
                for p in self.providers
            },
        }

    # -- validation ----------------------------------------------------------------------

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        frequency, currency = data.get("frequency"), data.get("currency")
        if not frequency or not currency:
            return data
        amounts = self.table.get((currency, frequency))
        if amounts is None:
            self.add_error(
                "frequency",
                _("%(frequency)s support is not offered in %(currency)s.")
                % {"frequency": Frequency(frequency).label, "currency": currency},
            )
            return data
        amount = self._amount(frequency, currency, amounts)
        if amount is None:
            return data
        data["amount"] = amount
        data["unusual_amount"] = (
            None if amount in amounts.suggested else f"{currency}:{frequency}:{amount}"
        )
        data["fee_amount"] = (
            money.percentage_of(amount, Decimal(settings.SUPPORT_FEE_PERCENT))
            if data.get("cover_fees")
            else 0
        )
        provider = self.provider
        if provider is not None and not provider.supports(currency, frequency):
            self.add_error(
                "method",
                _("%(method)s is not available for %(frequency)s gifts in %(currency)s.")
                % {
                    "method": provider.verbose_name,
                    "frequency": Frequency(frequency).label.lower(),
                    "currency": currency,
                },
            )
        return data

    def _amount(self, frequency: str, currency: str, amounts: Amounts) -> int | None:
        field = f"amount_{frequency}"
        other = (self.cleaned_data.get(f"other_{frequency}") or "").strip()
        choice = self.cleaned_data.get(field) or ""
        if other:
            try:
                amount = money.parse_amount(other, currency)
            except money.AmountError:
                self.add_error(field, _("Enter the amount as a number, like 25 or 12.50."))
                return None
        elif choice and choice != "other":
            chosen_currency, _sep, minor = choice.partition(":")
            well_formed = MINOR_UNITS.fullmatch(minor) is not None
            if chosen_currency != currency and well_formed:
                self.add_error(field, _("The amounts changed with the currency. Choose again."))
                return None
            if not well_formed:
                self.add_error(field, TAMPERED)
                return None
            amount = int(minor)
        else:
            self.add_error(field, _("Choose an amount or enter your own."))
            return None
        refusal = amounts.refusal(amount, self.language)
        if refusal:
            self.add_error(field, refusal)
            return None
        return amount

    @property
    def provider(self) -> PaymentProvider | None:
        method = self.cleaned_data.get("method") if hasattr(self, "cleaned_data") else None
        return next((p for p in self.providers if p.identifier == method), None)
