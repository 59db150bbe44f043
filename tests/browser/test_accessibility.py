"""Automated accessibility checks (axe-core) of every kind of reading page, light and dark."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser

PAGES = [
    "/en/",
    "/ru/",
    "/en/politics/",
    "/en/politics/parliament-dissolved/",
    "/ru/politics/parliament-dissolved/",
    "/en/tags/elections/",
    "/en/authors/ada/",
    "/en/search/?q=parliament",
    "/en/missing/",
    "/en/support/",
    "/ru/support/",
]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_reading_pages_have_no_axe_violations(
    browser: Browser, live_server, reading_site, scheme: str
) -> None:
    context = browser.new_context(color_scheme=scheme)
    page = context.new_page()
    axe = Axe()
    found = {}
    for url in PAGES:
        page.goto(live_server.url + url)
        results = axe.run(page)
        if results.violations_count:
            found[url] = results.generate_report()
    context.close()
    assert found == {}, "\n".join(f"{url}: {report}" for url, report in found.items())
