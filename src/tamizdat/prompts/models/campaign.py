"""A campaign (the banner, the end-of-article appeal, the overlay) and its A/B variants.

A campaign exists once per language (Wagtail locales); its translations share a translation key.
Nothing here is about a particular reader: what a reader has seen, dismissed or given lives in
that reader's own browser (see `static/prompts/prompts.js`).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField
from wagtail.models import (
    DraftStateMixin,
    Orderable,
    PreviewableMixin,
    RevisionMixin,
    TranslatableMixin,
)

from tamizdat.support.models import Frequency
from tamizdat.support.money import CurrencyField

from ..forms import CampaignAdminForm, validate_amount_list

BASE_ARM = "base"
MAX_VARIANTS = 3
SHORT_TEXT = ["bold", "italic", "link"]
LONG_TEXT = ["bold", "italic", "link", "ol", "ul", "h3"]
TOKENS_HELP = _(
    "You may write {ads_off_since}, {monthly_cost} and {goal}: they become the values set in "
    "Settings → Funding goal."
)


def default_currency() -> str:
    return settings.SUPPORT_DEFAULT_CURRENCY


class CampaignTargetTag(TaggedItemBase):
    content_object = ParentalKey(
        "prompts.Campaign", on_delete=models.CASCADE, related_name="target_tag_items"
    )


class AmountsMixin(models.Model):
    """What the contribution form offers first: a frequency, and per frequency a choice among
    the amounts staff offer (Support → Amounts), written "5, 10*, 20" with the default starred.
    Amounts outside the offered ones would look unusual to the card-testing defence."""

    default_frequency = models.CharField(
        _("frequency chosen first"),
        max_length=5,
        blank=True,
        choices=Frequency.choices,
        help_text=_("The contribution form's own if empty."),
    )
    once_amounts = models.CharField(
        _("one-time amounts"), max_length=100, blank=True, validators=[validate_amount_list]
    )
    monthly_amounts = models.CharField(
        _("monthly amounts"), max_length=100, blank=True, validators=[validate_amount_list]
    )
    annual_amounts = models.CharField(
        _("annual amounts"), max_length=100, blank=True, validators=[validate_amount_list]
    )

    class Meta:
        abstract = True

    def amount_texts(self) -> dict[str, str]:
        return {
            Frequency.ONCE: self.once_amounts,
            Frequency.MONTH: self.monthly_amounts,
            Frequency.YEAR: self.annual_amounts,
        }


# django-stubs cannot follow modelcluster's ParentalKey to its related manager.
class Campaign(  # type: ignore[django-manager-missing]
    PreviewableMixin,
    DraftStateMixin,
    RevisionMixin,
    TranslatableMixin,
    AmountsMixin,
    ClusterableModel,
):
    name = models.CharField(
        _("name"), max_length=120, help_text=_("For staff only, e.g. “December drive”.")
    )

    in_banner = models.BooleanField(_("top banner"), default=True)
    in_appeal = models.BooleanField(_("end-of-article appeal"), default=True)
    opens_overlay = models.BooleanField(
        _("open the appeal over the page"),
        default=False,
        help_text=_(
            "The banner's button opens the appeal and its form in a dialog over the page "
            "instead of going to the support page."
        ),
    )

    headline = models.CharField(
        _("headline"), max_length=160, help_text=_("e.g. “Enjoying ad-free content?”")
    )
    body = RichTextField(
        _("banner text"), features=SHORT_TEXT, help_text=TOKENS_HELP, max_length=1200
    )
    appeal_body = RichTextField(
        _("appeal text"),
        features=LONG_TEXT,
        blank=True,
        help_text=_("The longer message at the end of articles; the banner text if empty."),
    )
    button_label = models.CharField(
        _("button label"), max_length=40, blank=True, help_text=_("“Support us” if empty.")
    )
    remind_label = models.CharField(
        _("reminder label"), max_length=60, blank=True, help_text=_("“Remind me later” if empty.")
    )
    thank_you = RichTextField(
        _("thank-you text"),
        features=SHORT_TEXT,
        blank=True,
        help_text=_("Shown instead of the appeal to readers who have given; a default if empty."),
    )
    show_goal = models.BooleanField(_("show the funding goal in the banner"), default=True)
    currency = CurrencyField(
        _("currency of the suggested amounts"),
        default=default_currency,
        help_text=_("The currency the contribution form starts in."),
    )

    starts_at = models.DateTimeField(_("starts"), null=True, blank=True)
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True)
    priority = models.PositiveSmallIntegerField(
        _("priority"),
        default=0,
        help_text=_("Where several campaigns could show, the highest priority shows."),
    )
    sections = ParentalManyToManyField(
        "news.SectionPage",
        blank=True,
        verbose_name=_("sections"),
        help_text=_("Only in these sections and their articles; everywhere if none is chosen."),
    )
    target_tags = ClusterTaggableManager(
        through=CampaignTargetTag,
        blank=True,
        verbose_name=_("tags"),
        help_text=_("Only on articles with one of these tags; any article if empty."),
    )

    after_article_views = models.PositiveSmallIntegerField(
        _("start after this many article views"),
        default=0,
        help_text=_("Articles the reader has read in this browser before the campaign appears."),
    )
    max_impressions_per_day = models.PositiveSmallIntegerField(
        _("at most this many impressions a day"),
        default=0,
        help_text=_("Per reader's browser, for the banner and the appeal each; 0 for no limit."),
    )
    dismiss_days = models.PositiveSmallIntegerField(
        _("days hidden after “×”"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    snooze_days = models.PositiveSmallIntegerField(
        _("days hidden after “Remind me later”"),
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )

    panels = [
        FieldPanel("name"),
        MultiFieldPanel(
            [FieldPanel("in_banner"), FieldPanel("in_appeal"), FieldPanel("opens_overlay")],
            heading=_("Placement"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("headline"),
                FieldPanel("body"),
                FieldPanel("appeal_body"),
                FieldRowPanel([FieldPanel("button_label"), FieldPanel("remind_label")]),
                FieldPanel("thank_you"),
                FieldPanel("show_goal"),
            ],
            heading=_("Copy"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("currency"),
                FieldPanel("default_frequency"),
                FieldPanel("once_amounts"),
                FieldPanel("monthly_amounts"),
                FieldPanel("annual_amounts"),
            ],
            heading=_("Suggested amounts"),
            help_text=_(
                "Some of the amounts the contribution form offers in this currency (Support → "
                "Amounts), the default marked with *: 5, 10*, 20. Empty: the form's own."
            ),
        ),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("starts_at"), FieldPanel("ends_at")]),
                FieldPanel("priority"),
                FieldPanel("sections", widget=forms.CheckboxSelectMultiple),
                FieldPanel("target_tags"),
            ],
            heading=_("Schedule and targeting"),
            help_text=_(
                "Starts and ends decide when readers see a published campaign, checked in their "
                "browser to the minute, so a banner can end at midnight. Wagtail's own schedule "
                "(beside Publish) decides when these settings themselves go live; most campaigns "
                "need only the dates here."
            ),
        ),
        MultiFieldPanel(
            [
                FieldRowPanel(
                    [FieldPanel("after_article_views"), FieldPanel("max_impressions_per_day")]
                ),
                FieldRowPanel([FieldPanel("dismiss_days"), FieldPanel("snooze_days")]),
            ],
            heading=_("Frequency"),
        ),
        InlinePanel(
            "variants",
            heading=_("Variants (A/B)"),
            label=_("variant"),
            max_num=MAX_VARIANTS,
            help_text=_(
                "Each browser sees the campaign above or one of its variants, always the same "
                "one; empty fields keep the campaign's own."
            ),
        ),
    ]
    base_form_class = CampaignAdminForm

    class Meta(TranslatableMixin.Meta):
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-priority", "name"]

    def __str__(self) -> str:
        return self.name

    def get_preview_template(self, request: Any, mode_name: str) -> str:
        return "prompts/preview.html"

    def serve_preview(self, request: Any, mode_name: str) -> Any:
        # Rendered here, in the campaign's language, rather than later in the admin's.
        with translation.override(self.locale.language_code):
            return super().serve_preview(request, mode_name).render()

    def get_preview_context(self, request: Any, mode_name: str) -> dict[str, Any]:
        """The banner and the appeal of every arm as readers of the campaign's language
        would see them, before anything is published."""
        from tamizdat.news.context import newsroom_name

        from .. import campaigns

        language = self.locale.language_code
        prompt = campaigns.prompt_of(self, campaigns.BANNER, campaigns.facts(language))
        return {
            **super().get_preview_context(request, mode_name),
            "prompt": prompt,
            "language": language,
            "site_name": newsroom_name(language),
            "support_url": campaigns.support_url(language),
        }

    @admin.display(description=_("shown in"))
    def placements(self) -> str:
        """Where the campaign shows, in words, for the admin's listing."""
        shown = [
            label
            for wanted, label in (
                (self.in_banner, _("banner")),
                (self.in_appeal, _("appeal after articles")),
                (self.opens_overlay, _("overlay")),
            )
            if wanted
        ]
        return ", ".join(str(label) for label in shown)

    def clean(self) -> None:
        super().clean()
        errors: dict[str, str | Promise] = {}
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            errors["ends_at"] = _("The end must come after the start.")
        if not (self.in_banner or self.in_appeal):
            errors["in_banner"] = _("Choose the banner, the appeal or both.")
        if errors:
            raise ValidationError(errors)

    def arm_keys(self) -> list[str]:
        return [BASE_ARM, *(variant.key for variant in self.variants.all())]


class CampaignVariant(AmountsMixin, Orderable):
    campaign = ParentalKey(Campaign, on_delete=models.CASCADE, related_name="variants")
    key = models.SlugField(
        _("key"),
        max_length=20,
        help_text=_("A short name shown in the results, e.g. “b” or “short-headline”."),
    )
    headline = models.CharField(_("headline"), max_length=160, blank=True)
    body = RichTextField(_("banner text"), features=SHORT_TEXT, blank=True, max_length=1200)
    appeal_body = RichTextField(_("appeal text"), features=LONG_TEXT, blank=True)
    button_label = models.CharField(_("button label"), max_length=40, blank=True)

    panels = [
        FieldPanel("key"),
        FieldPanel("headline"),
        FieldPanel("body"),
        FieldPanel("appeal_body"),
        FieldPanel("button_label"),
        FieldPanel("default_frequency"),
        FieldPanel("once_amounts"),
        FieldPanel("monthly_amounts"),
        FieldPanel("annual_amounts"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("variant")
        verbose_name_plural = _("variants")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "key"], name="unique_variant_key")
        ]

    def __str__(self) -> str:
        return self.key

    def clean(self) -> None:
        super().clean()
        if self.key == BASE_ARM:
            raise ValidationError({"key": _("“base” names the campaign's own copy.")})
