"""A reader plays an outside video: nothing of the host's loads until the click."""

from playwright.sync_api import Browser, expect

from tests.browser.conftest import console_errors


def test_the_video_player_loads_only_after_the_reader_presses_play(
    browser: Browser, live_server, reading_site
) -> None:
    reading_site.article(
        "politics",
        "Protest on film",
        body=[("external_media", {"url": "https://youtu.be/Lm4pQ8zR2Xc", "title": "The march"})],
    )
    page = browser.new_page()
    to_player = []
    errors = console_errors(page)

    def fake_player(route):
        # Nothing leaves the machine: the host's player is answered here.
        to_player.append(route.request.url)
        route.fulfill(body="<!doctype html><title>player</title>", content_type="text/html")

    page.route("https://www.youtube-nocookie.com/**", fake_player)
    page.goto(f"{live_server.url}/en/politics/protest-on-film/")
    play = page.get_by_role("button", name="Play the video here")
    expect(play).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert to_player == []

    play.click()
    player = page.locator("iframe.external-media__player")
    expect(player).to_have_attribute("title", "The march")
    page.wait_for_load_state("networkidle")
    assert to_player == ["https://www.youtube-nocookie.com/embed/Lm4pQ8zR2Xc?autoplay=1"]
    assert errors == []
    page.close()
