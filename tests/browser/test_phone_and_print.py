"""What a reader sees first on a phone, what they can tap, and what they print."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tamizdat.news.models import HomePage
from tests.browser.conftest import console_errors
from tests.prompts import factories

pytestmark = pytest.mark.django_db(transaction=True)

ARTICLE = "/en/politics/parliament-dissolved/"
DEMO = Path(__file__).parents[2] / "src/tamizdat/news/demo_data/newsroom.json"

# Controls too small to tap, skipping links inside running text (WCAG 2.2's inline exception)
# and what nobody can see or reach (the honeypot, radios drawn by their labels).
TOO_SMALL = """() => {
  const inText = ".article__body, .notice, .prompt-banner__body, .appeal__body, figcaption";
  const controls = "a[href], button, input:not([type=hidden]), select, label[for]";
  return [...document.querySelectorAll(controls)]
    .filter(el => !el.closest(inText) && !el.closest("[aria-hidden=true]"))
    .filter(el => getComputedStyle(el).opacity !== "0" && el.getClientRects().length)
    .map(el => [el.getBoundingClientRect(), el.outerHTML.slice(0, 80)])
    .filter(([box]) => box.width < 24 || box.height < 24)
    .map(([box, html]) => `${Math.round(box.width)}×${Math.round(box.height)} ${html}`);
}"""


@pytest.fixture
def newsroom_with_campaign(site):
    """The test newsroom with the demo's long notice, a goal and a banner that opens a form."""
    notice = json.loads(DEMO.read_text())["notice"]["en"]
    HomePage.objects.filter(locale__language_code="en").update(notice=f"<p>{notice}</p>")
    factories.goal()
    factories.campaign(opens_overlay=True)
    return site


def open_page(browser: Browser, live_server, width: int, height: int) -> Page:
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.errors = console_errors(page)  # type: ignore[attr-defined]
    page.goto(live_server.url + ARTICLE)
    page.wait_for_load_state("load")
    return page


def test_on_a_phone_the_banner_is_one_line_and_the_headline_in_the_first_screen(
    browser, live_server, newsroom_with_campaign
):
    page = open_page(browser, live_server, 390, 844)
    banner = page.locator('[data-prompt-slot="banner"] .prompt-banner.is-shown')
    headline = banner.locator(".prompt-banner__headline")
    button = banner.get_by_role("link", name="Support us")
    close = banner.get_by_role("button", name="Hide this message")
    for part in (headline, button, close):
        expect(part).to_be_visible()
    tops = [part.bounding_box()["y"] for part in (headline, button, close)]
    assert max(banner.bounding_box()["height"], 0) <= 60, banner.bounding_box()
    assert max(tops) - min(tops) < 24, tops  # side by side, not stacked
    story = page.get_by_role("heading", level=1).bounding_box()
    assert story["y"] + story["height"] <= 844, story

    # "×" hands the focus on to what follows the banner, not to the page itself.
    close.focus()
    page.keyboard.press("Enter")
    expect(banner).to_be_hidden()
    assert page.evaluate("() => document.activeElement.matches('.site-name')")
    assert page.errors == []  # type: ignore[attr-defined]


@pytest.mark.parametrize("width", [390, 1280])
def test_every_control_is_at_least_24_px_square(
    browser, live_server, newsroom_with_campaign, width
):
    page = open_page(browser, live_server, width, 900)
    for path in (
        ARTICLE,
        "/en/",
        "/en/support/",
        "/en/politics/",
        "/en/authors/ada/",
        "/en/search/?q=a",
    ):
        page.goto(live_server.url + path)
        small = page.evaluate(TOO_SMALL)
        assert small == [], "\n".join([path, *small])


def test_printing_an_article_keeps_the_story_its_photo_and_the_support_address(
    browser, live_server, newsroom_with_campaign
):
    page = open_page(browser, live_server, 1280, 900)
    page.emulate_media(media="print")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator(".article__lead-image img")).to_be_visible()
    expect(page.locator(".article__lead-image .credit")).to_have_text("Photo: AP / TASS")
    expect(page.locator(".print-only")).to_have_text(
        "Support our journalism: http://testserver/en/support/"
    )
    for gone in (
        '[data-prompt-slot="banner"]',
        '[data-prompt-slot="appeal"]',
        "form.contribution",
        ".goal-meter",
        ".read-more",
        ".sections",
    ):
        for element in page.locator(gone).all():
            expect(element).to_be_hidden()
    page.emulate_media(media="screen")
    expect(page.locator(".print-only")).to_be_hidden()
