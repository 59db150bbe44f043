"""The revenue lead marks a bank transfer received in Chromium: 0 is refused beside the row, the
amount that came is recorded with the day and who marked it, and no admin page errs."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Browser, Page, expect

from tamizdat.support.models import Contribution, Payment
from tests import factories
from tests.browser.conftest import console_errors

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def staff_page(browser: Browser, live_server, newsroom):
    get_user_model().objects.create_superuser("revenue", "revenue@example.org", "a-long-pass")
    context = browser.new_context()
    page = context.new_page()
    page.errors = console_errors(page, origin=live_server.url)  # type: ignore[attr-defined]
    page.goto(f"{live_server.url}/admin/login/")
    page.get_by_label("Username").fill("revenue")
    page.get_by_label("Password").fill("a-long-pass")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    yield page
    context.close()


def test_mark_a_transfer_received_with_zero_then_the_right_amount(staff_page: Page, live_server):
    who = factories.supporter("sender@example.org", language="ru")
    contribution = factories.contribution(who, provider="bank", amount=4000, currency="EUR")
    page = staff_page
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
    expect(page.locator("main")).to_contain_text("revenue")
    assert page.errors == []  # type: ignore[attr-defined]
