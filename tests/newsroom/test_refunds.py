"""Refunds from the admin: a confirmation step, then the refund through the payment's rail
(Stripe, against the Stripe peer, with its `charge.refunded` webhook; a bank transfer as a
recorded manual refund), written once to the ledger with who asked and why."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone
from wagtail.models import ModelLogEntry

from tamizdat.payments.models import WebhookEvent
from tamizdat.prompts import goal
from tamizdat.support import ledger
from tamizdat.support.models import Payment
from tests import factories
from tests.newsroom.test_dashboard_page import staff_member
from tests.prompts import factories as prompt_factories

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def lead(django_user_model) -> Client:
    staff = Client()
    staff.force_login(
        staff_member(django_user_model, "view_dashboard", "refund_payment", "view_payment")
    )
    return staff


def ask(staff: Client, payment: Payment, amount: str, reason: str = "Gave twice by mistake"):
    """The form, then its confirmation: returns (confirmation page, response to confirming)."""
    url = f"/admin/newsroom/refund/{payment.pk}/"
    review = staff.post(url, {"amount": amount, "reason": reason})
    confirmed = staff.post(url, {"amount": amount, "reason": reason, "confirm": "yes"})
    return review, confirmed


def history(payment: Payment, action: str) -> list[ModelLogEntry]:
    return list(
        ModelLogEntry.objects.filter(object_id=str(payment.pk), action=f"tamizdat.ledger.{action}")
    )


def test_full_refund_through_stripe_and_its_webhook_change_the_ledger_once(rails, client, lead):
    prompt_factories.goal(amount=100_000, currency="USD")
    rails.give(client, amount=50)
    payment = Payment.objects.get()
    assert goal.current().raised == 5000

    url = f"/admin/newsroom/refund/{payment.pk}/"
    review = lead.post(url, {"amount": "50", "reason": "Gave twice by mistake"})
    assert "Refund $50 through Card" in review.content.decode()
    payment.refresh_from_db()
    assert payment.refunded_amount == 0  # nothing before the confirmation
    rails.peer.hold_events()  # so that the ledger has it before Stripe's webhook comes
    _review, confirmed = ask(lead, payment, "50")
    assert confirmed.status_code == 302
    assert confirmed["Location"] == f"/admin/snippets/support/payment/inspect/{payment.pk}/"
    payment.refresh_from_db()
    assert payment.refunded_amount == 5000
    assert goal.current().raised == 0  # the goal counts it at once

    rails.peer.release_events()
    rails.peer.wait_idle()
    event = WebhookEvent.objects.get(type="charge.refunded")
    assert event.processed_at is not None
    payment.refresh_from_db()
    assert payment.refunded_amount == 5000
    assert len(history(payment, "refund")) == 1
    (asked,) = history(payment, "refund_request")
    assert asked.data["reason"] == "Gave twice by mistake"
    assert asked.user.username == "lead"
    assert "Refund asked · $50 · Gave twice by mistake" in asked.message


def test_partial_refunds_then_too_much_then_again(rails, client, lead):
    rails.give(client, amount=50)
    payment = Payment.objects.get()
    ask(lead, payment, "10")
    ask(lead, payment, "10")
    payment.refresh_from_db()
    assert payment.refunded_amount == 2000

    review = lead.post(f"/admin/newsroom/refund/{payment.pk}/", {"amount": "40", "reason": "More"})
    assert review.status_code == 200
    assert "That is more than is left to refund ($30)." in review.content.decode()

    ask(lead, payment, "30")
    rails.peer.wait_idle()
    payment.refresh_from_db()
    assert payment.refunded_amount == 5000
    again = lead.post(f"/admin/newsroom/refund/{payment.pk}/", {"amount": "1", "reason": "x"})
    assert "This payment is refunded in full already." in again.content.decode()
    # Stripe saw three refunds, the ledger three, each once.
    assert len(history(payment, "refund")) == 3
    assert payment.refunded_amount == 5000


def test_a_bank_transfer_refund_is_recorded_by_hand(lead):
    who = factories.supporter("sender@example.org")
    contribution = factories.contribution(who, provider="bank", amount=4000, currency="EUR")
    payment = ledger.receive_transfer(
        contribution,
        amount=4000,
        received_on=timezone.localdate() - datetime.timedelta(days=2),
        actor=factories.TEST_ACTOR,
    )
    with _bank_on():
        review, confirmed = ask(lead, payment, "15.50", reason="Sent back by transfer")
    assert "Refund €15.50 through Bank transfer" in review.content.decode()
    assert confirmed.status_code == 302
    payment.refresh_from_db()
    assert payment.refunded_amount == 1550
    assert history(payment, "refund_request")[0].data["reason"] == "Sent back by transfer"


def test_bad_amounts_get_a_clear_error(lead):
    payment = factories.gift("someone@example.org", amount=2500, provider="bank")
    url = f"/admin/newsroom/refund/{payment.pk}/"
    for amount, message in (
        ("0", "Enter an amount greater than zero."),
        ("two", "Enter an amount such as 5 or 5.50."),
        ("1.234", "Enter an amount such as 5 or 5.50."),
        ("26", "That is more than is left to refund ($25)."),
    ):
        response = lead.post(url, {"amount": amount, "reason": "Testing"})
        assert response.status_code == 200
        assert message in response.content.decode()
    payment.refresh_from_db()
    assert payment.refunded_amount == 0


def test_refunds_need_their_permission(django_user_model):
    payment = factories.gift("someone@example.org", amount=2500)
    staff = Client()
    staff.force_login(staff_member(django_user_model, "view_dashboard", "view_payment"))
    response = staff.post(
        f"/admin/newsroom/refund/{payment.pk}/", {"amount": "25", "reason": "x", "confirm": "yes"}
    )
    assert (response.status_code, response["Location"]) == (302, "/admin/")
    payment.refresh_from_db()
    assert payment.refunded_amount == 0


def _bank_on():
    from django.test import override_settings

    return override_settings(
        BANK_TRANSFER={
            "account_holder": "Tamizdat Media Foundation",
            "iban": "DE89 3704 0044 0532 0130 00",
            "bic": "COBADEFFXXX",
            "bank_name": "Test Bank",
            "currencies": ["EUR", "USD"],
        }
    )


def test_the_payments_listing_offers_a_refund_where_something_is_left(lead):
    open_payment = factories.gift("open@example.org", amount=2500)
    done = factories.gift("done@example.org", amount=2500, refunded=2500)
    listing = lead.get("/admin/snippets/support/payment/").content.decode()
    assert f"/admin/newsroom/refund/{open_payment.pk}/" in listing
    assert f"/admin/newsroom/refund/{done.pk}/" not in listing
