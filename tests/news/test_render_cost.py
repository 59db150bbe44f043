"""What a reading page costs to render does not grow with the archive: the same number of
queries with a handful of articles and with many more, in more sections. And what each process
keeps between requests never outlives a publish."""

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db

PAGES = ("/en/", "/en/politics/", "/en/politics/parliament-dissolved/", "/en/tags/elections/")


def _queries(client, path: str) -> int:
    # A session cookie keeps the request out of the shared page cache: the page is rendered.
    client.cookies[settings.SESSION_COOKIE_NAME] = ""
    assert client.get(path).status_code == 200  # what is kept per process is filled here
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


def test_query_counts_do_not_grow_with_the_archive(client, site):
    before = {path: _queries(client, path) for path in PAGES}
    site.section("economy", "Economy", "Экономика")
    for number in range(30):
        site.article(
            ("politics", "culture", "economy")[number % 3],
            f"Story {number}",
            hours_ago=20 + number,
            tags=("elections",),
            authors=("ada",),
        )
    after = {path: _queries(client, path) for path in PAGES}
    assert after == before
    assert before["/en/politics/parliament-dissolved/"] <= 6


def test_a_publish_shows_on_the_next_rendered_page(client, site):
    client.cookies[settings.SESSION_COOKIE_NAME] = ""
    assert "Economy" not in client.get("/en/").content.decode()
    site.section("economy", "Economy", "Экономика")
    site.article("economy", "Harbour reopens", hours_ago=0.5)
    html = client.get("/en/").content.decode()
    assert 'href="/en/economy/"' in html  # the navigation and the front page's lists
    assert "Harbour reopens" in html
