"""Webhook ingestion: stored by event id and applied in the same transaction, at most once;
and the stored payloads emptied when donor privacy asks for it."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import Q, TextField
from django.db.models.functions import Cast
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


def empty_payloads_naming(traces: Iterable[str]) -> int:
    """Empty every stored payload that names one of `traces` (a supporter's e-mail, the
    processor's ids of their checkouts, plans and payments); the events' ids stay, so a late
    redelivery is still recognised as a duplicate.

    One pass over the payloads as text: a shred on request is rare, and the retention run
    empties old payloads wholesale anyway."""
    naming = Q()
    for trace in traces:
        if trace:
            naming |= Q(text__contains=trace)
    if not naming:
        return 0
    return (
        WebhookEvent.objects.exclude(payload={})
        .annotate(text=Cast("payload", TextField()))
        .filter(naming)
        .update(payload={})
    )


def empty_old_payloads(cutoff: datetime.datetime) -> int:
    """Empty the payloads of webhook events applied before `cutoff`: once applied, the ledger
    holds what matters of them."""
    return (
        WebhookEvent.objects.filter(processed_at__lt=cutoff).exclude(payload={}).update(payload={})
    )
