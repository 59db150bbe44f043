"""Webhook ingestion: stored by event id and applied in the same transaction, at most once."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import WebhookEvent

if TYPE_CHECKING:
    from .base import ParsedEvent, PaymentProvider


class RetryLater(Exception):
    """The event refers to something we have not heard of yet; the processor should send it
    again later (Stripe retries for days), and nothing of it is stored meanwhile."""


def ingest(provider: PaymentProvider, event: ParsedEvent) -> bool:
    """Store and apply an event; False if it was already applied (a duplicate delivery).

    The event row and the ledger changes commit together: a crash in between leaves neither,
    and the processor's retry applies the event then. Two concurrent deliveries of one event
    collide on the unique event id, and the loser changes nothing.
    """
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = WebhookEvent.objects.create(
                    provider=provider.identifier,
                    event_id=event.id,
                    type=event.type,
                    created=event.created,
                    payload=event.payload,
                )
        except IntegrityError:
            return False
        provider.apply_event(event)
        record.processed_at = timezone.now()
        record.save(update_fields=["processed_at"])
    return True
