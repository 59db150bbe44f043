"""The sign-up form (at the end of articles, on /newsletters/, after giving) and the
preferences form behind every unsubscribe link."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from tamizdat.support.models import normalize_email

from .models import Newsletter


def offered(language: str) -> QuerySet[Newsletter]:
    return Newsletter.objects.filter(language=language, live=True)


class SubscribeForm(forms.Form):
    email = forms.EmailField(label=_("Your e-mail address"), max_length=254)
    newsletters = forms.ModelMultipleChoiceField(
        queryset=Newsletter.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        label=_("Newsletters"),
        error_messages={
            "required": _("Choose at least one newsletter."),
            "invalid_choice": _("Choose at least one newsletter."),
            "invalid_pk_value": _("Choose at least one newsletter."),
        },
    )
    # A honeypot: hidden from people, filled in by bots.
    website = forms.CharField(required=False, max_length=200)

    def __init__(self, *args: Any, language: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        newsletters = offered(language)
        field = self.fields["newsletters"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = newsletters

    def clean_email(self) -> str:
        return normalize_email(self.cleaned_data["email"])


class PreferencesForm(forms.Form):
    newsletters = forms.ModelMultipleChoiceField(
        queryset=Newsletter.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label=_("What you receive"),
    )
    language = forms.ChoiceField(choices=settings.LANGUAGES, label=_("Language of our mails"))

    def __init__(self, *args: Any, subscribed_to: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["newsletters"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = subscribed_to
