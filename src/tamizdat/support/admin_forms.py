"""Staff type amounts the way people write them ("2.50", "3000"); the ledger stores minor units."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from . import money
from .models import AmountSet

AMOUNT_FIELDS = ("default_amount", "minimum", "maximum")


class AmountSetForm(WagtailAdminModelForm):
    suggested = forms.CharField(
        label=_("Suggested amounts"),
        help_text=_("Separated by commas, in the currency's main unit: 5, 10, 25"),
    )
    default_amount = forms.CharField(label=_("Default amount"))
    minimum = forms.CharField(label=_("Minimum"))
    maximum = forms.CharField(label=_("Maximum"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        instance = self.instance
        if instance.pk:
            self.initial["suggested"] = ", ".join(
                money.format_plain(amount, instance.currency) for amount in instance.suggested
            )
            for name in AMOUNT_FIELDS:
                self.initial[name] = money.format_plain(getattr(instance, name), instance.currency)

    def _minor(self, text: str) -> int:
        currency = self.cleaned_data.get("currency")
        if not currency:
            raise forms.ValidationError(_("Choose a currency first."))
        try:
            return money.parse_amount(text, currency)
        except money.AmountError as exc:
            raise forms.ValidationError(
                _("%(value)s is not an amount in %(currency)s."),
                params={"value": text, "currency": currency},
            ) from exc

    def clean_suggested(self) -> list[int]:
        parts = [part for part in self.cleaned_data["suggested"].split(",") if part.strip()]
        if not parts:
            raise forms.ValidationError(_("Suggest at least one amount."))
        return sorted({self._minor(part) for part in parts})

    def clean_default_amount(self) -> int:
        return self._minor(self.cleaned_data["default_amount"])

    def clean_minimum(self) -> int:
        return self._minor(self.cleaned_data["minimum"])

    def clean_maximum(self) -> int:
        return self._minor(self.cleaned_data["maximum"])

    def clean_active(self) -> bool:
        active = self.cleaned_data["active"]
        others = AmountSet.objects.filter(active=True).exclude(pk=self.instance.pk)
        if not active and not others.exists():
            raise forms.ValidationError(
                _("Keep at least one currency and frequency offered, or readers cannot give.")
            )
        return active
