"""Admin forms: amounts typed in a currency's main unit and stored in its minor unit."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from tamizdat.support import money
from tamizdat.support.amounts import all_amounts

from . import amount_lists

AMOUNT_FIELDS = {"once": "once_amounts", "month": "monthly_amounts", "year": "annual_amounts"}


def validate_amount_list(text: str) -> None:
    try:
        amount_lists.check_syntax(text)
    except amount_lists.AmountListError as error:
        raise ValidationError(str(error)) from error


def _check_amounts(form: forms.BaseForm, currency: str) -> None:
    """Each frequency's amounts must be among those the contribution form offers."""
    offered = all_amounts()
    for frequency, name in AMOUNT_FIELDS.items():
        text = form.cleaned_data.get(name)
        if not text:
            continue
        try:
            chosen = amount_lists.parse(text, currency)
        except amount_lists.AmountListError as error:
            form.add_error(name, str(error))
            continue
        table = offered.get((currency, frequency))
        if table is None:
            form.add_error(name, _("The contribution form offers none in this currency."))
        elif amount_lists.not_offered(chosen, table.suggested):
            listed = ", ".join(money.format_plain(amount, currency) for amount in table.suggested)
            form.add_error(
                name,
                _("Choose among the amounts offered (Support → Amounts): %(amounts)s.")
                % {"amounts": listed},
            )


class CampaignAdminForm(WagtailAdminModelForm):
    """Checks what needs the campaign and its variants together: amounts in the campaign's
    currency, and variant keys that differ."""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        currency = cleaned.get("currency")  # a known code, or absent with the field's error
        if not currency:
            return cleaned
        _check_amounts(self, currency)
        keys: set[str] = set()
        variants = self.formsets.get("variants")
        if variants is None or not variants.is_bound:
            return cleaned
        variants.is_valid()  # cleans each variant's own fields first
        for variant_form in variants.forms:
            data = getattr(variant_form, "cleaned_data", None)
            if not data or data.get("DELETE"):
                continue
            _check_amounts(variant_form, currency)
            key = data.get("key")
            if key in keys:
                variant_form.add_error("key", _("Two variants have this key."))
            keys.add(key)
        return cleaned


class FundingGoalAdminForm(WagtailAdminModelForm):
    """The goal and the running costs in the goal's currency, as "10000" or "10000.00"."""

    money_fields = ("amount", "monthly_running_cost")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        currency = self.instance.currency
        for name in self.money_fields:
            model_field = self.fields[name]
            self.fields[name] = forms.DecimalField(
                label=model_field.label,
                help_text=model_field.help_text,
                min_value=0,
                max_digits=15,
                decimal_places=3,
                required=True,
            )
            if money.is_currency(currency):
                self.initial[name] = money.to_major(getattr(self.instance, name), currency)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        currency = cleaned.get("currency")  # a known code, or absent with the field's error
        if not currency:
            return cleaned
        for name in self.money_fields:
            if cleaned.get(name) is None:
                continue
            try:
                cleaned[name] = money.to_minor(cleaned[name], currency)
            except money.AmountError:
                self.add_error(name, _("More decimals than this currency has."))
        return cleaned
