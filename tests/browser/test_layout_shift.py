"""Nothing on the home page moves once it is on screen (Lighthouse's cumulative layout shift):
the campaign banner the script shows floats at the foot of the window, and the page keeps room
for it at its end."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page

from tests.browser.conftest import console_errors
from tests.prompts import factories

pytestmark = pytest.mark.django_db(transaction=True)

# Every shift the browser reports for the page, as Lighthouse sums them; none follows input.
WATCH_SHIFTS = """
window.layoutShifts = [];
new PerformanceObserver(function (list) {
  list.getEntries().forEach(function (entry) {
    if (!entry.hadRecentInput) {
      window.layoutShifts.push({
        value: entry.value,
        moved: entry.sources.map(function (source) {
          return source.node ? source.node.nodeName + "." + source.node.className : "?";
        }),
      });
    }
  });
}).observe({type: "layout-shift", buffered: true});
"""


def shifts_after_loading(page: Page, url: str) -> list[dict]:
    """What moved while `url` loaded: each shift's size and the elements it moved."""
    page.goto(url)
    page.wait_for_load_state("networkidle")  # the goal's figure fetched and written in
    page.wait_for_timeout(500)
    return page.evaluate("window.layoutShifts")


@pytest.mark.parametrize("width", [412, 1350], ids=["phone", "desktop"])
@pytest.mark.parametrize("language", ["en", "ru"])
def test_the_banner_and_the_goal_move_nothing_on_the_home_page(
    browser: Browser, live_server, site, width: int, language: str
) -> None:
    factories.goal(amount=1_000_000, running_cost=1_000_000)
    factories.campaign(language)
    context = browser.new_context(viewport={"width": width, "height": 860})
    context.add_init_script(WATCH_SHIFTS)
    page = context.new_page()
    errors = console_errors(page)
    url = f"{live_server.url}/{language}/"
    assert shifts_after_loading(page, url) == []
    banner = page.locator('[data-prompt-slot="banner"] .prompt-banner.is-shown')
    assert banner.is_visible()

    # At the end of the page the banner covers none of the footer's links.
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    link = page.get_by_role("contentinfo").get_by_role("link").last
    box = link.bounding_box()
    assert box is not None
    covering = page.evaluate(
        "([x, y]) => document.elementFromPoint(x, y).closest('a')?.textContent",
        [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2],
    )
    assert covering == link.text_content()

    # Closed, the banner stays away on the next page, which still moves nothing. (A new tab,
    # which opens at the top as a reader's next page does; a reload would put the reader back
    # at the end, where showing the end-of-article appeal moves what follows it.)
    banner.locator('[data-prompt-action="dismiss"]').click()
    page = context.new_page()
    errors_next = console_errors(page)
    assert shifts_after_loading(page, url) == []
    assert not page.locator('[data-prompt-slot="banner"]').is_visible()
    context.close()
    assert errors == errors_next == []
