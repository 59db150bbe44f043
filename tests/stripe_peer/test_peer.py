"""The Stripe peer, driven the way production code drives Stripe: through the official SDK,
plus plain HTTP for the hosted checkout form. Webhooks land on a small local receiver and are
verified with `stripe.Webhook.construct_event`."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import stripe

from tamizdat.stripe_peer.control import StripePeer
from tests.stripe_peer.receiver import Receiver
from tests.waiting import wait_for

pytestmark = pytest.mark.engine_neutral

SECRET = "whsec_peer_tests"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver(SECRET)
    yield receiver
    receiver.close()


@pytest.fixture
def peer(stripe_peer_reset: StripePeer, receiver: Receiver) -> StripePeer:
    stripe_peer_reset.add_webhook(receiver.url, SECRET)
    return stripe_peer_reset


def _payment_session(**overrides: Any) -> Any:
    params: dict[str, Any] = {
        "mode": "payment",
        "line_items": [
            {
                "price_data": {
                    "currency": "eur",
                    "unit_amount": 300,
                    "product_data": {"name": "Tip"},
                },
                "quantity": 1,
            }
        ],
        "success_url": "https://news.example/thanks?session={CHECKOUT_SESSION_ID}",
        "cancel_url": "https://news.example/support",
        "customer_email": "reader@example.org",
    }
    return stripe.checkout.Session.create(**{**params, **overrides})


def test_payment_session_paid_on_hosted_page_then_refunded(
    peer: StripePeer, receiver: Receiver
) -> None:
    product = stripe.Product.create(name="Single article")
    price = stripe.Price.create(product=product.id, unit_amount=500, currency="eur")
    assert (price.object, price.type, price.unit_amount, price.recurring) == (
        "price",
        "one_time",
        500,
        None,
    )
    assert stripe.Price.retrieve(price.id).product == product.id
    assert [p.id for p in stripe.Price.list(product=product.id).data] == [price.id]

    session = _payment_session(
        line_items=[
            {"price": price.id, "quantity": 2},
            {
                "price_data": {
                    "currency": "eur",
                    "unit_amount": 300,
                    "product_data": {"name": "Tip"},
                },
                "quantity": 1,
            },
        ],
        client_reference_id="reader-42",
        metadata={"article": "7"},
        payment_intent_data={"metadata": {"kind": "purchase"}},
        locale="ru",
    )
    assert session.url == f"{peer.base_url}/checkout/{session.id}"
    assert (session.status, session.payment_status, session.amount_total) == (
        "open",
        "unpaid",
        1300,
    )
    assert session.payment_intent is None

    page = requests.get(session.url, timeout=5)
    assert page.status_code == 200
    assert 'value="reader@example.org"' in page.text
    assert 'href="https://news.example/support"' in page.text
    paid = requests.post(
        session.url,
        data={"email": "reader@example.org", "cardNumber": "4242 4242 4242 4242"},
        allow_redirects=False,
        timeout=5,
    )
    assert paid.status_code == 303
    assert paid.headers["Location"] == f"https://news.example/thanks?session={session.id}"

    session = stripe.checkout.Session.retrieve(session.id, expand=["payment_intent", "line_items"])
    assert (session.status, session.payment_status) == ("complete", "paid")
    assert session.customer.startswith("cus_")
    assert session.customer_details.email == "reader@example.org"
    assert session.payment_intent.status == "succeeded"
    assert session.payment_intent.amount == 1300
    assert session.payment_intent.metadata.to_dict() == {"kind": "purchase"}
    assert session.payment_intent.latest_charge.startswith("ch_")
    lines = session.line_items.data
    assert [(i.description, i.quantity, i.amount_total) for i in lines] == [
        ("Single article", 2, 1000),
        ("Tip", 1, 300),
    ]
    assert lines[0].price.id == price.id

    events = receiver.wait_for(
        lambda events: (
            {"checkout.session.completed", "payment_intent.succeeded"} <= {e.type for e in events}
        )
    )
    completed = next(e for e in events if e.type == "checkout.session.completed")
    assert completed.data.object.id == session.id
    assert completed.data.object.client_reference_id == "reader-42"
    assert completed.data.object.metadata.to_dict() == {"article": "7"}
    assert completed.data.object.payment_intent == session.payment_intent.id
    assert stripe.Event.retrieve(completed.id).type == "checkout.session.completed"
    delivery = receiver.deliveries[0]
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(delivery.payload, delivery.signature, "whsec_wrong")

    refund = stripe.Refund.create(payment_intent=session.payment_intent.id, amount=300)
    assert (refund.status, refund.amount) == ("succeeded", 300)
    refunded = receiver.wait_for_type("charge.refunded")[0].data.object
    assert (refunded.amount_refunded, refunded.refunded) == (300, False)
    assert refunded.metadata.to_dict() == {"kind": "purchase"}
    with pytest.raises(stripe.InvalidRequestError):
        stripe.Refund.create(charge=refunded.id, amount=5000)


def test_declined_card_leaves_session_open(peer: StripePeer, receiver: Receiver) -> None:
    session = _payment_session()

    declined = peer.pay_checkout(session.id, "4000000000000002", email="reader@example.org")
    assert declined.status == 402
    assert "Your card was declined." in declined.body
    session = stripe.checkout.Session.retrieve(session.id)
    assert (session.status, session.payment_status, session.payment_intent) == (
        "open",
        "unpaid",
        None,
    )
    failed = receiver.wait_for_type("payment_intent.payment_failed")[0].data.object
    assert failed.last_payment_error.code == "card_declined"
    assert not stripe.Event.list(type="checkout.session.completed").data

    retried = peer.pay_checkout(session.id, email="reader@example.org")
    assert retried.status == 303
    assert stripe.checkout.Session.retrieve(session.id).payment_status == "paid"


def test_subscription_session_renewals_and_cancellation(
    peer: StripePeer, receiver: Receiver
) -> None:
    monthly = stripe.Price.create(
        product_data={"name": "Membership"},
        unit_amount=900,
        currency="eur",
        recurring={"interval": "month"},
    )
    assert (monthly.type, monthly.recurring.interval) == ("recurring", "month")
    session = stripe.checkout.Session.create(
        mode="subscription",
        line_items=[{"price": monthly.id, "quantity": 1}],
        subscription_data={"metadata": {"member": "42"}},
        success_url="https://news.example/welcome",
        customer_email="member@example.org",
    )
    assert peer.pay_checkout(session.id).status == 303
    session = stripe.checkout.Session.retrieve(session.id)
    assert (session.status, session.payment_status) == ("complete", "paid")

    sub = stripe.Subscription.retrieve(session.subscription)
    item = sub["items"].data[0]
    assert (sub.status, sub.customer, sub.metadata.to_dict()) == (
        "active",
        session.customer,
        {"member": "42"},
    )
    assert item.price.id == monthly.id
    assert item.current_period_end > item.current_period_start
    first_period_end = item.current_period_end

    renewal = peer.renew(sub.id)
    assert renewal["invoice"]["billing_reason"] == "subscription_cycle"
    renewed = stripe.Subscription.retrieve(sub.id)
    assert renewed["items"].data[0].current_period_start == first_period_end
    paid = receiver.wait_for_type("invoice.paid", count=2)
    assert [e.data.object.billing_reason for e in paid] == [
        "subscription_create",
        "subscription_cycle",
    ]
    for event in paid:
        invoice = event.data.object
        assert (invoice.subscription, invoice.amount_paid, invoice.currency) == (sub.id, 900, "eur")
        assert invoice.payment_intent.startswith("pi_") and invoice.charge.startswith("ch_")
        assert invoice.parent.subscription_details.metadata.to_dict() == {"member": "42"}
    assert session.invoice == paid[0].data.object.id

    peer.renew(sub.id, fail=True)
    failed = receiver.wait_for_type("invoice.payment_failed")[0].data.object
    assert (failed.billing_reason, failed.status) == ("subscription_cycle", "open")
    assert stripe.Subscription.retrieve(sub.id).status == "past_due"

    yearly = stripe.Price.create(
        product=monthly.product, unit_amount=9000, currency="eur", recurring={"interval": "year"}
    )
    sub = stripe.Subscription.modify(
        sub.id,
        items=[{"id": item.id, "price": yearly.id}],
        proration_behavior="none",
        cancel_at_period_end=True,
        metadata={"member": "42", "plan": "yearly"},
    )
    assert sub["items"].data[0].price.id == yearly.id
    # Renewal, failed renewal, then this update: one customer.subscription.updated each.
    updated = receiver.wait_for_type("customer.subscription.updated", count=3)
    previous = updated[2].data.previous_attributes
    assert previous.cancel_at_period_end is False
    assert previous.metadata.to_dict() == {"member": "42"}

    canceled = stripe.Subscription.cancel(sub.id)
    assert canceled.status == "canceled"
    deleted = receiver.wait_for_type("customer.subscription.deleted")[0]
    assert deleted.data.object.id == sub.id


def test_setup_session_and_expiry(peer: StripePeer, receiver: Receiver) -> None:
    customer = stripe.Customer.create(email="saver@example.org")
    session = stripe.checkout.Session.create(
        mode="setup",
        customer=customer.id,
        currency="eur",
        setup_intent_data={"metadata": {"purpose": "renewals"}},
        success_url="https://news.example/saved",
    )
    assert session.payment_status == "no_payment_required"
    assert peer.pay_checkout(session.id).status == 303  # email comes from the customer
    session = stripe.checkout.Session.retrieve(session.id, expand=["setup_intent"])
    assert session.status == "complete"
    assert session.setup_intent.status == "succeeded"
    assert session.setup_intent.metadata.to_dict() == {"purpose": "renewals"}
    method = stripe.PaymentMethod.retrieve(session.setup_intent.payment_method)
    assert method.customer == customer.id

    other = _payment_session()
    expired = stripe.checkout.Session.expire(other.id)
    assert (expired.status, expired.url) == ("expired", None)
    assert receiver.wait_for_type("checkout.session.expired")[0].data.object.id == other.id
    assert peer.pay_checkout(other.id).status == 410
    with pytest.raises(stripe.InvalidRequestError):
        stripe.checkout.Session.expire(other.id)


def test_idempotency_key_replays_the_first_response(peer: StripePeer) -> None:
    key = f"create-customer-{uuid.uuid4()}"
    first = stripe.Customer.create(email="once@example.org", idempotency_key=key)
    again = stripe.Customer.create(email="once@example.org", idempotency_key=key)
    assert again.id == first.id
    assert again.last_response.headers["Idempotent-Replayed"] == "true"
    assert [c.id for c in stripe.Customer.list().data] == [first.id]
    with pytest.raises(stripe.IdempotencyError):
        stripe.Customer.create(email="twice@example.org", idempotency_key=key)

    key = f"create-session-{uuid.uuid4()}"
    session = _payment_session(idempotency_key=key)
    assert _payment_session(idempotency_key=key).id == session.id
    assert len(stripe.checkout.Session.list().data) == 1


def test_held_events_released_shuffled_duplicated_and_reversed(
    peer: StripePeer, receiver: Receiver
) -> None:
    peer.hold_events()
    for n in range(4):
        stripe.Customer.create(email=f"reader{n}@example.org")
    peer.wait_idle()
    assert receiver.deliveries == []
    held = [e["id"] for e in peer.held_events()]
    assert len(held) == 4

    released = peer.release_events(order="shuffled", duplicate=True, seed=7)
    expected = [event_id for event_id in held for _ in range(2)]
    random.Random(7).shuffle(expected)  # the peer's documented, seeded order
    assert released == expected
    peer.wait_idle()
    assert [e.id for e in receiver.events()] == released

    peer.hold_events()
    stripe.Customer.create(email="late@example.org")
    stripe.Product.create(name="Gift")
    held = [e["id"] for e in peer.held_events()]
    released = peer.release_events(order="reversed")
    assert released == held[::-1]
    assert peer.redeliver(released[0]) == 1
    peer.wait_idle()
    assert [e.id for e in receiver.events()][-3:] == [*released, released[0]]


def test_held_events_can_arrive_late(peer: StripePeer, receiver: Receiver) -> None:
    peer.hold_events()
    stripe.Customer.create(email="late@example.org")
    started = time.monotonic()
    released = peer.release_events(delay=0.3)
    assert receiver.deliveries == []  # released, but not yet delivered
    peer.wait_idle()
    assert time.monotonic() - started >= 0.3
    assert [e.id for e in receiver.events()] == released


def test_failed_deliveries_are_retried(peer: StripePeer, receiver: Receiver) -> None:
    receiver.fail_next = 2
    customer = stripe.Customer.create(email="retry@example.org")
    peer.wait_idle()
    attempts = [a for a in peer.deliveries() if a["type"] == "customer.created"]
    assert [(a["attempt"], a["status"]) for a in attempts] == [(1, 500), (2, 500), (3, 200)]
    assert [e.data.object.id for e in receiver.events()] == [customer.id] * 3


def test_lists_filter_by_creation_and_invoices_by_status(peer: StripePeer) -> None:
    session = stripe.checkout.Session.create(
        mode="subscription",
        line_items=[
            {
                "price_data": {
                    "currency": "eur",
                    "unit_amount": 500,
                    "recurring": {"interval": "month"},
                    "product_data": {"name": "Membership"},
                },
                "quantity": 1,
            }
        ],
        success_url="https://news.example/welcome",
        customer_email="member@example.org",
    )
    assert peer.pay_checkout(session.id).status == 303
    session = stripe.checkout.Session.retrieve(session.id)
    long_ago = int(time.time()) - 90 * 86400
    for object_id in (session.id, session.subscription, session.invoice):
        assert peer.backdate(object_id, long_ago)["created"] == long_ago
    renewed = peer.renew(session.subscription)["invoice"]["id"]
    failed = peer.renew(session.subscription, fail=True)["invoice"]["id"]

    recent = {"gte": long_ago + 1}
    listed = stripe.Invoice.list(created=recent, limit=1)
    assert [i.id for i in listed.auto_paging_iter()] == [failed, renewed]
    assert [i.id for i in stripe.Invoice.list(created=recent, status="paid").data] == [renewed]
    assert [i.id for i in stripe.Invoice.list(created={"lte": long_ago}).data] == [session.invoice]
    assert [i.id for i in stripe.Invoice.list(created=long_ago).data] == [session.invoice]
    assert not stripe.Subscription.list(status="all", created=recent).data
    assert [s.id for s in stripe.Subscription.list(created={"lt": long_ago + 1}).data] == [
        session.subscription
    ]
    assert not stripe.checkout.Session.list(created=recent).data
    with pytest.raises(stripe.InvalidRequestError, match="created"):
        stripe.Invoice.list(created={"after": long_ago})


def test_the_peer_stops_once_the_process_that_started_it_is_killed() -> None:
    # A parent that starts a peer, prints its process id and waits to be killed outright,
    # with no chance to stop it (as a demo's web server or a test run killed by SIGKILL).
    parent = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "from tamizdat.stripe_peer.control import StripePeer\n"
            "peer = StripePeer().start()\n"
            "print(peer._process.pid, flush=True)\n"
            "time.sleep(60)\n",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert parent.stdout is not None
    peer = int(parent.stdout.readline())
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    parent.stdout.close()

    def gone() -> bool:
        # Reaped by whoever adopted it, or a zombie where that process reaps nobody.
        try:
            return "State:\tZ" in Path(f"/proc/{peer}/status").read_text()
        except FileNotFoundError:
            return True

    wait_for(gone, "the orphaned peer's exit", timeout=10)
