"""The revenue lead's admin: ledger rows only from the ledger, a transfer marked received only
with the amount that came, listings that show money as money, and a supporter's page."""

from __future__ import annotations

import datetime

import pytest
from babel.dates import format_date
from django.core import mail
from django.utils import timezone
from wagtail.models import ModelLogEntry

from tamizdat.prompts.models import Campaign
from tamizdat.support.models import Contribution, Payment, RecurringPlan, Supporter
from tests import factories

pytestmark = pytest.mark.django_db

TRANSFERS = "/admin/support/transfers/"


@pytest.fixture
def staff(client, django_user_model):
    user = django_user_model.objects.create_superuser(
        "revenue", "revenue@example.org", "pw", first_name="Rita", last_name="Lead"
    )
    client.force_login(user)
    return client


def transfer(amount: int = 4000) -> Contribution:
    who = factories.supporter("sender@example.org", language="ru")
    return factories.contribution(who, provider="bank", amount=amount, currency="EUR")


@pytest.mark.parametrize("model", ["contribution", "payment", "recurringplan", "supporter"])
def test_ledger_rows_cannot_be_added_in_the_admin(staff, model):
    listing = staff.get(f"/admin/snippets/support/{model}/")
    assert listing.status_code == 200
    assert f"/admin/snippets/support/{model}/add/" not in listing.content.decode()
    # Wagtail answers a screen one may not use by sending the user back with a message.
    assert staff.get(f"/admin/snippets/support/{model}/add/").status_code == 302
    assert staff.post(f"/admin/snippets/support/{model}/add/", {"email": ""}).status_code == 302
    assert not Supporter.objects.filter(email="").exists()


def test_ledger_rows_cannot_be_edited_or_deleted_in_the_admin(staff):
    payment = factories.gift(frequency="month", amount=500)
    rows = {
        "contribution": payment.contribution,
        "payment": payment,
        "recurringplan": payment.plan,
    }
    for model, row in rows.items():
        for screen in ("edit", "delete"):
            url = f"/admin/snippets/support/{model}/{screen}/{row.pk}/"
            assert staff.get(url).status_code == 302, url
            assert staff.post(url, {"campaign": "x", "kind": "renewal"}).status_code == 302, url
        # The row's own page and its history are there to read.
        assert staff.get(f"/admin/snippets/support/{model}/inspect/{row.pk}/").status_code == 200
        assert staff.get(f"/admin/snippets/support/{model}/history/{row.pk}/").status_code == 200
    assert Contribution.objects.filter(campaign="x").count() == 0
    assert Payment.objects.get().kind == "first"
    assert RecurringPlan.objects.count() == 1
    # A supporter's name stays correctable, and is not deleted here (only shredded).
    supporter = payment.supporter
    edit = f"/admin/snippets/support/supporter/edit/{supporter.pk}/"
    assert staff.get(edit).status_code == 200
    assert staff.get(f"/admin/snippets/support/supporter/delete/{supporter.pk}/").status_code == 302


def test_a_transfer_of_zero_is_refused_beside_its_row(staff):
    contribution = transfer()
    response = staff.post(
        TRANSFERS, {"contribution": contribution.pk, "amount": "0", "received_on": ""}
    )
    assert response.status_code == 200
    page = response.content.decode()
    row = page[page.index(f'id="transfer-{contribution.pk}"') :]
    assert "Enter the amount that arrived: more than zero." in row[: row.index("</tr>")]
    contribution.refresh_from_db()
    assert contribution.status == "pending"
    assert not Payment.objects.exists() and mail.outbox == []


@pytest.mark.parametrize("typed", ["ten", "-5", "40.001", "", "1e3"])
def test_a_transfer_amount_that_is_no_amount_is_refused(staff, typed):
    contribution = transfer()
    response = staff.post(TRANSFERS, {"contribution": contribution.pk, "amount": typed})
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.content.decode()
    assert not Payment.objects.exists()


def test_a_different_amount_needs_a_confirmation_and_the_day_is_kept(
    staff, django_capture_on_commit_callbacks
):
    contribution = transfer(4000)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    data = {"contribution": contribution.pk, "amount": "38,50", "received_on": yesterday}
    refused = staff.post(TRANSFERS, data).content.decode()
    assert "€38.50 differs from the €40 promised." in refused
    assert 'name="confirm_difference"' in refused
    assert not Payment.objects.exists()

    future = {**data, "received_on": timezone.localdate() + datetime.timedelta(days=2)}
    assert "cannot arrive in the future" in staff.post(TRANSFERS, future).content.decode()

    with django_capture_on_commit_callbacks(execute=True):  # the receipt goes after commit
        done = staff.post(TRANSFERS, {**data, "confirm_difference": "on"})
    assert done.status_code == 302
    payment = Payment.objects.get()
    assert (payment.amount, payment.currency) == (3850, "EUR")
    assert timezone.localdate(payment.paid_at) == yesterday
    assert [m.to for m in mail.outbox] == [["sender@example.org"]]
    # Who marked it received, and when, is on the contribution's history page.
    history = staff.get(
        f"/admin/snippets/support/contribution/history/{contribution.pk}/"
    ).content.decode()
    written = format_date(yesterday, "long", locale="en")  # "November 30, 2026"
    assert f"Bank transfer marked received · €38.50 received on {written}" in history
    assert "(€40 expected)" in history and "Rita Lead" in history
    entry = ModelLogEntry.objects.get(action="tamizdat.ledger.received")
    assert entry.user.username == "revenue"


def test_the_right_amount_is_marked_received_once(staff, django_capture_on_commit_callbacks):
    contribution = transfer(4000)
    data = {"contribution": contribution.pk, "amount": "40"}
    with django_capture_on_commit_callbacks(execute=True):
        assert staff.post(TRANSFERS, data).status_code == 302
        again = staff.post(TRANSFERS, data)
    assert "no longer waiting" in again.content.decode()
    assert Payment.objects.count() == 1 and len(mail.outbox) == 1


def test_listings_show_money_names_and_words(staff, newsroom):
    campaign = Campaign.objects.create(name="December drive", locale=newsroom.en)
    # A Russian supporter, read by English-speaking staff.
    factories.gift("ru@example.org", amount=2500, campaign=str(campaign.pk))
    factories.supporter("ru@example.org", language="ru")
    factories.gift("plan@example.org", amount=1000, frequency="month", currency="EUR")
    factories.contribution(factories.supporter("bank@example.org"), provider="bank")
    contributions = staff.get("/admin/snippets/support/contribution/").content.decode()
    assert "$25" in contributions and "25 $" not in contributions and "2500" not in contributions
    assert "December drive" in contributions
    assert "Bank transfer" in contributions and "Card" in contributions
    assert ">bank<" not in contributions and ">stripe<" not in contributions
    plans = staff.get("/admin/snippets/support/recurringplan/").content.decode()
    assert "€10 / month" in plans
    payments = staff.get("/admin/snippets/support/payment/").content.decode()
    assert "$25" in payments and "Card" in payments
    supporters = staff.get("/admin/snippets/support/supporter/").content.decode()
    assert "Named" in supporters and "False" not in supporters
    amounts = staff.get("/admin/snippets/support/amountset/").content.decode()
    assert "True" not in amounts


def test_a_supporters_page_shows_their_gifts_plans_and_receipts(staff):
    first = factories.gift("ada@example.org", amount=2500)
    plan_payment = factories.gift("ada@example.org", amount=500, frequency="month")
    page = staff.get(
        f"/admin/snippets/support/supporter/inspect/{first.supporter.pk}/"
    ).content.decode()
    assert first.contribution.reference in page and plan_payment.contribution.reference in page
    assert "$5 / month" in page
    assert first.receipt_number in page and plan_payment.receipt_number in page
    assert "$25" in page


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"contribution": "abc", "amount": "40"},
        {"contribution": "999999", "amount": "40"},
        {"amount": "40", "received_on": "yesterday"},
        {"amount": "4" * 30},
    ],
)
def test_a_tampered_or_half_filled_form_is_answered_never_a_500(staff, data):
    contribution = transfer()
    response = staff.post(TRANSFERS, {"contribution": contribution.pk, **data})
    assert response.status_code == 200
    assert not Payment.objects.exists()
