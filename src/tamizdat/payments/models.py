"""Webhook events as they came from the processors: stored once by id, applied once."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class WebhookEvent(models.Model):
    provider = models.CharField(_("payment method"), max_length=20)
    event_id = models.CharField(_("event id"), max_length=255)
    type = models.CharField(_("type"), max_length=100, db_index=True)
    created = models.DateTimeField(_("created at the processor"))
    payload = models.JSONField(_("payload"))
    received_at = models.DateTimeField(_("received"), auto_now_add=True)
    processed_at = models.DateTimeField(_("applied"), null=True, blank=True)
    # Why a signed event was refused unapplied (its body did not match its type); kept with
    # its id so that a redelivery is a duplicate instead of a retry for days.
    rejected = models.CharField(_("refused because"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("webhook event")
        verbose_name_plural = _("webhook events")
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "event_id"], name="unique_webhook_event")
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.type} {self.event_id}"
