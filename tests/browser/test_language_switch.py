"""The language switch in Chromium: a reader who picks Русский stays on what they were reading."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize(
    ("english", "russian"),
    [
        ("/en/", "/ru/"),
        ("/en/politics/", "/ru/politics/"),
        ("/en/politics/parliament-dissolved/", "/ru/politics/parliament-dissolved/"),
        ("/en/tags/elections/", "/ru/tags/elections/"),
        ("/en/search/?q=Parliament", "/ru/search/?q=Parliament"),
        ("/en/support/?currency=EUR", "/ru/support/?currency=EUR"),
    ],
)
def test_the_language_switch_keeps_the_page(page: Page, live_server, site, english, russian):
    page.goto(live_server.url + english)
    page.get_by_role("navigation", name="Language").get_by_role("link", name="Русский").click()
    expect(page).to_have_url(live_server.url + russian)
    expect(page.locator("html")).to_have_attribute("lang", "ru")
