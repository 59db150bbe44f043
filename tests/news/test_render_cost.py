"""What a reading page costs to render does not grow with the archive: the same number of
queries with a handful of articles and with many more, in more sections. And what each process
keeps between requests never outlives a publish."""

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tamizdat.news.models import HomePage
from tests.query_plans import plan, reads_of

pytestmark = pytest.mark.django_db

PAGES = (
    "/en/",
    "/en/politics/",
    "/en/politics/parliament-dissolved/",
    "/en/tags/elections/",
    "/en/feed/",
    "/en/politics/feed/",
)


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


def _rendered(client, path: str) -> str:
    client.cookies[settings.SESSION_COOKIE_NAME] = ""
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


ARTICLE = "/en/politics/parliament-dissolved/"


def test_the_frame_kept_rendered_follows_a_publish(client, site):
    html = _rendered(client, ARTICLE)
    assert "Our site is blocked at home." in html
    assert '<a href="/en/politics/" aria-current="page">Politics</a>' in html
    # Another section's page, from the same kept header: its own section is the marked one.
    culture = _rendered(client, "/en/culture/theatre-reopens/")
    assert '<a href="/en/culture/" aria-current="page">Culture</a>' in culture
    assert '<a href="/en/politics/">Politics</a>' in culture

    site.section("economy", "Economy", "Экономика")
    home = HomePage.objects.get(pk=site.home.pk)
    home.notice = "<p>Read us through a mirror.</p>"
    home.tagline = "Independent since 2022"
    home.save_revision().publish()
    html = _rendered(client, ARTICLE)
    assert "Read us through a mirror." in html and "Our site is blocked" not in html
    assert '<p class="site-tagline">Independent since 2022</p>' in html
    assert '<a href="/en/economy/">Economy</a>' in html
    # The Russian frame is kept apart from the English one.
    russian = _rendered(client, "/ru/politics/parliament-dissolved/")
    assert "Наш сайт заблокирован." in russian and "Read us through a mirror." not in russian


def test_each_page_keeps_its_own_language_links(client, site):
    translated = _rendered(client, ARTICLE)
    assert 'href="/ru/politics/parliament-dissolved/" lang="ru"' in translated
    # No Russian copy: the link goes to the Russian front page, not to the last page's copy.
    untranslated = _rendered(client, "/en/politics/budget-passed/")
    assert 'href="/ru/" lang="ru"' in untranslated
    assert "/ru/politics/parliament-dissolved/" not in untranslated
    assert 'href="/ru/politics/parliament-dissolved/" lang="ru"' in _rendered(client, ARTICLE)


def test_a_listings_archive_pages_reuse_its_language_links(client, site):
    """The links to other languages leave a listing's page number out, so its archive pages
    take them from its first page: looking up the tag in each language again was a fifth of
    rendering each of a static copy's thousands of archive pages."""
    for number in range(13):  # an archive page beside the first
        site.article("politics", f"Story {number}", hours_ago=3 + number, tags=("elections",))

    def languages(html: str) -> str:
        return html.split('<nav class="languages"', 1)[1].split("</nav>", 1)[0]

    first = _rendered(client, "/en/tags/elections/")
    with CaptureQueriesContext(connection) as captured:
        archive = _rendered(client, "/en/tags/elections/?page=1")
    assert "Story 12" in archive and "Story 12" not in first
    assert languages(archive) == languages(first)
    assert 'href="/ru/tags/elections/"' in languages(archive)
    # Whether the tag has stories in each language was asked for the first page only.
    asked = 'SELECT 1 AS "a" FROM "news_articlepage"'
    assert not [q for q in captured if q["sql"].startswith(asked)]


def test_a_story_published_leaves_the_frame_rendered(client, site):
    _rendered(client, ARTICLE)
    site.article("politics", "Harbour reopens", hours_ago=0.5)
    with CaptureQueriesContext(connection) as captured:
        html = _rendered(client, ARTICLE)
    assert "Harbour reopens" in html  # its Read more, rendered again, names the new story
    read = " ".join(query["sql"] for query in captured)
    # The header, the navigation, the campaigns and the newsletters came as they were kept.
    for table in ("news_homepage", "news_sectionpage", "prompts_campaign", "newsletters_"):
        assert f'"{table}' not in read


def test_a_story_republished_or_moved_shows_on_its_card(client, site):
    assert "Budget passed" in _rendered(client, "/en/")
    story = site.sections["politics"].get_children().get(slug="budget-passed").specific
    story.title = "Budget passed after all"
    story.save_revision().publish()
    home = _rendered(client, "/en/")
    assert "Budget passed after all" in home
    story.refresh_from_db()
    story.move(site.sections["culture"], pos="last-child")
    home = _rendered(client, "/en/")
    assert 'href="/en/culture/budget-passed/"' in home
    assert "/en/politics/budget-passed/" not in home


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's query plans")
def test_listings_are_counted_and_ordered_without_reading_the_page_table(client, site):
    """A listing's count and its page of ids come from indexes: Wagtail's `child_of` (a LIKE)
    and a join to the stories' own rows read every page of a 100,000-story archive."""
    for number in range(13):  # an archive page beside the first
        site.article("politics", f"Story {number}", hours_ago=3 + number, tags=("elections",))
    client.cookies[settings.SESSION_COOKIE_NAME] = ""
    for path in (
        "/en/politics/",
        "/en/politics/?page=1",
        "/en/tags/elections/",
        "/en/authors/ada/",
    ):
        with reads_of("wagtailcore_page") as statements:
            assert client.get(path).status_code == 200
        listing = [
            (sql, params)
            for sql, params in statements
            if sql.startswith(('SELECT "wagtailcore_page"."id" AS "pk"', "SELECT COUNT(*)"))
        ]
        assert listing, path
        for sql, params in listing:
            steps = " / ".join(plan(sql, params))
            assert "SCAN wagtailcore_page" not in steps, (path, steps)
            assert "news_articlepage" not in sql, (path, sql)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's query plans")
def test_the_front_page_never_sorts_the_whole_archive(client, site):
    """Each section's newest stories come from the newest of the language, read in the order
    of an index: numbering every story by section and date sorted the whole archive (1.2 s
    at 100,000 stories), paid by the first reader after every publish."""
    for number in range(5):
        site.article("culture", f"Story {number}", hours_ago=3 + number)
    with reads_of("wagtailcore_page") as statements:
        html = _rendered(client, "/en/")
    assert "Story 4" in html and "Budget passed" in html
    assert statements
    for sql, params in statements:
        steps = plan(sql, params)
        if any(step.startswith("SCAN wagtailcore_page") for step in steps):
            assert "USE TEMP B-TREE FOR ORDER BY" not in steps, (steps, sql)
