"""A static copy in Debian's Chromium: opened from a USB stick (file://) and from a static host,
with the campaigns' buttons, search, and a gift that reaches the live site and the Stripe peer."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

import pytest
from playwright.sync_api import Browser, Page, expect

from tamizdat.mirror import export, search
from tamizdat.support.models import Payment
from tests.browser.conftest import console_errors
from tests.browser.test_support import pay_on_hosted_page
from tests.mirror.crawl import static_server
from tests.prompts import factories


@pytest.fixture
def watched(browser: Browser) -> Iterator[Page]:
    """A page that notes every request it makes, failed loads and console errors."""
    context = browser.new_context()
    page = context.new_page()
    page.requests = []  # type: ignore[attr-defined]
    page.problems = console_errors(page)  # type: ignore[attr-defined]
    page.on("request", lambda request: page.requests.append(request.url))  # type: ignore[attr-defined]
    # Loads cut short by going on to the next page are not failures.
    page.on(
        "requestfailed",
        lambda request: (
            request.failure != "net::ERR_ABORTED"
            and page.problems.append(f"failed: {request.url} {request.failure}")
        ),  # type: ignore[attr-defined]
    )
    yield page
    context.close()


@pytest.fixture
def copy(site, tmp_path, settings) -> Path:
    settings.MIRROR_GIVING_URL = ""
    factories.campaign(dismiss_days=2, snooze_days=4)
    factories.campaign("ru", headline="Нравится читать без рекламы?")
    export.export(tmp_path / "copy")
    return tmp_path / "copy"


@pytest.mark.django_db
def test_from_a_usb_stick_every_page_loads_only_its_own_files(watched: Page, copy: Path):
    root = copy.as_uri() + "/"
    pages = sorted(copy.rglob("*.html"))
    assert len(pages) > 20
    for path in pages:
        # The top index.html sends the reader on to a language; it is followed on its own below,
        # since its redirect would interrupt the next page's load. 404.html is what a static
        # host shows for an address it does not hold, at any depth, so it names files from the
        # host's root; no page links to it, and from a stick nothing shows it.
        skipped = (copy / "index.html", copy / "404.html")
        if path.parts[len(copy.parts)] == "pagefind" or path in skipped:
            continue
        watched.goto(path.as_uri())
        watched.wait_for_load_state("load")
    watched.goto((copy / "index.html").as_uri())
    watched.wait_for_url("**/en/index.html")
    watched.wait_for_load_state("load")
    outside = [url for url in watched.requests if not url.startswith(root)]  # type: ignore[attr-defined]
    assert outside == []
    missing = [
        url for url in watched.requests if not Path(unquote(url[len("file://") :])).is_file()
    ]  # type: ignore[attr-defined]
    assert missing == []
    assert watched.problems == []  # type: ignore[attr-defined]

    # The notice knows when the copy was made and lists addresses from copy-info.js.
    watched.goto((copy / "en/index.html").as_uri())
    notice = watched.get_by_role("complementary", name="About this copy")
    expect(notice).to_contain_text("You are reading a copy of our site")
    expect(notice).to_contain_text("This copy was made on")

    # The campaigns keep their rules in this origin's localStorage.
    article = (copy / "en/politics/parliament-dissolved/index.html").as_uri()
    watched.goto(article)
    banner = watched.get_by_role("complementary", name="Support our journalism")
    expect(banner).to_be_visible()
    banner.get_by_role("button", name="Hide this message").click()
    expect(banner).to_be_hidden()
    watched.goto(article)
    expect(banner).to_be_hidden()
    appeal = watched.get_by_role("region", name="A message from The Test Courier")
    appeal.scroll_into_view_if_needed()
    appeal.get_by_role("button", name="Remind me later").click()
    expect(appeal.get_by_text("Thank you. We will ask again in 4 days.")).to_be_visible()
    watched.goto(article)
    expect(appeal).to_be_hidden()

    # Search cannot load its index from a file: the page says so and points to the archives.
    watched.goto((copy / "en/search/index.html").as_uri())
    expect(watched.get_by_text("Search on a copy opened from a file")).to_be_visible()
    assert watched.problems == []  # type: ignore[attr-defined]


@pytest.mark.django_db
def test_search_works_on_a_copy_served_over_http(watched: Page, copy: Path):
    with static_server(copy.parent) as root:
        watched.goto(f"{root}copy/ru/search/index.html")
        expect(watched.get_by_text("Search on a copy opened from a file")).to_be_hidden()
        watched.get_by_role("searchbox").fill("Парламент")
        watched.get_by_role("searchbox").press("Enter")
        found = watched.get_by_role("link", name="Парламент распущен")
        expect(found).to_be_visible()
        found.click()
        expect(watched).to_have_url(f"{root}copy/ru/politics/parliament-dissolved/index.html")
        expect(watched.get_by_role("heading", level=1)).to_have_text("Парламент распущен")
        assert watched.problems == []  # type: ignore[attr-defined]


@pytest.mark.django_db
def test_search_finds_stories_from_every_part_of_the_index(
    watched: Page, site, tmp_path, monkeypatch
):
    # One story a part: every story but the first comes from an index merged into it.
    monkeypatch.setattr(search, "PART_SIZE", 1)
    export.export(tmp_path / "copy")
    parts = json.loads((tmp_path / "copy/pagefind/parts.json").read_text())
    assert len(parts["en"]) == 4
    with static_server(tmp_path) as root:
        watched.goto(f"{root}copy/en/search/index.html?q=standfirst")
        expect(watched.get_by_text("Articles found: 4")).to_be_visible()
        expect(watched.locator("[data-mirror-search-results] li a")).to_have_count(4)
        watched.get_by_role("link", name="Parliament dissolved").click()
        expect(watched).to_have_url(f"{root}copy/en/politics/parliament-dissolved/index.html")
        assert watched.problems == []  # type: ignore[attr-defined]


@pytest.mark.django_db(transaction=True)
def test_a_gift_from_the_copy_reaches_the_live_site_and_completes(
    watched: Page, rails, newsroom, settings, tmp_path
):
    settings.MIRROR_GIVING_URL = rails.base_url
    export.export(tmp_path / "copy")
    with static_server(tmp_path) as root:
        watched.goto(f"{root}copy/en/support/index.html")
        form = watched.locator("#support-form")
        expect(form).to_have_attribute("action", f"{rails.base_url}/en/support/contribute/")
        expect(watched.get_by_text("DE89 3704 0044 0532 0130 00")).to_be_visible()
        form.get_by_label("E-mail for your receipt").fill("reader@example.org")
        form.get_by_role("button", name="Continue").click()
        pay_on_hosted_page(watched, rails)
        expect(watched).to_have_url(re.compile(re.escape(rails.base_url) + "/en/support/thanks/"))
        expect(watched.get_by_role("heading", level=1)).to_have_text("Thank you for your support")
        rails.peer.wait_idle()
        assert Payment.objects.get().amount == 2500
        copy_errors = [p for p in watched.problems if root in p]  # type: ignore[attr-defined]
        assert copy_errors == []
