"""Contributions through Stripe's hosted Checkout, against the Stripe peer, with webhooks
delivered to a live Tamizdat: the ledger records what was paid, once."""

from __future__ import annotations

import hashlib
import hmac
import json
import sqlite3
import time

import pytest
import stripe
import time_machine
from django.core import mail
from django.db import connection

from tamizdat.payments.base import ReturnUrls
from tamizdat.payments.models import WebhookEvent
from tamizdat.payments.registry import get_provider
from tamizdat.support.models import Contribution, Payment, RecurringPlan, Supporter
from tests.revenue import WEBHOOK_SECRET

pytestmark = pytest.mark.django_db(transaction=True)


def test_give_once_in_usd(rails, client):
    contribution = rails.give(client, amount=25, campaign="spring", variant="b")

    assert contribution.status == Contribution.Status.PAID
    assert (contribution.amount, contribution.currency, contribution.frequency) == (
        2500,
        "USD",
        "once",
    )
    assert (contribution.campaign, contribution.variant) == ("spring", "b")
    payment = Payment.objects.get()
    assert (payment.amount, payment.currency, payment.kind) == (2500, "USD", "once")
    assert payment.contribution == contribution and payment.plan is None
    assert payment.receipt_sent_at is not None
    assert [m.to for m in mail.outbox] == [["reader@example.org"]]
    assert "$25" in mail.outbox[0].subject
    # The checkout session on Stripe's side carries our reference and the amount.
    session = stripe.checkout.Session.retrieve(contribution.provider_session_id)
    assert session.metadata["tamizdat_reference"] == contribution.reference
    assert session.amount_total == 2500


def test_covering_fees_and_zero_decimal_currency(rails, client):
    contribution = rails.give(client, currency="JPY", amount=3000, cover_fees="on")
    assert (contribution.amount, contribution.fee_amount, contribution.total) == (3000, 90, 3090)
    assert Payment.objects.get().amount == 3090
    assert stripe.checkout.Session.retrieve(contribution.provider_session_id).currency == "jpy"


def test_give_monthly_then_renewal_then_cancel_at_stripe(rails, client):
    contribution = rails.give(client, frequency="month", currency="EUR", amount=5)
    plan = RecurringPlan.objects.get()
    assert contribution.status == Contribution.Status.PAID
    assert (plan.amount, plan.currency, plan.interval, plan.status) == (
        500,
        "EUR",
        "month",
        "active",
    )
    assert plan.provider_plan_id.startswith("sub_")
    assert [p.kind for p in Payment.objects.all()] == ["first"]

    rails.peer.renew(plan.provider_plan_id)
    rails.peer.wait_idle()
    assert sorted(p.kind for p in Payment.objects.all()) == ["first", "renewal"]
    assert len(mail.outbox) == 2

    rails.peer.renew(plan.provider_plan_id, fail=True)
    rails.peer.wait_idle()
    plan.refresh_from_db()
    assert plan.status == RecurringPlan.Status.PAST_DUE

    stripe.Subscription.cancel(plan.provider_plan_id)
    rails.peer.wait_idle()
    plan.refresh_from_db()
    assert plan.status == RecurringPlan.Status.CANCELED
    assert Payment.objects.count() == 2


def test_declined_card_records_nothing_as_paid(rails, client):
    contribution = rails.give(client, card="4000000000000002", amount=25)
    assert contribution.status == Contribution.Status.PENDING
    assert not Payment.objects.exists()
    assert mail.outbox == []
    # Back on our site from the hosted page: nothing charged, the choices kept.
    response = client.get(f"/en/support/canceled/{contribution.reference}/")
    assert b"nothing was charged" in response.content
    assert b'value="25"' in response.content


def test_the_thanks_page_asks_stripe_at_most_every_few_seconds(rails, client, monkeypatch):
    from tamizdat.payments.stripe import provider

    asked = []
    real_call = provider.call
    monkeypatch.setattr(provider, "call", lambda *a, **k: asked.append(a) or real_call(*a, **k))
    response = rails.contribute(client, amount=25)
    contribution = Contribution.objects.get()
    assert contribution.status == Contribution.Status.PENDING
    asked.clear()
    # The page reloads itself, and anyone holding the reference may reload it too.
    with time_machine.travel(time.time(), tick=False) as traveller:
        for _ in range(50):
            assert (
                b"Waiting for your payment"
                in client.get(f"/en/support/thanks/{contribution.reference}/").content
            )
        assert len(asked) == 1
        rails.peer.hold_events()  # the webhook is late: the page finds out by asking
        assert rails.peer.pay_checkout(rails.session_id(response["Location"])).status == 303
        traveller.shift(6)
        page = client.get(f"/en/support/thanks/{contribution.reference}/").content
    assert len(asked) == 2
    assert b"Thank you for your support" in page


def test_refund_at_stripe_reaches_the_ledger(rails, client):
    rails.give(client, amount=50)
    payment = Payment.objects.get()
    stripe.Refund.create(payment_intent=payment.provider_charge_ref, amount=2000)
    rails.peer.wait_idle()
    payment.refresh_from_db()
    assert payment.refunded_amount == 2000


def test_duplicate_and_forged_webhooks(rails, client):
    rails.give(client, amount=25)
    completed = WebhookEvent.objects.get(type="checkout.session.completed")
    assert rails.peer.redeliver(completed.event_id) == 1
    rails.peer.wait_idle()
    assert WebhookEvent.objects.filter(event_id=completed.event_id).count() == 1
    assert Payment.objects.count() == 1 and len(mail.outbox) == 1

    forged = client.post(
        "/payments/webhook/stripe/",
        data=b'{"id": "evt_forged", "type": "checkout.session.completed"}',
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE="t=1,v1=00",
    )
    assert forged.status_code == 400
    assert not WebhookEvent.objects.filter(event_id="evt_forged").exists()


def test_same_address_is_one_supporter(rails, client):
    rails.give(client, amount=25, email=" Reader@Example.org ")
    rails.give(client, amount=10)
    assert Supporter.objects.get().email == "reader@example.org"
    assert Payment.objects.count() == 2


def test_an_abandoned_checkout_expires(rails, client):
    response = rails.contribute(client, amount=25)
    session_id = rails.session_id(response["Location"])
    stripe.checkout.Session.expire(session_id)
    rails.peer.wait_idle()
    assert Contribution.objects.get().status == Contribution.Status.EXPIRED


def test_thank_you_page_before_the_webhook_records_the_payment_once(rails, client):
    rails.peer.hold_events()  # the webhooks are late
    response = rails.contribute(client, amount=25)
    paid = rails.peer.pay_checkout(rails.session_id(response["Location"]))
    page = client.get(paid.location.replace(rails.base_url, ""))
    assert "We received your gift of $25." in page.content.decode()
    assert page["Cache-Control"] == "private, no-store"
    rails.peer.release_events(duplicate=True)
    rails.peer.wait_idle()
    assert Payment.objects.count() == 1 and len(mail.outbox) == 1


def test_starting_checkout_twice_makes_one_stripe_session(rails, client):
    """The create call carries an idempotency key made from our record: a retry after a lost
    answer (or a double submit) gets the same session back, not a second one."""
    response = rails.contribute(client, amount=25)
    first = rails.session_id(response["Location"])
    contribution = Contribution.objects.get(provider_session_id=first)
    session = stripe.checkout.Session.retrieve(first)
    urls = ReturnUrls(session.success_url, session.cancel_url)  # the same request again
    again = get_provider("stripe").start_payment(contribution, urls)
    assert contribution.provider_session_id == first
    assert again.url.endswith(first)
    assert [s.id for s in stripe.checkout.Session.list().data] == [first]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's database-wide write lock")
def test_a_webhook_that_finds_the_database_locked_is_asked_again(rails, client):
    payload = json.dumps(
        {
            "id": "evt_while_locked",
            "object": "event",
            "type": "customer.created",
            "created": int(time.time()),
            "data": {"object": {"id": "cus_1", "object": "customer"}},
        }
    ).encode()
    timestamp = int(time.time())
    digest = hmac.new(
        WEBHOOK_SECRET.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256
    ).hexdigest()

    def deliver() -> int:
        return client.post(
            "/payments/webhook/stripe/",
            data=payload,
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=f"t={timestamp},v1={digest}",
        ).status_code

    # Another process holds the write lock for longer than the lock timeout.
    holder = sqlite3.connect(connection.settings_dict["NAME"])
    holder.execute("BEGIN IMMEDIATE")
    try:
        assert deliver() == 503
    finally:
        holder.rollback()
        holder.close()
    assert not WebhookEvent.objects.filter(event_id="evt_while_locked").exists()
    assert deliver() == 200
    # Kept by its id, so a redelivery is a duplicate; its body, applied to nothing, is not.
    assert WebhookEvent.objects.get(event_id="evt_while_locked").payload == {}


def test_a_declined_card_counts_toward_a_burst(rails, client, settings):
    # The provider announces the decline; the card-testing defence, listening, counts it.
    settings.SUPPORT_BURST_REJECTS = 1
    from tamizdat.support import defence

    assert not defence.guarded()
    rails.give(client, card="4000000000000002", amount=25)
    assert defence.guarded()


def test_canceling_a_plan_already_canceled_at_stripe(rails, client):
    """Stripe answers resource_missing for a subscription canceled from its dashboard; the
    supporter's cancel still goes through and the ledger catches up."""
    from tamizdat.support.ledger import Actor

    rails.give(client, frequency="month", currency="EUR", amount=5)
    plan = RecurringPlan.objects.get()
    rails.peer.hold_events()  # the dashboard's cancellation event has not reached us yet
    stripe.Subscription.cancel(plan.provider_plan_id)
    get_provider("stripe").cancel_plan(plan, "Changed my mind", Actor.supporter())
    plan.refresh_from_db()
    assert (plan.status, plan.cancel_reason) == ("canceled", "Changed my mind")
