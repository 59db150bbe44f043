"""A reader's path through the site in Debian's Chromium, with and without JavaScript."""

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import console_errors


def _walk_the_site(page: Page, base: str) -> None:
    page.goto(f"{base}/")
    expect(page).to_have_url(f"{base}/en/")
    expect(page.locator(".notice")).to_contain_text("Our site is blocked at home.")

    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Politics").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Politics")

    page.get_by_role("link", name="Parliament dissolved").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Parliament dissolved")
    expect(page.locator(".article__lead-image figcaption")).to_contain_text("Photo: AP / TASS")
    lead_image = page.locator(".article__lead-image img")
    expect(lead_image).to_have_attribute("alt", "Alt text of lead")
    # The picture really arrives from the site's media (lazy loading aside, it is on top).
    expect(lead_image).to_have_js_property("complete", True)
    assert lead_image.evaluate("image => image.naturalWidth") > 0

    read_more = page.get_by_role("region", name="Read more")
    read_more.get_by_role("link", name="Opposition prepares").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Opposition prepares")

    page.get_by_role("navigation", name="Language").get_by_role("link", name="Русский").click()
    expect(page).to_have_url(f"{base}/ru/politics/opposition-prepares/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Оппозиция готовится")
    expect(page.locator("html")).to_have_attribute("lang", "ru")


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_reader_goes_from_home_to_a_related_story_and_into_russian(
    browser: Browser, live_server, reading_site, javascript: bool
) -> None:
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    origins = set()
    page.on("request", lambda request: origins.add(urlsplit(request.url).netloc))
    errors = console_errors(page)

    _walk_the_site(page, live_server.url)

    # Every request the pages made, images and styles included, stayed on the site's origin.
    assert origins == {urlsplit(live_server.url).netloc}
    # A Content-Security-Policy violation would show up here as a console error.
    assert errors == []
    context.close()
