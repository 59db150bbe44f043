"""Webhook ingestion: stored by event id and applied in the same transaction, at most once;
and the stored payloads emptied when donor privacy asks for it."""

from __future__ import annotations

import dataclasses
import datetime
import logging
from collections.abc import Iterable
from enum import StrEnum
from typing import TYPE_CHECKING

from django.db import IntegrityError, connection, transaction
from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from .base import MalformedEvent
from .models import WebhookEvent

if TYPE_CHECKING:
    from .base import ParsedEvent, PaymentProvider

log = logging.getLogger(__name__)


class RetryLater(Exception):
    """The event refers to something we have not heard of yet; the processor should send it
    again later (Stripe retries for days), and nothing of it is stored meanwhile."""


class Outcome(StrEnum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"  # stored before: applied or refused then, nothing to do now
    REFUSED = "refused"  # signed, but its body does not match its type; kept by its id


def ingest(provider: PaymentProvider, event: ParsedEvent) -> Outcome:
    """Store and apply an event, at most once.

    The event row and the ledger changes commit together: a crash in between leaves neither,
    and the processor's retry applies the event then. Two concurrent deliveries of one event
    collide on the unique event id, and the loser changes nothing. A malformed event changes
    nothing in the ledger either; its id is kept so that its redeliveries are duplicates.
    """
    # A redelivery (processors retry, and replay in bulk) is answered from a read: on SQLite
    # it then never queues for the one write lock behind the deliveries that change something.
    # Two first deliveries racing both pass here; the unique event id settles them below.
    if _stored(provider, event):
        return Outcome.DUPLICATE
    if event.problem:
        return _refuse(provider, event, event.problem)
    try:
        with transaction.atomic():
            # Stamped applied before it is: the row and the ledger's changes commit together
            # or not at all, so the row needs no second write once applied.
            if _store(provider, event, applied_at=timezone.now()) is None:
                return Outcome.DUPLICATE
            provider.apply_event(event)
    except MalformedEvent as exc:
        return _refuse(provider, event, str(exc))
    return Outcome.APPLIED


def _stored(provider: PaymentProvider, event: ParsedEvent) -> bool:
    """Whether the event's id is stored already. Plain SQL: every delivery asks it first, and
    building the same query through the ORM took ten times as long as running it."""
    table = connection.ops.quote_name(WebhookEvent._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 1 FROM {table} WHERE provider = %s AND event_id = %s LIMIT 1",
            [provider.identifier, event.id],
        )
        return cursor.fetchone() is not None


def _store(
    provider: PaymentProvider,
    event: ParsedEvent,
    rejected: str = "",
    applied_at: datetime.datetime | None = None,
) -> WebhookEvent | None:
    """The event's new row; None if its id is stored already."""
    try:
        with transaction.atomic():
            return WebhookEvent.objects.create(
                provider=provider.identifier,
                event_id=event.id,
                type=event.type,
                created=event.created,
                payload=event.payload,
                rejected=rejected[:200],
                processed_at=applied_at,
            )
    except IntegrityError:
        return None


def _refuse(provider: PaymentProvider, event: ParsedEvent, problem: str) -> Outcome:
    log.warning("refused %s event %s (%s): %s", provider.identifier, event.id, event.type, problem)
    # Its body is not kept: the ledger read nothing of it.
    refused = dataclasses.replace(event, payload={})
    return Outcome.REFUSED if _store(provider, refused, problem) else Outcome.DUPLICATE


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
