"""The anonymous event counters: aggregate numbers per campaign, arm, language and day."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .campaign import Campaign


class Event(models.TextChoices):
    IMPRESSION = "impression", _("Impressions")
    CLICK = "click", _("Clicks")
    DISMISS = "dismiss", _("Dismissals")
    SNOOZE = "snooze", _("Reminders later")
    FORM_OPEN = "form_open", _("Forms opened")
    CHECKOUT = "checkout", _("Checkouts started")


class EventCount(models.Model):
    """How many times readers' browsers reported an event, per campaign, arm, language and day;
    nothing about who."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="event_counts")
    variant = models.CharField(max_length=20)
    language = models.CharField(max_length=8)
    day = models.DateField()
    event = models.CharField(max_length=16, choices=Event.choices)
    count = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("event count")
        verbose_name_plural = _("event counts")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "variant", "language", "day", "event"],
                name="one_counter_per_campaign_variant_language_day_event",
            )
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}/{self.variant}/{self.language}/{self.day}/{self.event}"
