"""1,000+ webhook events from the Stripe peer, each delivered twice, shuffled, over concurrent
connections: every payment is recorded exactly once and every final state is right."""

from __future__ import annotations

import random
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
import stripe
from django.core import mail

from tamizdat.payments.base import ReturnUrls
from tamizdat.payments.models import WebhookEvent
from tamizdat.payments.registry import get_provider
from tamizdat.support.models import Contribution, Payment, RecurringPlan
from tests import factories
from tests.revenue import WEBHOOK_SECRET
from tests.stripe_peer.receiver import Delivery, Receiver

pytestmark = pytest.mark.django_db(transaction=True)


def post(url: str, delivery: Delivery) -> int:
    request = urllib.request.Request(
        url,
        data=delivery.payload,
        method="POST",
        headers={"Content-Type": "application/json", "Stripe-Signature": delivery.signature},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def start(frequency: str, amount: int, index: int) -> Contribution:
    who = factories.supporter(f"reader{index}@example.org")
    contribution = factories.contribution(who, frequency=frequency, amount=amount, currency="EUR")
    urls = ReturnUrls("http://news.example/thanks", "http://news.example/support")
    get_provider("stripe").start_payment(contribution, urls)
    return contribution


def test_a_thousand_events_replayed_duplicated_and_reordered(rails, live_server):
    peer = rails.peer
    peer.reset()
    capture = Receiver(WEBHOOK_SECRET)
    peer.add_webhook(capture.url, WEBHOOK_SECRET)
    peer.hold_events()

    once = [start("once", 1000 + n, n) for n in range(100)]
    monthly = [start("month", 500 + n, 1000 + n) for n in range(20)]
    for contribution in [*once, *monthly]:
        assert peer.pay_checkout(contribution.provider_session_id).status == 303
    subscriptions = [
        stripe.checkout.Session.retrieve(c.provider_session_id).subscription for c in monthly
    ]
    for subscription in subscriptions:
        peer.renew(subscription)
        peer.renew(subscription)
    for subscription in subscriptions[:5]:
        stripe.Subscription.cancel(subscription)
    refunded = once[:10]
    for contribution in refunded:
        intent = stripe.checkout.Session.retrieve(contribution.provider_session_id).payment_intent
        stripe.Refund.create(payment_intent=intent, amount=300)

    held = peer.held_events()
    assert len(held) >= 1000
    peer.release_events(order="shuffled", seed=3)
    peer.wait_idle(timeout=60)
    capture.close()
    assert len(capture.deliveries) == len(held)

    # Every event twice, in random order, sixteen at a time; what asks to be retried (a refund
    # or renewal ahead of its payment, or, on SQLite, a delivery that waited out the database
    # lock under this burst) comes again in the next round, as Stripe does.
    url = f"{live_server.url}/payments/webhook/stripe/"
    pending = capture.deliveries * 2
    random.Random(11).shuffle(pending)
    for _round in range(10):
        with ThreadPoolExecutor(max_workers=16) as pool:
            statuses = list(pool.map(lambda d: post(url, d), pending))
        assert set(statuses) <= {200, 409, 503}, set(statuses)
        pending = [d for d, status in zip(pending, statuses, strict=True) if status in (409, 503)]
        if not pending:
            break
    assert not pending

    assert WebhookEvent.objects.count() == len(held)
    assert Payment.objects.filter(kind="once").count() == 100
    assert Payment.objects.filter(kind="first").count() == 20
    assert Payment.objects.filter(kind="renewal").count() == 40
    assert Payment.objects.count() == 160
    assert len(mail.outbox) == 160  # one receipt per payment
    assert set(Contribution.objects.values_list("status", flat=True)) == {"paid"}
    for contribution in once:
        payment = Payment.objects.get(contribution=contribution)
        assert payment.amount == contribution.amount
        assert payment.refunded_amount == (300 if contribution in refunded else 0)
    plans = {p.provider_plan_id: p for p in RecurringPlan.objects.all()}
    assert len(plans) == 20
    for n, subscription in enumerate(subscriptions):
        expected = "canceled" if n < 5 else "active"
        assert plans[subscription].status == expected, subscription
        assert plans[subscription].payments.count() == 3
