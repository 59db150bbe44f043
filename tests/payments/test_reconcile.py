"""`tamizdat reconcile` finds what the webhooks missed and repairs it from Stripe's objects."""

from __future__ import annotations

from io import StringIO

import pytest
import stripe
from django.core import mail
from django.core.management import call_command

from tamizdat.support.models import Contribution, Payment, RecurringPlan

pytestmark = pytest.mark.django_db(transaction=True)


def reconcile(*args: str) -> tuple[str, int]:
    out = StringIO()
    try:
        call_command("reconcile", *args, stdout=out, stderr=StringIO())
    except SystemExit as exit:
        return out.getvalue(), int(exit.code)
    return out.getvalue(), 0


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
