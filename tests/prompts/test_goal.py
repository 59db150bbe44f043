"""The monthly goal, computed from the reader-revenue ledger on the real database: plans by
their monthly equivalent, one-time gifts of this month in the newsroom's time zone, refunds
left out, several currencies converted at dated rates."""

import datetime
import itertools
import re
import zoneinfo

import pytest
from django.utils import timezone

from tamizdat.prompts import goal
from tamizdat.support.models import Payment, RecurringPlan
from tests import factories as ledger_rows
from tests.prompts import factories

pytestmark = pytest.mark.django_db

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
UTC = datetime.UTC
_numbers = itertools.count(1)


def plan(amount: int, currency: str, interval: str, status: str = "active") -> RecurringPlan:
    # Its payments are in the ledger too, and must not be counted twice.
    return ledger_rows.plan(
        f"reader{next(_numbers)}@example.org",
        amount=amount,
        currency=currency,
        interval=interval,
        status=status,
        at=datetime.datetime(2026, 3, 15, 12, tzinfo=UTC),
    )


def gift(amount: int, currency: str, paid_at: datetime.datetime, refunded: int = 0) -> Payment:
    return ledger_rows.gift(
        f"reader{next(_numbers)}@example.org",
        amount=amount,
        currency=currency,
        at=paid_at,
        refunded=refunded,
    )


@pytest.fixture
def ledger(settings):
    """March 2026 in a newsroom on New York time, with gifts on both sides of its borders."""
    settings.TIME_ZONE = "America/New_York"
    factories.goal(amount=1_000_000, currency="USD")
    factories.rate("EUR", "USD", "1.10", datetime.date(2026, 1, 1))
    factories.rate("EUR", "USD", "1.20", datetime.date(2026, 4, 15))  # not yet in March
    factories.rate("GBP", "USD", "1.25", datetime.date(2025, 6, 1))
    factories.rate("USD", "JPY", "150", datetime.date(2026, 1, 1))  # used the other way round

    plan(1000, "USD", "month")  # 10.00
    plan(500, "EUR", "month")  # 5.00 EUR
    plan(12000, "USD", "year")  # 120.00 a year: 10.00 a month
    plan(10000, "JPY", "year")  # ¥10,000 a year: ¥833.33 a month
    plan(5000, "USD", "month", status=RecurringPlan.Status.CANCELED)
    plan(7000, "USD", "month", status=RecurringPlan.Status.PAST_DUE)

    march_first_ny = datetime.datetime(2026, 3, 1, tzinfo=NEW_YORK)
    gift(2500, "USD", march_first_ny + datetime.timedelta(minutes=30))
    # 23:30 on 28 February in New York, though already March in UTC.
    gift(4000, "USD", datetime.datetime(2026, 3, 1, 4, 30, tzinfo=UTC))
    # 23:00 on 31 March in New York, though already April in UTC.
    gift(3000, "USD", datetime.datetime(2026, 4, 1, 3, 0, tzinfo=UTC))
    gift(2000, "GBP", datetime.datetime(2026, 3, 10, 12, tzinfo=UTC))
    gift(10000, "USD", datetime.datetime(2026, 3, 11, 12, tzinfo=UTC), refunded=10000)
    gift(5000, "EUR", datetime.datetime(2026, 3, 12, 12, tzinfo=UTC), refunded=2000)
    gift(9900, "USD", datetime.datetime(2026, 2, 20, 12, tzinfo=UTC))
    gift(8800, "USD", datetime.datetime(2026, 4, 2, 12, tzinfo=UTC))


def test_progress_this_month_adds_plans_gifts_and_currencies_less_refunds(ledger):
    last_minute_of_march = datetime.datetime(2026, 3, 31, 23, 59, tzinfo=NEW_YORK)
    progress = goal.compute(last_minute_of_march)

    # USD: plans 10.00 + 120.00/12; gifts 25.00 + 30.00           = 75.00
    # EUR: plan 5.00; gift 50.00 less 20.00 refunded = 35.00 × 1.10 = 38.50
    # GBP: gift 20.00 × 1.25                                      = 25.00
    # JPY: ¥10,000 / 12 = ¥833.33… ÷ 150                          =  5.5555…
    # Together 144.0555… USD, rounded once: 144.06
    assert progress.raised == 14406
    assert progress.goal == 1_000_000
    assert progress.currency == "USD"
    assert progress.month == datetime.date(2026, 3, 1)
    assert progress.unconverted == ()


def test_the_month_turns_at_midnight_in_the_newsrooms_time_zone(ledger):
    # Already April in UTC, still March in New York: March's gifts count.
    still_march = datetime.datetime(2026, 4, 1, 3, 30, tzinfo=UTC)
    assert goal.compute(still_march).raised == 14406
    assert goal.compute(still_march).month == datetime.date(2026, 3, 1)

    # Half an hour into April in New York only the plans and April's gift of 88.00 count:
    # 10.00 + 10.00 + 5.00 EUR × 1.10 + ¥833.33… ÷ 150 + 88.00 = 119.0555… → 119.06
    april = datetime.datetime(2026, 4, 1, 0, 30, tzinfo=NEW_YORK)
    assert goal.compute(april).raised == 11906
    assert goal.compute(april).month == datetime.date(2026, 4, 1)

    # From 15 April the newer euro rate applies: 5.00 EUR × 1.20 = 6.00 → 119.5555… → 119.56
    later = datetime.datetime(2026, 4, 20, 12, tzinfo=NEW_YORK)
    assert goal.compute(later).raised == 11956


def test_a_currency_without_a_rate_is_left_out_and_named(ledger):
    gift(10000, "SEK", datetime.datetime(2026, 3, 20, 12, tzinfo=UTC))
    progress = goal.compute(datetime.datetime(2026, 3, 25, tzinfo=NEW_YORK))
    assert progress.raised == 14406
    assert progress.unconverted == ("SEK",)


def test_a_goal_in_a_zero_decimal_currency(settings):
    settings.TIME_ZONE = "Asia/Tokyo"
    tokyo = zoneinfo.ZoneInfo("Asia/Tokyo")
    factories.goal(amount=1_500_000, currency="JPY")  # ¥1,500,000
    factories.rate("USD", "JPY", "150", datetime.date(2026, 1, 1))
    plan(1000, "USD", "month")  # $10.00 → ¥1,500
    plan(1000, "JPY", "year")  # ¥1,000 a year → ¥83.33… a month
    gift(101, "USD", datetime.datetime(2026, 3, 31, 23, 30, tzinfo=tokyo))  # $1.01 → ¥151.50
    gift(3333, "JPY", datetime.datetime(2026, 4, 1, 0, 30, tzinfo=tokyo))  # April already

    march = goal.compute(datetime.datetime(2026, 3, 31, 23, 45, tzinfo=tokyo))
    assert march.raised == 1735  # ¥1,734.83…, rounded once


def test_no_goal_no_progress(db):
    assert goal.compute() is None


def test_progress_is_cached_briefly_and_recomputed_when_settings_change(db):
    factories.goal(amount=1_000_000)
    gift(2500, "USD", timezone.now())
    assert goal.current().raised == 2500
    gift(100_000, "USD", timezone.now())
    assert goal.current().raised == 2500  # cached for a few minutes
    goal.forget_progress()
    assert goal.current().raised == 102_500
    factories.goal(amount=2_000_000)  # saving the goal forgets it too
    assert goal.current().goal == 2_000_000


def test_the_meter_reads_this_month_raised_of_goal(client, site):
    factories.goal(amount=1_000_000, currency="USD")
    factories.campaign()
    factories.campaign("ru", headline="Нравится читать без рекламы?")
    gift(642_099, "USD", timezone.now())
    html = client.get("/en/politics/parliament-dissolved/").content.decode()
    # Whole dollars, cut off rather than rounded up: the meter never overstates.
    assert (
        '<label class="goal-meter__label"><span class="goal-meter__text">'
        "$6,420 of $10,000 raised this month</span>"
    ) in html
    assert '<meter class="goal-meter__bar" min="0" max="1000000" value="642099">' in html
    russian = client.get("/ru/politics/parliament-dissolved/").content.decode()
    assert "Собрано 6\xa0420\xa0$ из 10\xa0000\xa0$ в этом месяце" in russian


def test_the_progress_is_reused_for_minutes_and_never_past_the_months_end(settings):
    settings.TIME_ZONE = "America/New_York"
    mid_month = datetime.datetime(2026, 3, 14, 12, tzinfo=NEW_YORK)
    assert goal.seconds_fresh(mid_month) == goal.CACHE_SECONDS
    # 23:59 on 31 March in New York (already April in UTC): a minute of March left.
    last_minute = datetime.datetime(2026, 4, 1, 3, 59, tzinfo=UTC)
    assert goal.seconds_fresh(last_minute) == 60


def test_a_page_with_the_meter_keeps_its_long_life_and_dates_its_figure(
    client, site, settings, time_machine
):
    settings.TIME_ZONE = "America/New_York"
    time_machine.move_to(datetime.datetime(2026, 3, 14, 16, 5, tzinfo=UTC), tick=False)
    settings.PAGE_CACHE_CDN_SECONDS = 3600
    factories.goal(amount=1_000_000, currency="USD")
    factories.campaign()
    factories.campaign("ru", headline="Нравится читать без рекламы?")
    gift(250_000, "USD", timezone.now())
    article = "/en/politics/parliament-dissolved/"
    response = client.get(article)
    assert "s-maxage=3600" in response["Cache-Control"]
    # Readers without JavaScript see when the figure was true, in the newsroom's time zone.
    html = response.content.decode()
    assert "$2,500 of $10,000 raised this month" in html
    assert '<small class="goal-meter__as-of">(as of 14 March 2026, 12:05 p.m.)</small>' in html
    russian = client.get("/ru/politics/parliament-dissolved/").content.decode()
    assert "(на 14 марта 2026 г., 12:05)" in russian
    # A gift later on changes the figure, not the page: it is still served as it was.
    gift(100_000, "USD", timezone.now())
    time_machine.shift(datetime.timedelta(minutes=30))
    again = client.get(article)
    assert again["X-Cache"] == "hit"
    assert "$2,500 of $10,000 raised this month" in again.content.decode()


def test_the_current_figure_is_one_shared_document_fresh_for_minutes(client, site, time_machine):
    time_machine.move_to(datetime.datetime(2026, 3, 14, 16, 5, tzinfo=UTC), tick=False)
    factories.goal(amount=1_000_000, currency="USD")
    gift(250_000, "USD", timezone.now())
    response = client.get("/prompts/goal.json")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    lifetime = int(re.search(r"s-maxage=(\d+)", response["Cache-Control"])[1])
    assert "public" in response["Cache-Control"]
    assert goal.CACHE_SECONDS - 5 <= lifetime <= goal.CACHE_SECONDS
    assert response.json() == {
        "goal": 1_000_000,
        "value": 250_000,
        "as_of": "2026-03-14T16:05:00+00:00",
        "words": {
            "en": {
                "figure": "$2,500 of $10,000 raised this month",
                "as_of": "(as of 14 March 2026, 4:05 p.m.)",
            },
            "ru": {
                "figure": "Собрано 2\xa0500\xa0$ из 10\xa0000\xa0$ в этом месяце",
                "as_of": "(на 14 марта 2026 г., 16:05)",
            },
        },
    }
    # A new gift shows once the figure has had its few minutes, never later.
    gift(100_000, "USD", timezone.now())
    time_machine.shift(datetime.timedelta(seconds=2))
    repeat = client.get("/prompts/goal.json")
    assert repeat["X-Cache"] == "hit" and repeat.json()["value"] == 250_000
    assert int(re.search(r"s-maxage=(\d+)", repeat["Cache-Control"])[1]) <= lifetime - 2
    time_machine.shift(datetime.timedelta(seconds=goal.CACHE_SECONDS))
    assert client.get("/prompts/goal.json").json()["value"] == 350_000


def test_without_a_goal_the_document_says_so(client, site):
    assert client.get("/prompts/goal.json").json() == {"goal": None}


def test_the_rate_book_answers_as_rate_does(ledger):
    book = goal.RateBook()
    for base, quote in (
        ("EUR", "USD"),
        ("USD", "EUR"),
        ("JPY", "USD"),
        ("USD", "JPY"),
        ("GBP", "EUR"),
    ):
        for day in (
            datetime.date(2025, 12, 31),
            datetime.date(2026, 3, 31),
            datetime.date(2026, 5, 1),
        ):
            assert book(base, quote, day) == goal.rate(base, quote, day), (base, quote, day)
