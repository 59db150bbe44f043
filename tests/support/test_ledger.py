"""The ledger's rules on their own, with the clock under control: canceled is final, a stale
fact changes nothing, refunds only grow, and every transition names its actor."""

from __future__ import annotations

import datetime
import threading

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone, translation
from wagtail.log_actions import registry as log_registry
from wagtail.models import ModelLogEntry

from tamizdat.support import ledger
from tamizdat.support.ledger import Actor, Contribution, PlanStatus
from tamizdat.support.models import PlanChange, RecurringPlan
from tests import factories

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 3, 1, 9, 0, tzinfo=datetime.UTC)
STRIPE = Actor.processor("stripe", "evt_1")


def history(instance) -> list[tuple[str, str, str]]:
    entries = ModelLogEntry.objects.for_instance(instance).order_by("pk")
    return [
        (e.action.removeprefix("tamizdat.ledger."), e.data["actor"], e.data["ref"]) for e in entries
    ]


def monthly_plan(at: datetime.datetime = START):
    started = factories.contribution(amount=500, frequency="month")
    factories.paid(started, at=at)
    return started.plan


def test_a_contribution_moves_forward_only():
    with time_machine.travel(START, tick=False):
        held = factories.contribution(held=True)
        assert held.status == Contribution.Status.HELD
        assert ledger.release(held, Actor.reader())
        assert not ledger.release(held, Actor.reader())  # released once
        assert ledger.mark_paid(held, timezone.now(), STRIPE)
        # Paid is final: a late "expired" and a second "paid" change nothing.
        assert not ledger.mark_expired(held, STRIPE)
        assert not ledger.mark_paid(held, START + datetime.timedelta(days=1), STRIPE)
    held.refresh_from_db()
    assert (held.status, held.paid_at) == (Contribution.Status.PAID, START)
    assert history(held) == [
        ("start", "system", "tests"),
        ("release", "reader", ""),
        ("paid", "processor", "stripe evt_1"),
    ]


def test_an_expired_checkout_paid_late_is_paid():
    started = factories.contribution()
    assert ledger.mark_expired(started, STRIPE)
    assert ledger.mark_paid(started, timezone.now(), STRIPE)
    assert started.status == Contribution.Status.PAID


def test_a_stale_fact_about_a_plan_is_ignored():
    plan = monthly_plan()
    later = START + datetime.timedelta(hours=2)
    assert ledger.apply_plan_state(plan, as_of=later, actor=STRIPE, amount=900)
    # Stripe's older word on the amount arrives after the newer one.
    assert not ledger.apply_plan_state(
        plan, as_of=START + datetime.timedelta(hours=1), actor=STRIPE, amount=700
    )
    plan.refresh_from_db()
    assert (plan.amount, plan.state_as_of) == (900, later)


def test_a_change_applied_by_the_webhook_meanwhile_is_counted_once():
    plan = monthly_plan()
    held_by_the_page = RecurringPlan.objects.get(pk=plan.pk)
    # The processor's webhook reports the supporter's new amount before the page that asked
    # for it records it from its own, older copy of the plan.
    webhook_copy = RecurringPlan.objects.get(pk=plan.pk)
    reported = START + datetime.timedelta(minutes=1)
    assert ledger.apply_plan_state(webhook_copy, as_of=reported, actor=STRIPE, amount=1000)
    asked = START + datetime.timedelta(minutes=2)
    assert ledger.apply_plan_state(
        held_by_the_page, as_of=asked, actor=Actor.supporter(), amount=1000
    )
    changes = PlanChange.objects.filter(plan=plan).order_by("at")
    assert [(c.kind, c.yearly_change) for c in changes] == [
        (PlanChange.Kind.NEW, 6000),
        (PlanChange.Kind.EXPANSION, 6000),
    ]
    assert held_by_the_page.amount == 1000


def test_canceled_is_final():
    plan = monthly_plan()
    with time_machine.travel(START + datetime.timedelta(days=3), tick=False):
        assert ledger.cancel_plan(
            plan, reason="Moving abroad", as_of=timezone.now(), actor=Actor.supporter()
        )
    # Even a newer "active" (a renewal Stripe had already begun) does not revive it.
    assert not ledger.apply_plan_state(
        plan, as_of=START + datetime.timedelta(days=4), actor=STRIPE, status=PlanStatus.ACTIVE
    )
    plan.refresh_from_db()
    assert plan.status == PlanStatus.CANCELED
    assert plan.canceled_at == START + datetime.timedelta(days=3)
    assert plan.cancel_reason == "Moving abroad"
    assert [action for action, *_ in history(plan)] == ["plan", "cancel"]
    # The supporter's note stays out of the history.
    assert "Moving abroad" not in str(ModelLogEntry.objects.for_instance(plan).values("data"))


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite's writers take turns over the whole file"
)
@pytest.mark.django_db(transaction=True)
def test_a_webhook_holding_a_contribution_does_not_hold_up_its_supporters_cancel():
    plan = monthly_plan()
    contribution = plan.contribution
    looked_up, canceled = threading.Event(), threading.Event()
    canceled_meanwhile = []

    def webhook() -> None:
        # A processor's event about the same contribution, its transaction still open.
        with transaction.atomic():
            ledger.contribution_by_reference(contribution.provider, contribution.reference)
            looked_up.set()
            canceled_meanwhile.append(canceled.wait(timeout=5))
        connection.close()

    thread = threading.Thread(target=webhook)
    thread.start()
    assert looked_up.wait(timeout=5)
    # The supporter's cancel writes the plan's history, which names the supporter.
    assert ledger.cancel_plan(
        plan, reason="", as_of=START + datetime.timedelta(days=1), actor=Actor.supporter()
    )
    canceled.set()
    thread.join()
    assert canceled_meanwhile == [True]


def test_refunds_only_grow():
    payment = factories.gift(amount=2500)
    at = timezone.now()
    assert ledger.record_refund(payment, 1000, at, STRIPE)
    assert not ledger.record_refund(payment, 500, at, STRIPE)  # a stale, smaller figure
    assert not ledger.record_refund(payment, 1000, at, STRIPE)  # the same figure again
    assert ledger.record_refund(payment, 9999, at, STRIPE)  # never more than was paid
    payment.refresh_from_db()
    assert payment.refunded_amount == 2500
    assert [action for action, *_ in history(payment)] == ["payment", "refund", "refund"]


def test_a_payment_is_recorded_once_per_processor_id():
    started = factories.contribution()
    first = factories.paid(started, payment_id="pi_same")
    again = factories.paid(started, payment_id="pi_same")
    assert first.pk == again.pk
    assert started.payments.count() == 1


def test_the_ledger_refuses_nothing_and_negative_amounts():
    with pytest.raises(ledger.LedgerError):
        factories.contribution(amount=0)
    started = factories.contribution(provider="bank")
    with pytest.raises(ledger.LedgerError):
        ledger.receive_transfer(
            started, amount=0, received_on=timezone.localdate(), actor=factories.TEST_ACTOR
        )
    assert not started.payments.exists()


def test_a_received_transfer_records_the_day_and_the_staff_member():
    staff = get_user_model().objects.create_user("revenue", password="x")
    started = factories.contribution(provider="bank", amount=4000, currency="EUR")
    with time_machine.travel(START, tick=False):
        yesterday = timezone.localdate() - datetime.timedelta(days=1)
        with pytest.raises(ledger.LedgerError):
            ledger.receive_transfer(
                started,
                amount=4000,
                received_on=timezone.localdate() + datetime.timedelta(days=1),
                actor=Actor.staff(staff),
            )
        payment = ledger.receive_transfer(
            started, amount=3900, received_on=yesterday, actor=Actor.staff(staff)
        )
        # A second click finds it no longer waiting.
        with pytest.raises(ledger.LedgerError):
            ledger.receive_transfer(
                started, amount=3900, received_on=yesterday, actor=Actor.staff(staff)
            )
    assert timezone.localdate(payment.paid_at) == yesterday
    assert (payment.amount, payment.provider) == (3900, "bank")
    received = ModelLogEntry.objects.get(action="tamizdat.ledger.received")
    assert received.user == staff
    assert received.data["received_on"] == yesterday.isoformat()
    assert (received.data["amount"], received.data["expected"]) == (3900, 4000)
    message = log_registry.get_formatter(received).format_message(received)
    assert message == (
        "Bank transfer marked received · €39 received on February 28, 2026 "
        "(€40 expected) · by staff"
    )


def test_the_history_reads_in_the_admin_users_language():
    plan = monthly_plan()
    ledger.apply_plan_state(
        plan,
        as_of=START + datetime.timedelta(days=1),
        actor=STRIPE,
        amount=900,
        status=PlanStatus.PAST_DUE,
    )
    payment = factories.gift(amount=2500)
    ledger.record_refund(payment, 1000, timezone.now(), STRIPE)
    started = factories.contribution(provider="bank", amount=4000, currency="EUR")
    ledger.receive_transfer(
        started, amount=3900, received_on=datetime.date(2026, 3, 2), actor=factories.TEST_ACTOR
    )

    def messages(action: str) -> list[str]:
        entries = ModelLogEntry.objects.filter(action=f"tamizdat.ledger.{action}")
        return [log_registry.get_formatter(e).format_message(e) for e in entries]

    with translation.override("ru"):
        assert messages("plan_state") == [
            "Подписка изменена · сумма: 5\xa0$ → 9\xa0$; "
            "статус: Активна → Платёж не прошёл, повторяем · платёжной системой (stripe evt_1)"
        ]
        assert messages("refund") == [
            "Возврат записан · возвращено: 0\xa0$ → 10\xa0$ · платёжной системой (stripe evt_1)"
        ]
        assert messages("received") == [
            "Банковский перевод отмечен как полученный · 39\xa0€ получено 2 марта 2026\u202fг. "
            "(ожидалось 40\xa0€) · системой Tamizdat (tests)"
        ]
