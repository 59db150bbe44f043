"""The revenue lead marks a bank transfer received in Chromium: 0 is refused beside the row, the
amount that came is recorded with the day and who marked it, and no admin page errs."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tamizdat.support.models import Contribution, Payment
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


def test_mark_a_transfer_received_with_zero_then_the_right_amount(admin: Page, live_server):
    who = factories.supporter("sender@example.org", language="ru")
    contribution = factories.contribution(who, provider="bank", amount=4000, currency="EUR")
    page = admin
    page.goto(f"{live_server.url}/admin/support/transfers/")
    row = page.locator(f"#transfer-{contribution.pk}")
    expect(row).to_contain_text(contribution.reference)
    expect(row).to_contain_text("€40")  # in the admin's English, not the sender's Russian

    row.get_by_label("Amount (EUR)").fill("0")
    row.get_by_role("button", name="Mark received").click()
    row = page.locator(f"#transfer-{contribution.pk}")
    expect(row.get_by_role("alert")).to_have_text("Enter the amount that arrived: more than zero.")
    expect(row.get_by_label("Amount (EUR)")).to_have_attribute("aria-invalid", "true")
    assert not Payment.objects.exists()

    row.get_by_label("Amount (EUR)").fill("40")
    row.get_by_role("button", name="Mark received").click()
    expect(page.get_by_role("status").filter(has_text="Marked received")).to_have_text(
        "Marked received; the receipt is on its way."
    )
    expect(page.locator(f"#transfer-{contribution.pk}")).to_have_count(0)
    payment = Payment.objects.get()
    assert (payment.amount, payment.currency) == (4000, "EUR")
    assert Contribution.objects.get().status == "paid"

    # The contribution's history says who marked it received.
    page.goto(f"{live_server.url}/admin/snippets/support/contribution/history/{contribution.pk}/")
    expect(page.locator("main")).to_contain_text("Bank transfer marked received")
    expect(page.locator("main")).to_contain_text("editor")
