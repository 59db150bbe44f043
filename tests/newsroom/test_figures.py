"""The dashboard's figures against a small ledger built by hand, whose answers are worked out
here: a newsroom on New York time, a goal in dollars, plans in dollars and euros (one annual),
gifts on both sides of a month's border, refunds, and shredded supporters."""

import datetime
import itertools
import zoneinfo
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tamizdat.newsroom import dashboard, periods, presenting
from tamizdat.newsroom.figures import gifts
from tamizdat.prompts import goal
from tamizdat.support import defence, ledger, privacy
from tamizdat.support.models import PlanChange, RecurringPlan, Supporter
from tests import factories as rows
from tests.prompts import factories

pytestmark = pytest.mark.django_db

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
UTC = datetime.UTC
ACTOR = rows.TEST_ACTOR
# The last half hour of March in New York (already April in UTC).
NOW = datetime.datetime(2026, 3, 31, 23, 30, tzinfo=NEW_YORK)
_numbers = itertools.count(1)


def at(month: int, day: int, hour: int = 12) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, tzinfo=NEW_YORK)


def plan(email: str, amount: int, started: datetime.datetime, **fields) -> RecurringPlan:
    return rows.plan(email, amount=amount, at=started, **fields)


def change(plan: RecurringPlan, when: datetime.datetime, **fields) -> None:
    ledger.apply_plan_state(plan, as_of=when, actor=ACTOR, **fields)


def gift(amount: int, currency: str, when: datetime.datetime, **fields):
    return rows.gift(
        fields.pop("email", f"giver{next(_numbers)}@example.org"),
        amount=amount,
        currency=currency,
        at=when,
        **fields,
    )


def shred(email: str) -> None:
    privacy.shred(Supporter.objects.get(email=email), ACTOR)


@pytest.fixture
def books(settings):
    settings.TIME_ZONE = "America/New_York"
    factories.goal(amount=100_000, currency="USD")  # $1,000 a month
    factories.rate("EUR", "USD", "1.10", datetime.date(2026, 1, 1))
    factories.rate("GBP", "USD", "1.25", datetime.date(2025, 6, 1))

    # January: five plans start, $52 a month between them.
    a = plan("a@example.org", 1000, at(1, 10))
    b = plan("b@example.org", 2000, at(1, 10))
    c = plan("c@example.org", 12000, at(1, 10), interval="year")  # $10 a month
    g = plan("g@example.org", 700, at(1, 10))
    r1 = plan("r@example.org", 500, at(1, 5))
    # February: R stops; F starts at 23:30 on 28 February in New York (March in UTC).
    change(r1, at(2, 10), status=RecurringPlan.Status.CANCELED)
    plan("f@example.org", 3000, datetime.datetime(2026, 3, 1, 4, 30, tzinfo=UTC))
    gift(4000, "USD", datetime.datetime(2026, 3, 1, 4, 30, tzinfo=UTC))  # a February gift

    # March: A up to $15, B down to $12, C canceled, G's renewal fails, D new in euros,
    # R back with a new plan.
    change(a, at(3, 5), amount=1500)
    change(b, at(3, 10), amount=1200)
    change(c, at(3, 20), status=RecurringPlan.Status.CANCELED)
    change(g, at(3, 25), status=RecurringPlan.Status.PAST_DUE)
    plan("d@example.org", 1000, at(3, 12), currency="EUR")  # $11
    plan("r@example.org", 800, at(3, 15))

    # March's one-time gifts.
    gift(2500, "USD", datetime.datetime(2026, 3, 1, 0, 30, tzinfo=NEW_YORK))
    gift(3000, "USD", datetime.datetime(2026, 4, 1, 3, 0, tzinfo=UTC))  # 23:00 on 31 March
    # £20 ($25) from a reader who gave in Russian.
    rows.paid(
        rows.contribution(rows.supporter("ru@example.org", "ru"), amount=2000, currency="GBP"),
        at=at(3, 10),
    )
    gift(10000, "USD", at(3, 11), refunded=10000)
    gift(5000, "EUR", at(3, 12), refunded=2000)  # $55, $22 of it refunded
    gift(30000, "USD", at(3, 13), email="big@example.org", provider="bank")
    shred("big@example.org")
    shred("c@example.org")


def march() -> periods.Period:
    return periods.chosen("2026-03", "2026-03", NOW)


def test_history_classifies_each_change(books):
    kinds = {
        (change.supporter.email.split("@")[0], change.kind)
        for change in PlanChange.objects.filter(at__gte=at(3, 1)).select_related("supporter")
    }
    assert ("a", "expansion") in kinds
    assert ("b", "contraction") in kinds
    assert ("g", "churn") in kinds
    assert ("d", "new") in kinds
    assert ("r", "reactivation") in kinds
    assert any(kind == "churn" and who.startswith("shredded") for who, kind in kinds)


def test_recurring_figures_of_march(books):
    board = dashboard.build(march(), "en", NOW)
    figures = board.chosen.recurring
    # At the end of February: A 10 + B 20 + C 120/12 + F 30 + G 7.
    assert figures.mrr_at_start == 7700
    # New: D's €10 at 1.10; reactivation: R's $8; expansion A +5; contraction B −8;
    # churn: C −10 and G −7 (its renewal failed).
    assert figures.movement == dashboard.recurring.Movement(
        new=1100, reactivation=800, expansion=500, contraction=-800, churn=-1700
    )
    assert figures.movement.net == -100
    # A 15 + B 12 + D 11 + R 8 + F 30.
    assert figures.mrr == 7600
    assert figures.arr == 91200
    assert figures.active.plans == {"month": 5}
    assert figures.active.supporters == 5
    assert figures.active_at_start.plans == {"month": 4, "year": 1}
    assert figures.churned == 2
    assert figures.supporter_churn == Decimal(2) / 5
    assert figures.revenue_churn == Decimal(1700 + 800) / 7700
    assert figures.arpu == 1520  # $76 over five supporters
    assert figures.lifetime_value == 3800  # $15.20 ÷ 40 % a month


def test_february_is_the_previous_period_and_counts_the_gift_of_its_last_new_york_hour(books):
    board = dashboard.build(march(), "en", NOW)
    february = board.previous
    assert february.period.key() == "2026-02"
    assert february.recurring.movement.new == 3000  # F, at 23:30 on 28 February
    assert february.recurring.movement.churn == -500  # R's first plan
    assert february.recurring.mrr == 7700
    assert february.one_time.count == 1
    assert february.one_time.gross == 4000


def test_series_month_by_month(books):
    board = dashboard.build(march(), "en", NOW)
    assert len(board.series) == periods.HISTORY_MONTHS
    by_month = {month.first_day: (mrr, moved.net) for month, mrr, moved in board.series}
    assert by_month[datetime.date(2025, 12, 1)] == (0, 0)
    assert by_month[datetime.date(2026, 1, 1)] == (5200, 5200)
    assert by_month[datetime.date(2026, 2, 1)] == (7700, 2500)
    assert by_month[datetime.date(2026, 3, 1)] == (7600, -100)


def test_one_time_gifts_refunds_and_sizes(books):
    march_figures = dashboard.build(march(), "en", NOW).chosen
    once = march_figures.one_time
    # $25, $30, £20 ($25), $100, €50 ($55), $300; the $40 of 28 February is not March's.
    assert once.count == 6
    assert once.gross == 53500
    assert once.refunded == 12200
    assert once.net == 41300
    assert once.average == 8917  # $535 ÷ 6, rounded to the cent
    assert [(bucket.low, bucket.count) for bucket in once.buckets] == [
        (0, 0),
        (10, 0),
        (25, 3),
        (50, 1),
        (100, 1),
        (250, 1),
    ]
    assert march_figures.refunds == gifts.Refunds(count=2, amount=12200)


def test_breakdowns_by_currency_rail_and_language(books):
    figures = dashboard.build(march(), "en", NOW).chosen
    # Every payment of March less refunds: the gifts, and the first payments of D and R.
    currencies = {share.key: (share.native, share.amount) for share in figures.currencies}
    assert currencies == {
        "USD": (2500 + 3000 + 0 + 30000 + 800, 36300),
        "EUR": (3000 + 1000, 4400),
        "GBP": (2000, 2500),
    }
    assert figures.revenue == 36300 + 4400 + 2500
    assert {share.key: share.amount for share in figures.rails} == {
        "bank": 30000,
        "stripe": 13200,
    }
    assert {share.key: share.amount for share in figures.languages} == {"ru": 2500, "en": 40700}


def test_the_charts_of_the_period_show_the_previous_period_beside_it(books):
    page = presenting.page(dashboard.build(march(), "en", NOW), "en")
    charts = {chart.key: chart for chart in page.charts}
    # February: F's first $30 (its last New York hour) and the $40 gift, both by card.
    rails = charts["rails"].table
    assert rails.headers == ["Payment method", "Revenue, Mar 2026", "Revenue, Feb 2026"]
    assert rails.rows == [["Bank transfer", "$300", "$0"], ["Card", "$132", "$70"]]
    currencies = charts["currencies"].table
    assert currencies.headers[1:] == [
        "In the currency, Mar 2026",
        "Revenue, Mar 2026",
        "In the currency, Feb 2026",
        "Revenue, Feb 2026",
    ]
    assert currencies.rows[0] == ["USD", "$363", "$363", "$70", "$70"]
    assert currencies.rows[2] == ["GBP", "£20", "$25", "£0", "$0"]
    # At the end of February C's annual plan was still active; at March's end it was not.
    assert charts["active"].table.rows == [
        ["Monthly", "5", "5", "4", "4"],
        ["Annual", "0", "0", "1", "1"],
    ]
    # February's one gift of $40 is in the $25 to $50 bucket.
    sizes = charts["sizes"].table.rows
    assert [row[2] for row in sizes] == ["0", "0", "1", "0", "0", "0"]
    for key in ("rails", "currencies", "active", "sizes", "languages"):
        svg = str(charts[key].svg)
        assert "Mar 2026" in svg and "Feb 2026" in svg  # a series for each, in the legend


def test_this_months_progress_is_the_goal_meters(books):
    board = dashboard.build(march(), "en", NOW)
    meter = goal.compute(NOW)
    assert meter is not None
    # Plans $76 + gifts: $25 + $30 + $300 + £20 ($25) + €30 ($33).
    assert meter.raised == 48900
    assert board.progress == meter
    assert board.goal_months[-1].raised == meter.raised
    assert not board.goal_months[-1].met


def test_past_months_of_the_goal(books):
    board = dashboard.build(march(), "en", NOW)
    by_month = {entry.month.first_day: entry for entry in board.goal_months}
    # February: plans at its end ($77) and its one gift ($40).
    assert by_month[datetime.date(2026, 2, 1)].raised == 11700
    assert by_month[datetime.date(2026, 1, 1)].raised == 5200
    factories.goal(amount=11_000, currency="USD")
    board = dashboard.build(march(), "en", NOW)
    met = [entry.month.first_day for entry in board.goal_months if entry.met]
    assert met == [datetime.date(2026, 2, 1), datetime.date(2026, 3, 1)]


def test_retention_cohorts(books):
    board = dashboard.build(march(), "en", NOW)
    cohorts = {cohort.month.first_day: cohort for cohort in board.cohorts}
    assert len(cohorts) == dashboard.COHORT_MONTHS
    january = cohorts[datetime.date(2026, 1, 1)]
    # A, B, C, G, R; in February and March, R (who came back) and C (whose annual payment
    # covers the year), though C was shredded since.
    assert (january.size, january.still) == (5, [5, 2, 2])
    february = cohorts[datetime.date(2026, 2, 1)]
    assert (february.size, february.still) == (2, [2, 0])
    # D and five givers: the wholly refunded $100 is no gift.
    assert cohorts[datetime.date(2026, 3, 1)].size == 6
    assert cohorts[datetime.date(2025, 12, 1)].size == 0


def test_attention_lists_failed_renewals(books):
    board = dashboard.build(march(), "en", NOW)
    assert board.attention.past_due == 1
    assert [p.supporter.email for p in board.attention.plans] == ["g@example.org"]


def _queries(period: periods.Period) -> int:
    with CaptureQueriesContext(connection) as captured:
        dashboard.build(period, "en", NOW)
    return len(captured)


def test_the_number_of_queries_does_not_grow_with_the_ledger(books):
    before = _queries(march())
    for number in range(30):
        when = at(3, 1 + number % 28)
        plan(f"more{number}@example.org", 500 + number, at(1, 1 + number % 28))
        gift(1000 + number, ("USD", "EUR", "GBP")[number % 3], when)
    assert _queries(march()) == before


def test_safety_counts_blocked_attempts_by_reason(rf):
    request = rf.post("/en/support/contribute/")
    for _ in range(3):
        defence.screen(
            request,
            email="bot@example.org",
            unusual_amount=None,
            honeypot="filled in",
            pow_payload="",
            takes_cards=True,
        )
    today = timezone.localdate()
    board_safety = dashboard.safety.safety(today, today)
    assert board_safety.blocked["honeypot"] == 3
    assert board_safety.total == 3
    assert not board_safety.guarded
