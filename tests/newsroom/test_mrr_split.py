"""MRR by payment rail and by campaign against a small ledger built by hand, whose answers are
worked out here: a newsroom on New York time, a goal in dollars, plans in dollars, euros and
pounds (one annual), by card and by bank transfer, from a campaign, from none, and from a
campaign since deleted."""

import datetime
import zoneinfo

import pytest

from tamizdat.newsroom import dashboard, periods, presenting
from tamizdat.newsroom.figures.mrr_split import NO_CAMPAIGN
from tamizdat.support import ledger
from tamizdat.support.models import RecurringPlan
from tests import factories as rows
from tests.prompts import factories

pytestmark = pytest.mark.django_db

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
NOW = datetime.datetime(2026, 3, 31, 23, 30, tzinfo=NEW_YORK)
GONE = "999999"  # a campaign deleted since its plan started


def at(month: int, day: int) -> datetime.datetime:
    return datetime.datetime(2026, month, day, 12, tzinfo=NEW_YORK)


@pytest.fixture
def spring(settings) -> str:
    """The ledger; the key of the campaign most plans came from."""
    settings.TIME_ZONE = "America/New_York"
    factories.goal(amount=100_000, currency="USD")  # $1,000 a month
    factories.rate("EUR", "USD", "1.10", datetime.date(2026, 1, 1))
    factories.rate("GBP", "USD", "1.25", datetime.date(2025, 6, 1))
    drive = str(factories.campaign(name="Spring drive").pk)

    # A: $10 a month by card from the drive's variant b, up to $15 in March.
    a = rows.plan("a@example.org", amount=1000, at=at(1, 10), campaign=drive, variant="b")
    ledger.apply_plan_state(a, as_of=at(3, 5), actor=rows.TEST_ACTOR, amount=1500)
    # B: €120 a year by bank transfer from the drive: €10 ($11) a month.
    rows.plan(
        "b@example.org",
        amount=12000,
        currency="EUR",
        interval="year",
        provider="bank",
        at=at(2, 5),
        campaign=drive,
    )
    # C: £8 ($10) a month by card, from no campaign.
    rows.plan("c@example.org", amount=800, currency="GBP", at=at(1, 12))
    # D: $20 a month by bank transfer, from no campaign; canceled in March.
    d = rows.plan("d@example.org", amount=2000, provider="bank", at=at(1, 20))
    ledger.apply_plan_state(
        d, as_of=at(3, 15), actor=rows.TEST_ACTOR, status=RecurringPlan.Status.CANCELED
    )
    # E: $5 a month by card since March, from a campaign deleted since.
    rows.plan("e@example.org", amount=500, at=at(3, 3), campaign=GONE)
    return drive


def march() -> periods.Period:
    return periods.chosen("2026-03", "2026-03", NOW)


def test_mrr_by_rail_and_by_campaign_at_the_end_of_march_and_february(spring):
    board = dashboard.build(march(), "en", NOW)
    split, before = board.mrr_shares, board.previous_mrr_shares
    # End of March: by card A $15 + C $10 + E $5; by bank B $11 (D canceled).
    assert {share.key: share.amount for share in split.rails} == {"stripe": 3000, "bank": 1100}
    # The drive: A $15 + B $11; no campaign: C $10; the deleted campaign: E $5.
    assert {share.key: share.amount for share in split.campaigns} == {
        spring: 2600,
        NO_CAMPAIGN: 1000,
        GONE: 500,
    }
    assert split.campaign_names == {spring: "Spring drive"}
    # End of February: by card A $10 + C $10; by bank B $11 + D $20.
    assert {share.key: share.amount for share in before.rails} == {"bank": 3100, "stripe": 2000}
    assert {share.key: share.amount for share in before.campaigns} == {
        NO_CAMPAIGN: 3000,
        spring: 2100,
    }
    # Largest first.
    assert [share.key for share in split.rails] == ["stripe", "bank"]


def test_the_rails_and_the_campaigns_each_add_up_to_the_mrr(spring):
    board = dashboard.build(march(), "en", NOW)
    for split, figures in (
        (board.mrr_shares, board.chosen),
        (board.previous_mrr_shares, board.previous),
    ):
        assert sum(share.amount for share in split.rails) == figures.recurring.mrr
        assert sum(share.amount for share in split.campaigns) == figures.recurring.mrr
    assert board.chosen.recurring.mrr == 4100
    assert board.previous.recurring.mrr == 5100


def test_parts_add_up_to_the_mrr_where_each_rounded_alone_would_not(settings):
    settings.TIME_ZONE = "America/New_York"
    factories.goal(amount=100_000, currency="USD")
    factories.rate("GBP", "USD", "1.25", datetime.date(2025, 6, 1))
    # £24.24 a year is £2.02 a month, $2.525: each rail alone would round to $2.53.
    for email, provider in (("card@example.org", "stripe"), ("bank@example.org", "bank")):
        rows.plan(
            email, amount=2424, currency="GBP", interval="year", provider=provider, at=at(3, 2)
        )
    board = dashboard.build(march(), "en", NOW)
    assert board.chosen.recurring.mrr == 505  # $5.05, rounded once
    amounts = sorted(share.amount for share in board.mrr_shares.rails)
    assert amounts == [252, 253]


def test_the_dashboard_lists_them_beside_the_goal(spring):
    page = presenting.page(dashboard.build(march(), "en", NOW), "en")
    charts = {chart.key: chart for chart in page.charts}
    rails = charts["mrr-rails"].table
    assert rails.caption == "MRR by payment method, against the monthly goal of $1,000"
    assert rails.headers == [
        "Payment method",
        "MRR, Mar 2026",
        "Of the goal, Mar 2026",
        "MRR, Feb 2026",
        "Of the goal, Feb 2026",
    ]
    assert rails.rows == [
        ["Card", "$30", "3.0%", "$20", "2.0%"],
        ["Bank transfer", "$11", "1.1%", "$31", "3.1%"],
        ["All plans", "$41", "4.1%", "$51", "5.1%"],
    ]
    campaigns = charts["mrr-campaigns"].table
    assert [row[:2] for row in campaigns.rows] == [
        ["Spring drive", "$26"],
        ["No campaign", "$10"],
        [f"Campaign {GONE}, since deleted", "$5"],
        ["All plans", "$41"],
    ]
    assert campaigns.rows[1][3:] == ["$30", "3.0%"]
    # Both periods drawn, each series named by its period.
    svg = str(charts["mrr-campaigns"].svg)
    assert "Mar 2026" in svg and "Feb 2026" in svg
