"""Newsletters, their subscribers and issues, and one delivery row per issue and recipient.

A subscriber is an e-mail address, its language, and per newsletter the moment and language of
the consent (the confirmation of a signed link): nothing else about them, no IP address, no user
agent. Nothing is stored for an address before its owner confirms it.
"""

from __future__ import annotations

import datetime

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalManyToManyField
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel


# The issues of a newsletter: Issue is a ClusterableModel, whose manager the plugin cannot see.
class Newsletter(models.Model):  # type: ignore[django-manager-missing]
    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    language = models.CharField(_("language"), max_length=8)
    description = models.TextField(_("description"), blank=True)
    sender = models.EmailField(
        _("sender"), blank=True, help_text=_("The From address; empty: TAMIZDAT_FROM_EMAIL.")
    )
    sender_name = models.CharField(_("sender name"), max_length=100, blank=True)
    reply_to = models.EmailField(_("reply-to"), blank=True)
    censorship_mode = models.BooleanField(
        _("censorship mode"),
        default=False,
        help_text=_(
            "Links point at the first active mirror (or the onion address) instead of the "
            "main site, and each issue lists the current ways in."
        ),
    )
    full_text = models.BooleanField(
        _("articles in full"),
        default=False,
        help_text=_("Each article's whole text is in the mail, so it can be read offline."),
    )
    live = models.BooleanField(_("open for sign-ups"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    panels = [
        FieldPanel("name"),
        FieldPanel("slug"),
        FieldPanel("language", widget=forms.Select(choices=settings.LANGUAGES)),
        FieldPanel("description"),
        FieldRowPanel([FieldPanel("sender_name"), FieldPanel("sender"), FieldPanel("reply_to")]),
        MultiFieldPanel(
            [FieldPanel("censorship_mode"), FieldPanel("full_text")], heading=_("Censorship")
        ),
        FieldPanel("live"),
    ]

    class Meta:
        verbose_name = _("newsletter")
        verbose_name_plural = _("newsletters")
        ordering = ["language", "name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.language not in dict(settings.LANGUAGES):
            raise ValidationError({"language": _("Choose one of the site's languages.")})


class Subscriber(models.Model):
    class Suppression(models.TextChoices):
        BOUNCED = "bounced", _("Bounced")
        COMPLAINED = "complained", _("Marked as spam")
        REJECTED = "rejected", _("Rejected by the mail server")

    wagtail_reference_index_ignore = True

    email = models.EmailField(_("e-mail"), unique=True)
    language = models.CharField(_("language"), max_length=8)
    created_at = models.DateTimeField(_("first confirmed"), auto_now_add=True)
    suppressed_at = models.DateTimeField(_("suppressed"), null=True, blank=True)
    suppression = models.CharField(
        _("why suppressed"), max_length=12, choices=Suppression.choices, blank=True
    )

    class Meta:
        verbose_name = _("subscriber")
        verbose_name_plural = _("subscribers")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.email


class Subscription(models.Model):
    wagtail_reference_index_ignore = True

    subscriber = models.ForeignKey(
        Subscriber, on_delete=models.CASCADE, related_name="subscriptions"
    )
    newsletter = models.ForeignKey(
        Newsletter, on_delete=models.CASCADE, related_name="subscriptions"
    )
    consented_at = models.DateTimeField(_("consent given"))
    consent_language = models.CharField(_("language of the consent"), max_length=8)
    unsubscribed_at = models.DateTimeField(_("unsubscribed"), null=True, blank=True)

    class Meta:
        verbose_name = _("subscription")
        verbose_name_plural = _("subscriptions")
        constraints = [
            models.UniqueConstraint(
                fields=["subscriber", "newsletter"], name="one_subscription_per_newsletter"
            )
        ]

    def __str__(self) -> str:
        return f"{self.subscriber_id} → {self.newsletter_id}"


def receiving(newsletter: Newsletter) -> models.QuerySet[Subscriber]:
    """Who an issue of `newsletter` goes to: confirmed, not unsubscribed, not suppressed."""
    return Subscriber.objects.filter(
        suppressed_at__isnull=True,
        subscriptions__newsletter=newsletter,
        subscriptions__unsubscribed_at__isnull=True,
    )


LOCKED_MESSAGE = _(
    "This issue has gone out to readers: its content can no longer be changed. "
    "To correct it, write a new issue."
)

OptionalMoment = models.DateTimeField[datetime.datetime | None, datetime.datetime | None]


class Issue(ClusterableModel):
    class Articles(models.TextChoices):
        CHOSEN = "chosen", _("The articles chosen below")
        DAY = "day", _("The day's articles")
        WEEK = "week", _("The week's articles")

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SCHEDULED = "scheduled", _("Scheduled")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")

    newsletter: models.ForeignKey[Newsletter, Newsletter] = models.ForeignKey(
        Newsletter, on_delete=models.PROTECT, related_name="issues", verbose_name=_("newsletter")
    )
    subject: models.CharField[str, str] = models.CharField(_("subject"), max_length=200)
    introduction: models.TextField[str, str] = models.TextField(_("introduction"), blank=True)
    article_choice: models.CharField[str, str] = models.CharField(
        _("articles"), max_length=8, choices=Articles.choices, default=Articles.CHOSEN
    )
    articles = ParentalManyToManyField(
        "news.ArticlePage", blank=True, related_name="+", verbose_name=_("chosen articles")
    )
    appeal: models.BooleanField[bool, bool] = models.BooleanField(
        _("appeal"),
        default=False,
        help_text=_("An appeal with this month's funding goal and a link to support us."),
    )
    appeal_text: models.TextField[str, str] = models.TextField(_("appeal text"), blank=True)
    state: models.CharField[str, str] = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.DRAFT, editable=False
    )
    scheduled_at: OptionalMoment = models.DateTimeField(
        _("scheduled for"), null=True, blank=True, editable=False
    )
    started_at: OptionalMoment = models.DateTimeField(
        _("sending started"), null=True, editable=False
    )
    sent_at: OptionalMoment = models.DateTimeField(_("sent"), null=True, editable=False)
    created_at: models.DateTimeField[datetime.datetime, datetime.datetime]
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    panels = [
        FieldPanel("newsletter"),
        FieldPanel("subject"),
        FieldPanel("introduction"),
        MultiFieldPanel(
            [FieldPanel("article_choice"), FieldPanel("articles")], heading=_("Articles")
        ),
        MultiFieldPanel([FieldPanel("appeal"), FieldPanel("appeal_text")], heading=_("Appeal")),
    ]

    class Meta:
        verbose_name = _("issue")
        verbose_name_plural = _("issues")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.subject

    @property
    def editable(self) -> bool:
        return self.state in (self.State.DRAFT, self.State.SCHEDULED)

    def clean(self) -> None:
        # What readers received, and the web version of it, stay as they were sent.
        if not self.editable:
            raise ValidationError(LOCKED_MESSAGE)

    def progress(self) -> dict[str, int]:
        counts = dict.fromkeys(Delivery.State.values, 0)
        for state, count in (
            self.deliveries.values_list("state").annotate(count=models.Count("pk")).order_by()
        ):
            counts[state] = count
        return counts


class Delivery(models.Model):
    """One issue to one subscriber: claimed by a sender for a while, then sent or failed."""

    class State(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    wagtail_reference_index_ignore = True

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="deliveries")
    # Kept when a subscriber is forgotten, so an issue's figures stay whole; never sent then.
    subscriber = models.ForeignKey(
        Subscriber, on_delete=models.SET_NULL, null=True, related_name="deliveries"
    )
    state = models.CharField(max_length=8, choices=State.choices, default=State.WAITING)
    claimed_until = models.DateTimeField(null=True)
    claim = models.CharField(max_length=32, blank=True)
    sent_at = models.DateTimeField(null=True, db_index=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["issue", "subscriber"], name="one_delivery_each")
        ]
        indexes = [models.Index(fields=["issue", "state"], name="delivery_issue_state")]

    def __str__(self) -> str:
        return f"{self.issue_id}:{self.subscriber_id}:{self.state}"
