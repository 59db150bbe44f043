"""CSV exports of a period: the rows an accountant gets, shredded supporters' amounts without
their personal data, formulas defused, and only for staff who may see revenue."""

import csv
import datetime
import io

import pytest
from django.utils import timezone

from tamizdat.support import ledger, privacy
from tamizdat.support.models import Supporter
from tests import factories as rows
from tests.newsroom.test_dashboard_page import staff_member
from tests.prompts import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def books():
    factories.goal(amount=100_000, currency="USD")
    now = timezone.now()
    named = ledger.supporter_for(
        "named@example.org", name="=HYPERLINK(1)", language="en", anonymous=False
    )
    rows.paid(rows.contribution(named, amount=2550, currency="EUR"), at=now)
    rows.gift("gone@example.org", amount=5000, at=now, refunded=1000)
    privacy.shred(Supporter.objects.get(email="gone@example.org"), rows.TEST_ACTOR)
    rows.plan("monthly@example.org", amount=700, at=now - datetime.timedelta(days=45))
    rows.gift("yen@example.org", amount=2500, currency="JPY", at=now)
    rows.gift("old@example.org", amount=9900, at=now - datetime.timedelta(days=400))


def download(client, name: str, **query: str) -> list[dict[str, str]]:
    month = timezone.localdate().strftime("%Y-%m")
    query = {"first": month, "last": month, **query}
    response = client.get(f"/admin/newsroom/export/{name}/", query)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    first = query["first"]
    assert f'filename="tamizdat-{name}-{first}' in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def lead(client, django_user_model):
    client.force_login(staff_member(django_user_model, "view_dashboard"))
    return client


def test_payments_of_the_period(lead, books):
    payments = {row["amount"] + " " + row["currency"]: row for row in download(lead, "payments")}
    assert set(payments) == {"25.50 EUR", "50.00 USD", "2500 JPY"}
    gone = payments["50.00 USD"]
    assert (gone["refunded"], gone["net"]) == ("10.00", "40.00")
    assert (gone["email"], gone["name"], gone["shredded"]) == ("", "", "yes")
    named = payments["25.50 EUR"]
    assert named["email"] == "named@example.org"
    assert named["name"] == "'=HYPERLINK(1)"  # text, not a formula
    assert named["receipt"].startswith(str(timezone.localdate().year))


def test_contributions_and_plans(lead, books):
    contributions = download(lead, "contributions")
    # Every contribution was started (pressed "Continue") today, whenever it was paid.
    totals = sorted((row["total"], row["paid"][:7]) for row in contributions)
    this_month = timezone.localdate().strftime("%Y-%m")
    long_ago = (timezone.localdate() - datetime.timedelta(days=400)).strftime("%Y-%m")
    assert totals[:3] == [("25.50", this_month), ("2500", this_month), ("50.00", this_month)]
    assert ("99.00", long_ago) in totals
    last_year = download(lead, "contributions", first=long_ago, last=long_ago)
    assert last_year == []
    plans = download(lead, "plans")
    assert [(p["amount"], p["interval"], p["status"]) for p in plans] == [
        ("7.00", "month", "active")
    ]


def test_figures_month_by_month(lead, books):
    today = timezone.localdate()
    last = today.replace(day=1) - datetime.timedelta(days=1)
    months = download(lead, "months", first=last.strftime("%Y-%m"))
    assert [row["month"] for row in months] == [last.strftime("%Y-%m"), today.strftime("%Y-%m")]
    this_month = months[-1]
    assert this_month["mrr"] == "7.00"
    assert this_month["arr"] == "84.00"
    assert this_month["one_time_gifts"] == "3"
    assert this_month["currency"] == "USD"


def test_exports_need_the_permission(client, django_user_model, books):
    client.force_login(staff_member(django_user_model))
    refused = client.get("/admin/newsroom/export/payments/")
    # Wagtail sends staff without the permission back to the admin's home, with a message.
    assert (refused.status_code, refused["Location"]) == (302, "/admin/")
    client.logout()
    assert client.get("/admin/newsroom/export/payments/")["Location"].startswith("/admin/login/")


def test_an_unknown_export_is_not_found(lead):
    assert lead.get("/admin/newsroom/export/supporters/", follow=True).status_code == 404
