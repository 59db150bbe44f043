"""`tamizdat reconcile` finds what the webhooks missed and repairs it from Stripe's objects."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from io import StringIO

import pytest
import stripe
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tamizdat.support.models import Contribution, Payment, RecurringPlan

pytestmark = pytest.mark.django_db(transaction=True)


def reconcile(*args: str) -> tuple[str, int]:
    out = StringIO()
    try:
        call_command("reconcile", *args, stdout=out, stderr=StringIO())
    except SystemExit as exit:
        return out.getvalue(), int(exit.code)
    return out.getvalue(), 0


def today() -> str:
    return datetime.now(UTC).date().isoformat()


def started_long_ago(rails, plan: RecurringPlan, days: int = 90) -> None:
    """Move the plan's checkout, subscription and first invoice out of today's period."""
    subscription = stripe.Subscription.retrieve(plan.provider_plan_id)
    created = int(time.time()) - days * 86400
    for object_id in (plan.contribution.provider_session_id, subscription.id):
        rails.peer.backdate(object_id, created)
    rails.peer.backdate(subscription.latest_invoice, created)


def test_reconcile_repairs_what_lost_webhooks_missed(rails, client):
    rails.give(client, frequency="month", currency="EUR", amount=5)
    plan = RecurringPlan.objects.get()
    assert reconcile()[1] == 0

    # Webhooks stop arriving: a gift is paid and the plan canceled, and we hear of neither.
    rails.peer.hold_events()
    response = rails.contribute(client, amount=25, email="late@example.org")
    rails.peer.pay_checkout(rails.session_id(response["Location"]))
    stripe.Subscription.cancel(plan.provider_plan_id)
    late = Contribution.objects.get(supporter__email="late@example.org")
    assert late.status == "pending"

    output, code = reconcile()
    assert code == 1
    assert f"{late.reference}: paid at Stripe, pending here" in output
    assert f"{plan.provider_plan_id}: canceled" in output

    output, code = reconcile("--repair")
    assert code == 0 and "2 repaired" in output
    late.refresh_from_db()
    plan.refresh_from_db()
    assert late.status == "paid" and plan.status == "canceled"
    assert Payment.objects.filter(contribution=late).count() == 1
    receipts = len(mail.outbox)

    # The held webhooks arrive after all: nothing is recorded twice.
    rails.peer.release_events(order="reversed")
    rails.peer.wait_idle()
    assert Payment.objects.count() == 2
    assert len(mail.outbox) == receipts
    assert reconcile()[1] == 0


def test_renewal_of_a_plan_older_than_the_period_is_recorded_once(rails, client):
    rails.give(client, frequency="month", currency="EUR", amount=5)
    plan = RecurringPlan.objects.get()
    started_long_ago(rails, plan)
    assert reconcile("--since", today())[1] == 0

    # The plan renews today, and its invoice.paid webhook is lost.
    rails.peer.hold_events()
    renewal = rails.peer.renew(plan.provider_plan_id)
    invoice = renewal["invoice"]["id"]
    output, code = reconcile("--since", today())
    assert code == 1
    assert f"{invoice}: 500 eur paid at Stripe for {plan.provider_plan_id}, not recorded" in output

    output, code = reconcile("--since", today(), "--repair")
    assert code == 0 and "1 repaired" in output
    payment = Payment.objects.get(kind=Payment.Kind.RENEWAL)
    assert (payment.provider_payment_id, payment.amount, payment.currency, payment.plan) == (
        invoice,
        500,
        "EUR",
        plan,
    )
    assert payment.paid_at.timestamp() == renewal["invoice"]["status_transitions"]["paid_at"]
    plan.refresh_from_db()
    period_end = renewal["subscription"]["items"]["data"][0]["current_period_end"]
    assert plan.current_period_end.timestamp() == period_end
    receipts = len(mail.outbox)
    assert reconcile("--since", today())[1] == 0

    # The lost webhooks arrive after all: the renewal is not recorded or receipted twice.
    rails.peer.release_events()
    rails.peer.wait_idle()
    assert Payment.objects.filter(kind=Payment.Kind.RENEWAL).count() == 1
    assert len(mail.outbox) == receipts
    assert reconcile("--since", today())[1] == 0


def test_plan_older_than_the_period_canceled_at_stripe_is_canceled_here(rails, client):
    rails.give(client, frequency="year", currency="USD", amount=60)
    plan = RecurringPlan.objects.get()
    started_long_ago(rails, plan, days=200)

    rails.peer.hold_events()
    stripe.Subscription.cancel(plan.provider_plan_id)
    output, code = reconcile("--since", today())
    assert code == 1
    assert f"{plan.provider_plan_id}: canceled 6000/year at Stripe, active 6000/year here" in (
        output
    )

    output, code = reconcile("--since", today(), "--repair")
    assert code == 0 and "1 repaired" in output
    plan.refresh_from_db()
    assert plan.status == RecurringPlan.Status.CANCELED and plan.canceled_at is not None
    assert reconcile("--since", today())[1] == 0
    rails.peer.release_events()
    rails.peer.wait_idle()
    plan.refresh_from_db()
    assert plan.status == RecurringPlan.Status.CANCELED


def test_amount_is_unit_price_times_quantity(rails, client):
    rails.give(client, frequency="month", currency="EUR", amount=5)
    plan = RecurringPlan.objects.get()
    item = stripe.Subscription.retrieve(plan.provider_plan_id)["items"].data[0]

    def set_quantity(quantity: int) -> None:
        stripe.Subscription.modify(
            plan.provider_plan_id,
            items=[{"id": item.id, "quantity": quantity}],
            proration_behavior="none",
        )

    # Two units, and the webhook says so: no drift.
    set_quantity(2)
    rails.peer.wait_idle()
    plan.refresh_from_db()
    assert plan.amount == 1000
    assert reconcile()[1] == 0

    # Three units, and the webhook is lost.
    rails.peer.hold_events()
    item = stripe.Subscription.retrieve(plan.provider_plan_id)["items"].data[0]
    set_quantity(3)
    output, code = reconcile()
    assert code == 1
    assert f"{plan.provider_plan_id}: active 1500/month at Stripe, active 1000/month" in output
    assert reconcile("--repair")[1] == 0
    plan.refresh_from_db()
    assert plan.amount == 1500
    assert reconcile()[1] == 0

    # The lost webhook is older than the repair and changes nothing.
    rails.peer.release_events()
    rails.peer.wait_idle()
    plan.refresh_from_db()
    assert plan.amount == 1500


def test_ledger_is_read_in_bulk_whatever_the_number_of_objects(rails, client):
    def queries_of_a_run() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert reconcile()[1] == 0
        return len(queries)

    def give(frequency: str, amount: int) -> None:
        # Each reader gives once, below the per-address rate limit.
        email = f"reader{Contribution.objects.count()}@example.org"
        rails.give(client, frequency=frequency, currency="EUR", amount=amount, email=email)

    give("month", 5)
    give("once", 10)
    few = queries_of_a_run()
    for amount in (6, 7, 8):
        give("month", amount)
    give("once", 20)
    assert RecurringPlan.objects.count() == 4 and Payment.objects.count() == 6
    assert queries_of_a_run() == few


def test_a_plan_unknown_at_stripe_is_reported_and_the_run_goes_on(rails, client):
    rails.give(client, frequency="month", currency="EUR", amount=5)
    RecurringPlan.objects.update(provider_plan_id="sub_from_another_account")
    # A renewal whose webhook is lost, in the same run: it must still be found.
    rails.peer.hold_events()
    other = rails.give(client, frequency="month", currency="EUR", amount=7, email="b@example.org")
    assert other.status == "pending"

    output, code = reconcile("--repair")
    assert "sub_from_another_account: not found at Stripe" in output
    assert Contribution.objects.get(pk=other.pk).status == "paid"
    assert Payment.objects.filter(contribution=other).count() == 1
    assert code == 0
