"""Outside videos: a click-to-load, privacy-enhanced player, and nothing loaded before the click."""

import pytest

from tamizdat.news.players import player_url

pytestmark = [pytest.mark.django_db, pytest.mark.engine_neutral]


@pytest.mark.parametrize(
    ("url", "player"),
    [
        (
            "https://www.youtube.com/watch?v=Lm4pQ8zR2Xc",
            "https://www.youtube-nocookie.com/embed/Lm4pQ8zR2Xc?autoplay=1",
        ),
        (
            "https://youtu.be/Lm4pQ8zR2Xc",
            "https://www.youtube-nocookie.com/embed/Lm4pQ8zR2Xc?autoplay=1",
        ),
        (
            "https://m.youtube.com/shorts/Lm4pQ8zR2Xc",
            "https://www.youtube-nocookie.com/embed/Lm4pQ8zR2Xc?autoplay=1",
        ),
        ("https://vimeo.com/76979871", "https://player.vimeo.com/video/76979871?dnt=1&autoplay=1"),
        ('https://www.youtube.com/watch?v=bad"id', None),
        ("https://www.youtube.com/channel/x", None),
        ("https://example.org/watch?v=Lm4pQ8zR2Xc", None),
        ("not a url", None),
    ],
)
def test_video_links_become_privacy_enhanced_players(url, player):
    assert player_url(url) == player


def test_a_page_with_a_video_allows_only_that_player_and_loads_nothing(client, site):
    site.article(
        "politics",
        "Protest on film",
        body=[
            ("paragraph", "<p>Watch it.</p>"),
            ("external_media", {"url": "https://youtu.be/Lm4pQ8zR2Xc", "title": "The march"}),
        ],
    )
    response = client.get("/en/politics/protest-on-film/")
    html = response.content.decode()
    policy = response["Content-Security-Policy"]
    # The header names its directives and their sources in no fixed order.
    directives = {d.split()[0]: set(d.split()[1:]) for d in policy.split(";") if d.strip()}
    assert directives["frame-src"] == {"'self'", "https://www.youtube-nocookie.com"}
    assert "vimeo" not in policy
    assert 'data-player="https://www.youtube-nocookie.com/embed/Lm4pQ8zR2Xc?autoplay=1"' in html
    assert "<iframe" not in html
    assert "/static/news/players.js" in html
    # The cached copy keeps the same policy.
    again = client.get("/en/politics/protest-on-film/")
    assert again["X-Cache"] == "hit"
    assert again["Content-Security-Policy"] == policy

    plain = client.get("/en/politics/budget-passed/")
    assert "youtube" not in plain["Content-Security-Policy"]
    assert "players.js" not in plain.content.decode()
