"""The ledger's summaries for the dashboard: what it keeps payment by payment is what a
rebuild from the payments computes, on the newsroom's days."""

from __future__ import annotations

import datetime
import io
import zoneinfo

import pytest
from django.core.management import call_command

from tamizdat.support import ledger, privacy, summaries
from tamizdat.support.models import DayTotal, GivingSpan, Payment, RecurringPlan
from tests import factories

pytestmark = pytest.mark.django_db

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
UTC = datetime.UTC
ACTOR = factories.TEST_ACTOR


def kept() -> tuple[list[tuple], list[tuple]]:
    days = DayTotal.objects.values_list(
        "zone", "day", "currency", "provider", "kind", "language", "payments", "amount", "refunded"
    )
    spans = GivingSpan.objects.values_list("supporter_id", "first_at", "last_at", "last_annual_at")
    return sorted(days), sorted(spans)


def renew(plan: RecurringPlan, at: datetime.datetime, number: int) -> Payment:
    payment, _created = ledger.record_payment(
        contribution=None,
        plan=plan,
        kind=Payment.Kind.RENEWAL,
        provider=plan.provider,
        provider_payment_id=f"in_{plan.pk}_{number}",
        amount=plan.amount,
        currency=plan.currency,
        paid_at=at,
        actor=ACTOR,
        receipt=False,
    )
    return payment


def test_what_the_ledger_keeps_is_what_a_rebuild_computes(settings):
    settings.TIME_ZONE = "America/New_York"
    # 23:30 on 28 February in New York, already March in UTC.
    border = datetime.datetime(2026, 3, 1, 4, 30, tzinfo=UTC)
    factories.gift("a@example.org", amount=4000, at=border)
    factories.gift("a@example.org", amount=1500, at=border + datetime.timedelta(hours=1))
    russian = factories.supporter("ru@example.org", "ru")
    started = factories.contribution(russian, amount=500, frequency="month")
    factories.paid(started, at=datetime.datetime(2026, 1, 5, 12, tzinfo=NEW_YORK))
    monthly = started.plan
    renew(monthly, datetime.datetime(2026, 2, 5, 12, tzinfo=NEW_YORK), 1)
    last = renew(monthly, datetime.datetime(2026, 3, 5, 12, tzinfo=NEW_YORK), 2)
    ledger.record_refund(last, 200, last.paid_at, ACTOR)  # in part
    ledger.record_refund(last, 500, last.paid_at, ACTOR)  # then the rest
    # A plan that turns annual: its payments count as annual for the cohorts.
    annual = factories.plan(
        "b@example.org", amount=12000, at=datetime.datetime(2026, 2, 10, 12, tzinfo=NEW_YORK)
    )
    ledger.apply_plan_state(
        annual, as_of=datetime.datetime(2026, 2, 11, tzinfo=NEW_YORK), actor=ACTOR, interval="year"
    )
    refunded = factories.gift("c@example.org", amount=2500, provider="bank", refunded=2500)
    privacy.shred(refunded.supporter, ACTOR)

    days, spans = kept()
    summaries.rebuild()
    assert kept() == (days, spans)

    zone = "America/New_York"
    assert (zone, datetime.date(2026, 2, 28), "USD", "stripe", "once", "en", 1, 4000, 0) in days
    assert (zone, datetime.date(2026, 3, 1), "USD", "stripe", "once", "en", 1, 1500, 0) in days
    # A renewal counts in the language of its plan's first gift; refunds add up on its day.
    assert (zone, datetime.date(2026, 3, 5), "USD", "stripe", "renewal", "ru", 1, 500, 500) in days
    by_supporter = {span[0]: span[1:] for span in spans}
    # Wholly refunded payments end no span, and begin none.
    assert refunded.supporter_id not in by_supporter
    first, latest, annual_at = by_supporter[russian.pk]
    assert (first, latest, annual_at) == (
        datetime.datetime(2026, 1, 5, 17, tzinfo=UTC),
        datetime.datetime(2026, 2, 5, 17, tzinfo=UTC),
        None,
    )
    assert by_supporter[annual.supporter_id][2] == datetime.datetime(2026, 2, 10, 17, tzinfo=UTC)


def test_day_totals_follow_a_change_of_the_newsrooms_time_zone(settings):
    settings.TIME_ZONE = "UTC"
    factories.gift(amount=4000, at=datetime.datetime(2026, 3, 1, 4, 30, tzinfo=UTC))
    assert list(DayTotal.objects.values_list("zone", "day")) == [("UTC", datetime.date(2026, 3, 1))]
    settings.TIME_ZONE = "America/New_York"
    summaries.ensure_current_zone()
    assert list(DayTotal.objects.values_list("zone", "day", "amount")) == [
        ("America/New_York", datetime.date(2026, 2, 28), 4000)
    ]


def test_rebuild_summaries_recomputes_what_was_written_around_the_ledger():
    payment = factories.gift(amount=4000)
    DayTotal.objects.all().delete()
    GivingSpan.objects.all().delete()
    out = io.StringIO()
    call_command("rebuild_summaries", stdout=out)
    assert out.getvalue().strip() == "1 day totals, 1 supporters."
    assert DayTotal.objects.get().amount == 4000
    assert GivingSpan.objects.get().first_at == payment.paid_at
