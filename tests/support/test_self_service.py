"""Supporters manage their support through a signed, expiring link: no password."""

from __future__ import annotations

import datetime
import re

import pytest
import stripe
import time_machine
from django.contrib.auth import get_user_model
from django.core import mail, signing

from tamizdat.support import links
from tamizdat.support.models import Contribution, Payment, RecurringPlan, Supporter
from tests.revenue import form_data

pytestmark = pytest.mark.django_db(transaction=True)


def magic_link(rails, client, email="reader@example.org") -> str:
    mail.outbox = []
    response = client.post("/en/support/manage/", {"email": email})
    assert b"a link to manage your support is on its way" in response.content
    return re.search(r"http://\S+/support/manage/\S+/", mail.outbox[0].body)[0].replace(
        rails.base_url, ""
    )


def test_change_amount_switch_to_annual_and_cancel(rails, client):
    rails.give(client, frequency="month", currency="EUR", amount=5)
    plan = RecurringPlan.objects.get()
    link = magic_link(rails, client)

    page = client.get(link).content.decode()
    assert "€5" in page and "every month" in page
    # The visit renews the browser's supporter mark until the plan's paid period ends.
    assert f'data-supporter-until="{plan.current_period_end.isoformat()}"' in page

    too_low = client.post(f"{link}plans/{plan.pk}/change/", {"amount": "0.50", "interval": "month"})
    assert too_low.status_code == 400
    assert "The minimum is €2." in too_low.content.decode()

    changed = client.post(f"{link}plans/{plan.pk}/change/", {"amount": "120", "interval": "year"})
    assert changed.status_code == 303
    plan.refresh_from_db()
    assert (plan.amount, plan.interval) == (12000, "year")
    item = stripe.Subscription.retrieve(plan.provider_plan_id)["items"].data[0]
    assert (item.price.unit_amount, item.price.recurring.interval) == (12000, "year")
    rails.peer.wait_idle()
    plan.refresh_from_db()
    assert (plan.amount, plan.interval, plan.status) == (12000, "year", "active")

    canceled = client.post(f"{link}plans/{plan.pk}/cancel/", {"reason": "Moving abroad"})
    assert canceled.status_code == 303
    rails.peer.wait_idle()
    plan.refresh_from_db()
    assert (plan.status, plan.cancel_reason) == ("canceled", "Moving abroad")
    assert stripe.Subscription.retrieve(plan.provider_plan_id).status == "canceled"
    assert "There will be no further payments" in client.get(canceled["Location"]).content.decode()


def test_update_card_through_checkout_setup_mode(rails, client):
    rails.give(client, frequency="month", currency="EUR", amount=5)
    plan = RecurringPlan.objects.get()
    link = magic_link(rails, client)
    response = client.post(f"{link}plans/{plan.pk}/card/")
    assert response.status_code == 303
    session_id = rails.session_id(response["Location"])
    assert stripe.checkout.Session.retrieve(session_id).mode == "setup"
    paid = rails.peer.pay_checkout(session_id, "5555555555554444")
    assert paid.status == 303 and "done=card" in paid.location
    rails.peer.wait_idle()
    subscription = stripe.Subscription.retrieve(plan.provider_plan_id)
    intent = stripe.SetupIntent.retrieve(stripe.checkout.Session.retrieve(session_id).setup_intent)
    assert subscription.default_payment_method == intent.payment_method


def test_receipts_download(rails, client):
    rails.give(client, amount=25)
    payment = Payment.objects.get()
    link = magic_link(rails, client)
    response = client.get(f"{link}receipts/{payment.pk}/")
    assert response["Content-Disposition"] == (
        f'attachment; filename="receipt-{payment.receipt_number}.html"'
    )
    assert "$25" in response.content.decode()


def test_links_expire_and_cannot_be_forged_or_reused_for_others(rails, client):
    rails.give(client, amount=25)
    rails.give(client, amount=25, email="other@example.org")
    _supporter, other = Supporter.objects.order_by("pk")
    other_payment = Payment.objects.get(supporter=other)
    link = magic_link(rails, client)
    assert client.get(link).status_code == 200
    # Someone else's receipt, through my link: not found.
    assert client.get(f"{link}receipts/{other_payment.pk}/").status_code == 404
    # A forged token, or one for another supporter signed with another key.
    forged = signing.TimestampSigner(salt="x").sign(f"{other.pk}.abc")
    assert client.get(f"/en/support/manage/{forged}/").status_code == 410
    # A day and a second later, a link that lives a day has expired.
    with time_machine.travel(datetime.timedelta(days=1, seconds=1)):
        assert client.get(link).status_code == 410
    # An unknown address gets the same answer and no mail.
    mail.outbox = []
    response = client.post("/en/support/manage/", {"email": "stranger@example.org"})
    assert b"a link to manage your support is on its way" in response.content
    assert mail.outbox == []
    assert links.supporter_from_token("not-a-token") is None


def test_staff_mark_a_bank_transfer_received(rails, client):
    client.post("/en/support/contribute/", form_data(method="bank", currency="EUR", amount="40"))
    contribution = Contribution.objects.get()
    staff = get_user_model().objects.create_superuser("editor", "editor@example.org", "pw")
    admin = type(client)()
    admin.force_login(staff)
    listing = admin.get("/admin/support/transfers/").content.decode()
    assert contribution.reference in listing and "€40" in listing
    first, second = (  # a double click records one payment
        admin.post("/admin/support/transfers/", {"contribution": contribution.pk, "amount": "40"})
        for _ in range(2)
    )
    # The first marks it received; the second finds it no longer waiting and re-shows the form.
    assert (first.status_code, second.status_code) == (302, 200)
    contribution.refresh_from_db()
    assert contribution.status == "paid"
    payment = Payment.objects.get()
    assert (payment.amount, payment.currency, payment.provider) == (4000, "EUR", "bank")
    # The bank details when the transfer started, then one receipt.
    assert [m.to for m in mail.outbox] == [["reader@example.org"]] * 2
    assert "Bank details" in mail.outbox[0].subject and "receipt" in mail.outbox[1].subject


def test_ledger_listings_in_the_admin(rails, client):
    rails.give(client, amount=25, campaign="spring")
    staff = get_user_model().objects.create_superuser("editor", "editor@example.org", "pw")
    client.force_login(staff)
    for url in [
        "/admin/snippets/support/contribution/?q=reader",
        "/admin/snippets/support/payment/",
        "/admin/snippets/support/supporter/?q=reader@example.org",
        "/admin/snippets/support/recurringplan/",
        "/admin/snippets/support/amountset/",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
    assert (
        b"reader@example.org" in client.get("/admin/snippets/support/supporter/?q=reader").content
    )


def test_staff_edit_amounts_in_the_currencys_main_unit(db, client):
    from tamizdat.support.models import AmountSet

    staff = get_user_model().objects.create_superuser("editor", "editor@example.org", "pw")
    client.force_login(staff)
    amounts = AmountSet.objects.get(currency="USD", frequency="month")
    url = f"/admin/snippets/support/amountset/edit/{amounts.pk}/"
    assert 'value="5, 10, 20"' in client.get(url).content.decode()
    data = {
        "currency": "USD",
        "frequency": "month",
        "suggested": "3, 7.50, 15",
        "default_amount": "7.50",
        "minimum": "3",
        "maximum": "500",
        "active": "on",
    }
    assert client.post(url, data).status_code == 302
    amounts.refresh_from_db()
    assert (amounts.suggested, amounts.default_amount, amounts.minimum) == (
        [300, 750, 1500],
        750,
        300,
    )
    response = client.post(url, {**data, "default_amount": "1000"})
    assert "between the limits" in response.content.decode()

    AmountSet.objects.exclude(pk=amounts.pk).update(active=False)
    response = client.post(url, {**data, "active": ""})
    assert "Keep at least one currency and frequency offered" in response.content.decode()
    assert AmountSet.objects.get(pk=amounts.pk).active


@pytest.mark.django_db
def test_ledger_listings_do_not_query_per_row(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests import factories as ledger_rows

    staff = get_user_model().objects.create_superuser("editor", "editor@example.org", "pw")
    client.force_login(staff)

    def queries(url: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    urls = ["/admin/snippets/support/payment/", "/admin/snippets/support/recurringplan/"]
    ledger_rows.gift("reader1@example.org", amount=500, frequency="month")
    for url in urls:  # what a process looks up once (the site, the roots) is not per row
        queries(url)
    few = [queries(url) for url in urls]
    for number in range(2, 30):
        ledger_rows.gift(f"reader{number}@example.org", amount=500, frequency="month")
    assert [queries(url) for url in urls] == few


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", ["The Test Courier", "1 Free Press Lane", "Receipt ", "Payment method: Card"]),
        ("ru", ["Тестовый курьер", "Квитанция ", "Способ оплаты: Карта", " г."]),
    ],
)
def test_a_receipt_as_a_pdf(rails, client, newsroom, settings, language, expected):
    import io

    from pypdf import PdfReader

    settings.NEWSROOM_ADDRESS = "1 Free Press Lane, Lindhaven"
    contribution = rails.give(client, language=language, amount=25, name="Ada Lovelace")
    payment = Payment.objects.get()
    link = magic_link(rails, client)
    response = client.get(f"{link}receipts/{payment.pk}/pdf/")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="receipt-{payment.receipt_number}.pdf"'
    )
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    for part in [*expected, contribution.reference, "Ada Lovelace", payment.receipt_number]:
        assert part in text, text


def test_the_admin_writes_amounts_in_the_staff_members_language(rails, client):
    client.post("/ru/support/contribute/", form_data(method="bank", currency="EUR", amount="10,30"))
    staff = get_user_model().objects.create_superuser("editor", "editor@example.org", "pw")
    admin = type(client)()
    admin.force_login(staff)
    listing = admin.get("/admin/support/transfers/").content.decode()
    assert "€10.30" in listing and "10,30\xa0€" not in listing
