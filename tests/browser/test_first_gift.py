"""A first-time reader's default gift goes through, whatever rails the newsroom has set up: the
form offers only what a rail can take, opens on a choice that can be paid, and says why a rail
is ruled out before Continue. On the support page, in the appeal and in the overlay, with and
without JavaScript, on a phone and on a desktop."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tamizdat.support.models import Contribution
from tests.browser.conftest import console_errors
from tests.prompts import factories

pytestmark = pytest.mark.django_db(transaction=True)

ARTICLE = "/en/politics/parliament-dissolved/"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(params=["bank", "stripe", "both"])
def configured(request, rails, settings):
    """The rails with one of them switched off, or both on."""
    if request.param == "bank":
        settings.STRIPE_SECRET_KEY = ""
    if request.param == "stripe":
        settings.BANK_TRANSFER = {**settings.BANK_TRANSFER, "iban": ""}
    rails.only = request.param
    return rails


@pytest.fixture
def campaign(site):
    # The campaign asks for monthly gifts, which a bank transfer cannot take.
    return factories.campaign(opens_overlay=True, default_frequency="month")


def open_page(browser: Browser, rails, viewport: dict[str, int], javascript: bool = True) -> Page:
    context = browser.new_context(viewport=viewport, java_script_enabled=javascript)
    page = context.new_page()
    page.errors = console_errors(page, origin=rails.base_url)  # type: ignore[attr-defined]
    return page


def give_the_default(page: Page, form: Locator, rails) -> None:
    """Press Continue on the form as it opened, with only an e-mail typed, and finish paying."""
    form.get_by_label("E-mail for your receipt").fill("first@example.org")
    form.get_by_role("button", name="Continue").click()
    if rails.only == "bank":
        expect(page.get_by_role("heading", level=1)).to_have_text("Pay by bank transfer")
        expect(page.locator(".bank-details")).to_contain_text("DE89 3704 0044 0532 0130 00")
        return
    heading = page.get_by_role("heading", level=1)
    # The article's own heading stays until the next page has loaded: wait for that page.
    expect(heading).to_have_text(re.compile("Check your e-mail|Checkout"))
    if heading.inner_text() == "Check your e-mail":
        # Without JavaScript there is no proof of work: the e-mail address is confirmed first.
        return
    expect(page).to_have_url(re.compile(re.escape(rails.peer.base_url) + "/checkout/"))
    page.locator("#cardNumber").fill("4242 4242 4242 4242")
    page.get_by_role("button", name="Pay").click()
    expect(heading).to_have_text("Thank you for your support")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390", "1280"])
@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_the_default_gift_goes_through_on_the_support_page(
    browser, configured, newsroom, viewport, javascript
):
    page = open_page(browser, configured, viewport, javascript)
    page.goto(f"{configured.base_url}/en/support/")
    form = page.locator("#support-form")
    currencies = form.get_by_label("Currency").locator("option").all_inner_texts()
    assert "JPY" not in currencies if configured.only == "bank" else "JPY" in currencies
    tabs = form.locator(".tabs label").all_inner_texts()
    assert tabs == (["Once"] if configured.only == "bank" else ["Once", "Monthly", "Annual"])
    give_the_default(page, form, configured)
    assert Contribution.objects.get().amount == 2500
    assert page.errors == []  # type: ignore[attr-defined]


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_the_default_gift_goes_through_in_the_appeal(browser, configured, campaign, javascript):
    page = open_page(browser, configured, DESKTOP, javascript)
    page.goto(configured.base_url + ARTICLE)
    form = page.locator('[data-prompt-slot="appeal"] form').first
    expected = "Once" if configured.only == "bank" else "Monthly"
    expect(form.get_by_role("radio", name=expected)).to_be_checked()
    give_the_default(page, form, configured)
    contribution = Contribution.objects.get()
    assert contribution.frequency == ("once" if configured.only == "bank" else "month")
    assert page.errors == []  # type: ignore[attr-defined]


def test_the_default_gift_goes_through_in_the_overlay(browser, configured, campaign):
    page = open_page(browser, configured, PHONE)
    page.goto(configured.base_url + ARTICLE)
    page.locator('[data-prompt-slot="banner"] .is-shown').get_by_role(
        "link", name="Support us"
    ).click()
    dialog = page.get_by_role("dialog", name="Enjoying ad-free content?")
    give_the_default(page, dialog.locator("form"), configured)
    assert Contribution.objects.count() == 1
    assert page.errors == []  # type: ignore[attr-defined]


def test_a_rail_that_cannot_take_the_choice_says_so_and_is_ruled_out(browser, rails, newsroom):
    page = open_page(browser, rails, DESKTOP)
    page.goto(f"{rails.base_url}/en/support/")
    form = page.locator("#support-form")
    bank = form.get_by_role("radio", name="Bank transfer")
    # Said before Continue, and tied to the choice for screen readers.
    expect(bank).to_have_accessible_description(
        "Bank transfer: one-time gifts in USD, EUR, and GBP only."
    )
    form.get_by_text("Bank transfer", exact=True).click()
    expect(bank).to_be_checked()
    form.locator("label", has_text="Monthly").click()
    expect(bank).to_be_disabled()
    expect(form.get_by_role("radio", name="Card")).to_be_checked()
    form.locator("label", has_text="Once").click()
    form.get_by_label("Currency").select_option("JPY")
    expect(bank).to_be_disabled()
    form.get_by_label("Currency").select_option("EUR")
    expect(bank).to_be_enabled()


def test_enter_and_space_on_a_tab_or_an_amount_select_and_only_continue_submits(
    browser, rails, newsroom
):
    page = open_page(browser, rails, DESKTOP)
    page.goto(f"{rails.base_url}/en/support/")
    form = page.locator("#support-form")
    annual = form.get_by_role("radio", name="Annual")
    annual.focus()
    page.keyboard.press("Enter")
    expect(annual).to_be_checked()
    yearly = form.locator(".contribution__amounts[data-frequency=year]")
    expect(yearly).to_be_visible()
    amount = yearly.get_by_role("radio", name="$200")
    amount.focus()
    page.keyboard.press("Enter")
    expect(amount).to_be_checked()
    other = yearly.get_by_role("radio", name="$50")
    other.focus()
    page.keyboard.press("Space")
    expect(other).to_be_checked()
    expect(page).to_have_url(f"{rails.base_url}/en/support/")
    assert Contribution.objects.count() == 0

    form.get_by_label("E-mail for your receipt").fill("first@example.org")
    form.get_by_role("button", name="Continue").focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(re.escape(rails.peer.base_url) + "/checkout/"))
    assert Contribution.objects.get().amount == 5000


@pytest.mark.parametrize(
    ("language", "monthly", "once"),
    [("en", "€10.30 / month", "€10.30"), ("ru", "10,30\xa0€ / месяц", "10,30\xa0€")],
)
def test_amounts_are_written_one_way_in_the_browser_and_on_the_server(
    browser, rails, newsroom, language, monthly, once
):
    page = open_page(browser, rails, DESKTOP)
    page.goto(f"{rails.base_url}/{language}/support/?currency=EUR")
    form = page.locator("#support-form")
    total = form.locator(".contribution__total")
    form.locator("label[for=support-frequency-month]").click()
    form.locator("#support-other-month").fill("10.3")
    expect(total).to_have_text(monthly)
    form.locator("label[for=support-frequency-once]").click()
    form.locator("#support-other-once").fill("10,3")
    expect(total).to_have_text(once)
    form.locator("input[name=email]").fill("first@example.org")
    form.locator("label[for=support-method-bank]").click()
    form.locator("button[type=submit]:not([name])").click()
    expect(page.locator(".bank-details dd").first).to_have_text(once)
