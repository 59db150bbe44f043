"""A reader gives through the real flow in Debian's Chromium: our form, the Stripe peer's hosted
page, back to our thank-you page, and the receipt; with and without JavaScript."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import Browser, Page, expect

from tamizdat.support.models import Contribution, Payment, RecurringPlan
from tests.browser.conftest import console_errors

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def reader(browser: Browser, rails, newsroom):
    context = browser.new_context()
    page = context.new_page()
    # Errors on our own pages only (the peer's page has no favicon, for one).
    errors = console_errors(page, origin=rails.base_url)
    page.errors = errors  # type: ignore[attr-defined]
    yield page
    context.close()


def pay_on_hosted_page(page: Page, rails, card: str = "4242 4242 4242 4242") -> None:
    expect(page).to_have_url(re.compile(re.escape(rails.peer.base_url) + "/checkout/"))
    page.locator("#cardNumber").fill(card)
    page.get_by_role("button", name="Pay").click()


def test_give_once_usd_25_and_get_a_receipt(reader: Page, rails):
    reader.goto(f"{rails.base_url}/en/support/")
    form = reader.locator("#support-form")
    expect(form.locator("input[value='USD:2500']")).to_be_checked()
    form.get_by_label("E-mail for your receipt").fill("ada@example.org")
    expect(form.locator(".contribution__total")).to_have_text("$25")
    form.get_by_role("button", name="Continue").click()

    pay_on_hosted_page(reader, rails)
    expect(reader.get_by_role("heading", level=1)).to_have_text("Thank you for your support")
    expect(reader.locator("main")).to_contain_text("We received your gift of $25.")
    rails.peer.wait_idle()
    payment = Payment.objects.get()
    assert (payment.amount, payment.currency) == (2500, "USD")
    assert [m.to for m in mail.outbox] == [["ada@example.org"]]
    assert reader.errors == []  # no CSP violation on our pages or on the way to the checkout


def test_give_monthly_eur_5_then_a_renewal(reader: Page, rails):
    reader.goto(f"{rails.base_url}/en/support/")
    form = reader.locator("#support-form")
    form.get_by_label("Currency").select_option("EUR")
    form.locator("label", has_text="Monthly").click()
    monthly = form.locator(".contribution__amounts[data-frequency=month]")
    expect(monthly).to_be_visible()
    expect(form.locator(".contribution__amounts[data-frequency=once]")).to_be_hidden()
    monthly.locator("label", has_text="€5").click()
    form.get_by_label("E-mail for your receipt").fill("boris@example.org")
    expect(form.locator(".contribution__total")).to_have_text("€5 / month")
    form.get_by_role("button", name="Continue").click()

    pay_on_hosted_page(reader, rails)
    expect(reader.locator("main")).to_contain_text("Your monthly support of €5 is active.")
    rails.peer.wait_idle()
    plan = RecurringPlan.objects.get()
    assert (plan.amount, plan.currency, plan.interval, plan.status) == (
        500,
        "EUR",
        "month",
        "active",
    )

    rails.peer.renew(plan.provider_plan_id)
    rails.peer.wait_idle()
    assert sorted(plan.payments.values_list("kind", flat=True)) == ["first", "renewal"]
    assert len(mail.outbox) == 2 and all(m.to == ["boris@example.org"] for m in mail.outbox)


def test_a_declined_card(reader: Page, rails):
    reader.goto(f"{rails.base_url}/en/support/")
    form = reader.locator("#support-form")
    form.get_by_label("Other amount", exact=True).first.fill("30")
    form.get_by_label("E-mail for your receipt").fill("ada@example.org")
    form.get_by_role("button", name="Continue").click()

    pay_on_hosted_page(reader, rails, card="4000 0000 0000 0002")
    expect(reader.get_by_role("alert")).to_have_text("Your card was declined.")
    reader.get_by_role("link", name="Cancel").click()
    expect(reader.get_by_role("alert")).to_have_text(
        "The payment was not completed, and nothing was charged. You can try again."
    )
    expect(reader.locator("#support-other-once")).to_have_value("30")
    rails.peer.wait_idle()
    assert not Payment.objects.exists()
    assert Contribution.objects.get().status == Contribution.Status.PENDING
    assert mail.outbox == []


def test_manage_by_magic_link_change_amount_then_cancel(reader: Page, rails, client):
    rails.give(client, frequency="month", currency="EUR", amount=5, email="cleo@example.org")
    mail.outbox = []
    reader.goto(f"{rails.base_url}/en/support/")
    reader.get_by_role("link", name="Already a supporter? Manage my support").click()
    reader.get_by_label("Your e-mail address").fill("cleo@example.org")
    reader.get_by_role("button", name="Send me a link").click()
    expect(reader.get_by_role("status")).to_contain_text("on its way")

    link = re.search(r"http://\S+/support/manage/\S+/", mail.outbox[0].body)[0]
    reader.goto(link)
    expect(reader.locator(".plan h3")).to_have_text("€5 · every month")
    reader.get_by_label("Amount (EUR)").fill("8")
    reader.get_by_role("button", name="Change my plan").click()
    expect(reader.get_by_role("status")).to_contain_text("Your plan was changed")
    expect(reader.locator(".plan h3")).to_have_text("€8 · every month")

    reader.get_by_label("Why are you canceling? (optional)").fill("Short on money this year")
    reader.get_by_role("button", name="Cancel my support").click()
    expect(reader.get_by_role("status")).to_contain_text("Your plan is canceled")
    expect(reader.locator(".plan__status")).to_contain_text("Canceled")
    plan = RecurringPlan.objects.get()
    assert (plan.amount, plan.status, plan.cancel_reason) == (
        800,
        "canceled",
        "Short on money this year",
    )


def test_give_without_javascript(browser: Browser, rails, newsroom):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{rails.base_url}/en/support/")
    form = page.locator("#support-form")
    # Tabs without a script: the checked frequency shows its amounts.
    form.locator("label", has_text="Annual").click()
    expect(form.locator(".contribution__amounts[data-frequency=year]")).to_be_visible()
    form.locator("label", has_text="Once").click()
    form.get_by_label("E-mail for your receipt").fill("dan@example.org")
    form.get_by_role("button", name="Continue").click()

    # Without the proof of work, an e-mail confirms the address before the card processor.
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your e-mail")
    link = re.search(r"http://\S+/confirm/\S+/", mail.outbox[0].body)[0]
    page.goto(link)
    page.get_by_role("button", name="Continue to payment").click()
    pay_on_hosted_page(page, rails)
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for your support")
    rails.peer.wait_idle()
    assert Payment.objects.get().amount == 2500
    context.close()


def test_support_page_with_errors_passes_axe(reader: Page, rails):
    from axe_playwright_python.sync_playwright import Axe

    reader.set_viewport_size({"width": 414, "height": 900})
    reader.goto(f"{rails.base_url}/en/support/")
    reader.locator("#support-form").get_by_role("button", name="Continue").click()
    expect(reader.locator(".field-error").first).to_be_visible()  # errors shown in place
    results = Axe().run(reader)
    assert results.violations_count == 0, results.generate_report()
