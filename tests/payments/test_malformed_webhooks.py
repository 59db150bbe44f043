"""Webhooks that carry a valid signature but a body no Stripe event has: refused with a 4xx,
kept by their id so that redeliveries end, and nothing applied to the ledger."""

from __future__ import annotations

import json
import re
import time
from typing import Any

import pytest
import stripe

from tamizdat.payments.models import WebhookEvent
from tamizdat.support.models import Contribution
from tests import factories
from tests.revenue import WEBHOOK_SECRET

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _stripe(settings):
    settings.STRIPE_SECRET_KEY = "sk_test_tamizdat"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET


def deliver(client, body: Any, signed_at: int | None = None) -> int:
    text = body if isinstance(body, str) else json.dumps(body)
    header = stripe.WebhookSignature.generate_signature_header(
        text, WEBHOOK_SECRET, timestamp=signed_at
    )
    return client.post(
        "/payments/webhook/stripe/",
        data=text,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=header,
    ).status_code


def event(event_id: str, **fields: Any) -> dict[str, Any]:
    return {"id": event_id, "object": "event", "created": int(time.time()), **fields}


def test_signed_bodies_that_are_no_event_are_refused(client):
    for body in ["[]", '"evt_1"', "null", "{}", {"id": 7, "type": "invoice.paid"}]:
        assert deliver(client, body) == 400, body
    assert not WebhookEvent.objects.exists()


def test_malformed_events_are_refused_kept_by_id_and_not_retried(client):
    reference = factories.contribution(factories.supporter("reader@example.org")).reference
    session = {"object": "checkout.session", "metadata": {"tamizdat_reference": reference}}
    malformed = {
        "evt_created_null": event("evt_created_null", type="invoice.paid", created=None),
        "evt_created_huge": event("evt_created_huge", type="invoice.paid", created=1e20),
        "evt_no_data": event("evt_no_data", type="checkout.session.completed"),
        "evt_string_metadata": event(
            "evt_string_metadata",
            type="checkout.session.expired",
            data={"object": {"metadata": "tamizdat_reference"}},
        ),
        "evt_update_without_id": event(
            "evt_update_without_id",
            type="customer.subscription.updated",
            data={"object": {"object": "subscription"}},
        ),
        "evt_half_a_session": event(
            "evt_half_a_session",
            type="checkout.session.completed",
            data={"object": {**session, "mode": "payment", "payment_status": "paid"}},
        ),
    }
    for event_id, body in malformed.items():
        assert deliver(client, body) == 422, event_id
        # Stripe sends it again until it hears a 2xx: the second time it is a known duplicate.
        assert deliver(client, body) == 200, event_id
    refused = WebhookEvent.objects.filter(event_id__in=malformed)
    assert refused.count() == len(malformed)
    assert all(e.rejected and e.processed_at is None and e.payload == {} for e in refused)
    # The half session (no payment intent, no amount) recorded nothing, not even "paid".
    assert Contribution.objects.get(reference=reference).status == Contribution.Status.PENDING


def test_a_signature_dated_in_the_future_is_refused(client):
    tomorrow = int(time.time()) + 86_400
    assert deliver(client, event("evt_future", type="customer.created"), signed_at=tomorrow) == 400
    assert deliver(client, event("evt_now", type="customer.created")) == 200


def test_metrics_count_each_delivery_by_what_became_of_it(client, settings):
    settings.METRICS_TOKEN = "metrics token"

    def delivered() -> dict[str, float]:
        text = client.get("/metrics", HTTP_AUTHORIZATION="Bearer metrics token").content.decode()
        pattern = r'^tamizdat_webhook_deliveries_total\{outcome="(\w+)",provider="stripe"\} (\S+)$'
        return {outcome: float(n) for outcome, n in re.findall(pattern, text, re.MULTILINE)}

    before = delivered()
    assert deliver(client, event("evt_counted", type="customer.created")) == 200
    assert deliver(client, event("evt_counted", type="customer.created")) == 200
    assert deliver(client, event("evt_bad", type="invoice.paid", created=None)) == 422
    forged = client.post(
        "/payments/webhook/stripe/",
        data="{}",
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE="t=1,v1=forged",
    )
    assert forged.status_code == 400
    after = delivered()
    grown = {outcome: after[outcome] - before.get(outcome, 0) for outcome in after}
    assert grown == {"applied": 1, "duplicate": 1, "refused": 1, "rejected": 1}


@pytest.mark.django_db(transaction=True)
def test_a_redelivery_is_answered_while_another_write_holds_the_database(client):
    import sqlite3

    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("SQLite's single write lock")
    body = event("evt_stored", type="invoice.paid", created=None)
    assert deliver(client, body) == 422
    # Another process (a worker sending receipts, a reader giving) holds the write lock.
    other = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        started = time.monotonic()
        # Stored already: answered from a read, without waiting for the lock.
        assert deliver(client, body) == 200
        assert time.monotonic() - started < 1
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert WebhookEvent.objects.filter(event_id="evt_stored").count() == 1
