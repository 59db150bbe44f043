"""Newsletters on the revenue dashboard: subscribers at the start and end of the period,
confirmations, unsubscribes, and subscribers who gave after subscribing (matched in the
ledger by e-mail)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone, translation

from tamizdat.newsletters.models import Newsletter, Subscription
from tamizdat.newsroom import dashboard, periods, presenting
from tests import factories
from tests.newsletters.conftest import subscribe

pytestmark = pytest.mark.django_db


def test_subscribers_confirmations_unsubscribes_and_supporters():
    newsletter = Newsletter.objects.create(name="The Morning Courier", slug="m", language="en")
    long_ago = timezone.now() - datetime.timedelta(days=90)
    old, left, *_ = subscribe(
        newsletter, "old@example.org", "left@example.org", "new@example.org", "giver@example.org"
    )
    Subscription.objects.filter(subscriber__in=[old, left]).update(consented_at=long_ago)
    Subscription.objects.filter(subscriber=left).update(unsubscribed_at=timezone.now())
    factories.gift("giver@example.org", amount=2500, at=timezone.now())
    factories.gift("old@example.org", amount=2500, at=long_ago - datetime.timedelta(days=1))
    board = dashboard.build(periods.this_month(), "en")
    [figures] = board.newsletters
    assert (figures.at_start, figures.at_end) == (2, 3)
    assert (figures.confirmed, figures.left, figures.became_supporters) == (2, 1, 1)
    with translation.override("ru"):
        page = presenting.page(dashboard.build(periods.this_month(), "ru"), "ru")
    table = page.tables[-1]
    assert table.caption == "Рассылки"
    assert table.rows == [["The Morning Courier", "2", "3", "2", "1", "1"]]
