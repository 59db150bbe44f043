"""The banner, the appeal and the overlay in Debian's Chromium, with the browser's clock under
the test's control: what a reader sees, hides, snoozes and keeps, across reloads and days."""

from __future__ import annotations

import datetime
import urllib.request
from collections.abc import Iterator

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from tamizdat.prompts import goal
from tamizdat.prompts.models import Campaign, EventCount
from tamizdat.support.models import Contribution
from tests import factories as ledger_rows
from tests.browser.conftest import console_errors
from tests.prompts import factories
from tests.waiting import wait_for

pytestmark = pytest.mark.django_db(transaction=True)

ARTICLE = "/en/politics/parliament-dissolved/"
OTHER_ARTICLE = "/en/politics/budget-passed/"
START = datetime.datetime(2026, 5, 4, 9, 0, tzinfo=datetime.UTC)
DAY = datetime.timedelta(days=1)


@pytest.fixture
def campaign(site) -> Campaign:
    factories.goal(amount=1_000_000, running_cost=1_000_000)
    # Not the default 3 and 7 days: the browser must follow the campaign's own settings.
    return factories.campaign(
        opens_overlay=True, default_frequency="month", dismiss_days=2, snooze_days=4
    )


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context()
    context.clock.install(time=START)
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext, live_server) -> Page:
    page = context.new_page()
    page.base = live_server.url  # type: ignore[attr-defined]
    page.errors = console_errors(page)  # type: ignore[attr-defined]
    return page


def visit(page: Page, path: str = ARTICLE) -> None:
    page.goto(page.base + path)  # type: ignore[attr-defined]
    page.wait_for_load_state("load")


def at(context: BrowserContext, moment: datetime.datetime) -> None:
    context.clock.set_system_time(moment)


def banner(page: Page) -> Locator:
    return page.get_by_role("complementary", name="Support our journalism")


def appeal(page: Page) -> Locator:
    return page.get_by_role("region", name="A message from The Test Courier")


def counted(event: str, expected: int) -> None:
    """Wait for the browser's reports to be counted (they are sent in the background)."""

    def total() -> int:
        return sum(EventCount.objects.filter(event=event).values_list("count", flat=True))

    wait_for(lambda: total() >= expected, f"{expected} {event} reports counted", timeout=5)
    assert total() == expected, f"{event}: {total()} counted, {expected} expected"


def test_closing_the_banner_hides_it_until_dismiss_days_pass(page, context, campaign):
    visit(page)
    expect(banner(page)).to_be_visible()
    expect(banner(page)).to_contain_text("Enjoying ad-free content?")
    expect(banner(page)).to_contain_text("$0 of $10,000 raised this month")
    expect(banner(page).get_by_role("meter")).to_be_visible()
    counted("impression", 1)

    banner(page).get_by_role("button", name="Hide this message").click()
    expect(banner(page)).to_be_hidden()
    counted("dismiss", 1)
    # The appeal is another prompt: "×" on the banner leaves it alone.
    expect(appeal(page)).to_be_visible()

    visit(page)
    expect(banner(page)).to_be_hidden()
    visit(page, OTHER_ARTICLE)
    expect(banner(page)).to_be_hidden()
    at(context, START + 2 * DAY - datetime.timedelta(minutes=5))
    visit(page)
    expect(banner(page)).to_be_hidden()

    at(context, START + 2 * DAY + datetime.timedelta(minutes=1))
    visit(page)
    expect(banner(page)).to_be_visible()
    counted("impression", 2)
    assert page.errors == []  # type: ignore[attr-defined]


def test_remind_me_later_hides_every_appeal_until_snooze_days_pass(page, context, campaign):
    visit(page)
    appeal(page).scroll_into_view_if_needed()
    expect(appeal(page)).to_contain_text("Not ready to support today?")
    appeal(page).get_by_role("button", name="Remind me later").click()
    note = appeal(page).get_by_text("Thank you. We will ask again in 4 days.")
    expect(note).to_be_visible()
    expect(note).to_be_focused()
    expect(appeal(page).get_by_role("button", name="Continue")).to_be_hidden()
    expect(banner(page)).to_be_hidden()
    counted("snooze", 1)

    for moment in (START + DAY, START + 4 * DAY - datetime.timedelta(minutes=5)):
        at(context, moment)
        visit(page)
        expect(appeal(page)).to_be_hidden()
        expect(banner(page)).to_be_hidden()

    at(context, START + 4 * DAY + datetime.timedelta(minutes=1))
    visit(page)
    expect(banner(page)).to_be_visible()
    expect(appeal(page)).to_be_visible()
    expect(appeal(page).get_by_role("button", name="Continue")).to_be_visible()
    assert page.errors == []  # type: ignore[attr-defined]


def test_frequency_caps_hold(page, context, site):
    factories.campaign(after_article_views=1, max_impressions_per_day=2)
    visit(page, "/en/")
    expect(banner(page)).to_be_hidden()  # no article read yet
    visit(page)
    expect(banner(page)).to_be_hidden()  # the first article: none read before it
    expect(appeal(page)).to_be_hidden()

    visit(page, OTHER_ARTICLE)
    expect(banner(page)).to_be_visible()  # the second article
    visit(page, "/en/")
    expect(banner(page)).to_be_visible()  # the second impression today
    visit(page, OTHER_ARTICLE)
    expect(banner(page)).to_be_hidden()  # two a day, and no more
    visit(page, "/en/politics/")
    expect(banner(page)).to_be_hidden()

    at(context, START + DAY)
    visit(page, "/en/")
    expect(banner(page)).to_be_visible()  # a new day


def test_each_browser_keeps_its_variant(browser, live_server, site):
    factories.campaign(
        headline="Headline A",
        variants=({"key": "b", "headline": "Headline B"}, {"key": "c", "headline": "Headline C"}),
    )
    seen = []
    for _ in range(10):
        context = browser.new_context()
        page = context.new_page()
        page.base = live_server.url  # type: ignore[attr-defined]
        visit(page)
        headline = banner(page).locator(".prompt-banner__headline").filter(visible=True)
        first = headline.inner_text()
        for path in ("/en/", OTHER_ARTICLE, ARTICLE):
            visit(page, path)
            expect(headline).to_have_text(first)
        # The appeal shows the same arm of the campaign as the banner.
        visit(page)
        arm = page.locator('[data-prompt-slot="banner"] .prompt-arm.is-shown')
        key = arm.get_attribute("data-arm")
        shown = page.locator('[data-prompt-slot="appeal"] .prompt-arm.is-shown')
        expect(shown).to_have_attribute("data-arm", key)
        seen.append(first)
        context.close()
    assert set(seen) <= {"Headline A", "Headline B", "Headline C"}
    assert len(set(seen)) > 1, "ten browsers, one variant: not assigned at random"


def test_the_overlay_works_with_the_keyboard_alone_and_passes_axe(page, campaign):
    visit(page)
    axe = Axe()
    results = axe.run(page)
    assert results.violations_count == 0, results.generate_report()

    support = banner(page).get_by_role("link", name="Support us")
    for _ in range(20):
        page.keyboard.press("Tab")
        if support.evaluate("element => element === document.activeElement"):
            break
    expect(support).to_be_focused()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Enjoying ad-free content?")
    expect(dialog).to_be_visible()
    assert page.evaluate("() => !!document.activeElement.closest('dialog[open]')")

    results = axe.run(page)
    assert results.violations_count == 0, results.generate_report()

    # Focus stays in the dialog, however far the reader tabs, forwards or back.
    for key in ["Tab"] * 30 + ["Shift+Tab"] * 10:
        page.keyboard.press(key)
        assert page.evaluate(
            "() => !document.activeElement || document.activeElement === document.body"
            " || !!document.activeElement.closest('dialog[open]')"
        )
    # Every control in it has a name a screen reader can read.
    unnamed = dialog.locator("input:not([type=hidden]), select, button, a").evaluate_all(
        """controls => controls.filter(c => c.offsetParent !== null)
             .filter(c => !(c.labels && c.labels.length) && !c.getAttribute('aria-label')
                          && !c.textContent.trim()).map(c => c.outerHTML)"""
    )
    assert unnamed == []

    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(support).to_be_focused()

    # Choose with the keyboard: monthly is chosen first, then the annual tab, by arrow key.
    page.keyboard.press("Enter")
    expect(dialog).to_be_visible()
    monthly = dialog.get_by_role("radio", name="Monthly")
    expect(monthly).to_be_checked()
    monthly.focus()
    page.keyboard.press("ArrowRight")
    expect(dialog.get_by_role("radio", name="Annual")).to_be_checked()

    later = dialog.get_by_role("button", name="Remind me later")
    for _ in range(60):
        page.keyboard.press("Tab")
        if later.evaluate("element => element === document.activeElement"):
            break
    expect(later).to_be_focused()
    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    note = banner(page).get_by_text("Thank you. We will ask again in 4 days.")
    expect(note).to_be_focused()
    expect(appeal(page)).to_be_hidden()
    assert page.errors == []  # type: ignore[attr-defined]


def test_without_javascript_the_banner_is_a_link_and_the_appeal_a_plain_form(
    browser, live_server, campaign
):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + ARTICLE)

    plain = page.get_by_role("link", name="Support us").first
    expect(banner(page)).to_be_visible()
    expect(banner(page)).to_contain_text("Enjoying ad-free content?")
    expect(banner(page).get_by_role("button", name="Hide this message")).to_be_hidden()
    expect(appeal(page)).to_be_visible()
    form = appeal(page).locator("form")
    expect(form.get_by_role("radio", name="Monthly")).to_be_checked()
    expect(appeal(page).get_by_role("button", name="Remind me later")).to_be_hidden()

    # The appeal's form is the reader-revenue form and works as plain HTML.
    form.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(f"{live_server.url}/en/support/contribute/")
    expect(page.get_by_text("Enter your e-mail address")).to_be_visible()

    page.goto(live_server.url + ARTICLE)
    plain.click()
    expect(page).to_have_url(f"{live_server.url}/en/support/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Support our journalism")
    context.close()


def test_after_giving_the_appeal_becomes_a_thank_you(browser, rails, site):
    """The whole path: the appeal's form, the processor's hosted page, the thank-you page, and
    back on an article the appeal thanks the reader, for 30 days after a one-time gift."""
    factories.goal()
    campaign = factories.campaign(variants=({"key": "b", "headline": "Headline B"},))
    context = browser.new_context()
    context.clock.install(time=START)
    page = context.new_page()
    page.base = rails.base_url  # type: ignore[attr-defined]

    visit(page)
    arm = page.locator('[data-prompt-slot="appeal"] .prompt-arm.is-shown')
    key = arm.get_attribute("data-arm")
    form = arm.locator("form")
    form.get_by_role("radio", name="Once").check()
    form.get_by_label("E-mail for your receipt").fill("reader@example.org")
    form.get_by_role("button", name="Continue").click()
    page.locator("#cardNumber").fill("4242 4242 4242 4242")
    page.get_by_role("button", name="Pay").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for your support")
    # The page's deferred script marks this browser as a supporter; a reader leaves the page
    # after it has loaded, not the moment its heading shows.
    page.wait_for_load_state("load")

    contribution = Contribution.objects.get()
    assert (contribution.campaign, contribution.variant) == (str(campaign.pk), key)
    counted("form_open", 1)
    counted("checkout", 1)

    visit(page)
    expect(appeal(page)).to_contain_text("Thank you for supporting The Test Courier.")
    expect(appeal(page).locator("form").filter(visible=True)).to_have_count(0)
    expect(banner(page)).to_be_hidden()

    at(context, START + 29 * DAY)
    visit(page, OTHER_ARTICLE)
    expect(appeal(page)).to_contain_text("Thank you for supporting The Test Courier.")
    at(context, START + 31 * DAY)
    visit(page)
    expect(appeal(page).get_by_role("button", name="Continue")).to_be_visible()
    expect(banner(page)).to_be_visible()
    context.close()


def test_the_banner_leads_to_the_support_page_with_its_campaign(page, site):
    campaign = factories.campaign(variants=({"key": "b", "headline": "Headline B"},))
    visit(page)
    arm = page.locator('[data-prompt-slot="banner"] .prompt-arm.is-shown')
    key = arm.get_attribute("data-arm")
    arm.get_by_role("link", name="Support us").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Support our journalism")
    expect(banner(page)).to_have_count(0)  # no banner on the support page itself
    form = page.locator("#support-form")
    expect(form.locator("input[name=campaign]")).to_have_value(str(campaign.pk))
    expect(form.locator("input[name=variant]")).to_have_value(key)
    counted("click", 1)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_prompts_have_no_axe_violations(browser, live_server, site, scheme):
    factories.goal()
    factories.campaign(variants=({"key": "b", "headline": "Headline B"},))
    factories.campaign("ru", headline="Нравится читать без рекламы?")
    context = browser.new_context(color_scheme=scheme)
    page = context.new_page()
    page.base = live_server.url  # type: ignore[attr-defined]
    axe = Axe()
    found = {}
    for path in (ARTICLE, "/ru/politics/parliament-dissolved/", "/en/"):
        visit(page, path)
        expect(page.locator('[data-prompt-slot="banner"]')).to_be_visible()
        results = axe.run(page)
        if results.violations_count:
            found[path] = results.generate_report()
    visit(page, "/en/support/")
    expect(page.get_by_role("complementary", name="Funding goal")).to_be_visible()
    results = axe.run(page)
    if results.violations_count:
        found["support"] = results.generate_report()
    visit(page)
    appeal(page).get_by_role("button", name="Remind me later").click()
    results = axe.run(page)
    if results.violations_count:
        found["snoozed"] = results.generate_report()
    context.close()
    assert found == {}, "\n".join(f"{path}: {report}" for path, report in found.items())


def test_a_cached_page_shows_the_current_goal_figure(page, site):
    factories.goal(amount=1_000_000, currency="USD")
    factories.campaign()
    cached = urllib.request.urlopen(page.base + ARTICLE).read().decode()  # type: ignore[attr-defined]
    assert "$0 of $10,000 raised this month" in cached
    ledger_rows.gift(amount=250_000, currency="USD")
    goal.forget_progress()  # the few minutes the figure is reused have passed
    # The page comes from the page cache with the figure it was rendered with; the script
    # puts the current one in its place.
    visit(page)
    meter = page.locator('[data-prompt-slot="banner"] .prompt-arm.is-shown [data-goal-meter]')
    expect(meter.locator(".goal-meter__text")).to_have_text("$2,500 of $10,000 raised this month")
    expect(meter.locator("meter")).to_have_attribute("value", "250000")
    assert page.errors == []  # type: ignore[attr-defined]
