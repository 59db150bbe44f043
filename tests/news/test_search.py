"""Search that stays fast in a large archive: one ranked query on SQLite and on PostgreSQL,
whose results are those a reader would expect (title words first, their language only, live
stories only, every match once across the pages), whose count stops past what a reader pages
through, and whose cost does not grow with the matches."""

import re

import pytest
from django.db import connection
from wagtail.models import Locale

from tamizdat.news import search
from tamizdat.news.models import ArticlePage

pytestmark = pytest.mark.django_db
sqlite_only = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="the SQLite backend's own query"
)


@pytest.fixture
def archive(site):
    """Fifteen English stories that mention the harbour, one with it in the title."""
    for number in range(14):
        site.article(
            "culture",
            f"Story {number}",
            hours_ago=20 + number,
            body=[("paragraph", f"<p>Ships in the harbour, week {number}.</p>")],
        )
    site.article(
        "politics",
        "Harbour strike",
        hours_ago=100,
        body=[("paragraph", "<p>Dockers stopped work.</p>")],
    )
    return site


def found(client, query, page=1, language="en"):
    html = client.get(f"/{language}/search/", {"q": query, "page": page}).content.decode()
    titles = re.findall(r'class="card__headline"><a [^>]*>([^<]+)</a>', html)
    count = re.search(r"(\d+) articles? found", html)
    return titles, int(count[1]) if count else 0


def live_in(language):
    return ArticlePage.objects.live().filter(locale=Locale.objects.get(language_code=language))


def english(query):
    return live_in("en").search(query)


def test_a_title_match_ranks_first_and_every_match_appears_once(archive):
    results = english("harbour")
    assert results.count() == 15
    first_page = [article.title for article in results[:12]]
    assert first_page[0] == "Harbour strike"
    everything = first_page + [article.title for article in results[12:24]]
    assert len(everything) == len(set(everything)) == 15


@sqlite_only
def test_past_the_ranked_window_older_matches_follow_newest_first(archive, monkeypatch):
    from tamizdat.news.search import sqlite  # importable on SQLite only, as Wagtail's is

    monkeypatch.setattr(sqlite, "RANKED_WINDOW", 4)
    results = english("harbour")
    assert results.count() == 15
    titles = [article.title for article in results[:15]]
    assert len(set(titles)) == 15
    # A page that straddles the window's end gets both parts, nothing twice.
    assert [a.title for a in results[2:6]] == titles[2:6]
    assert [a.title for a in results[10:15]] == titles[10:15]


def test_only_live_stories_in_the_readers_language(archive):
    story = ArticlePage.objects.get(title="Story 3")
    story.unpublish()
    assert english("harbour").count() == 14
    assert "Story 3" not in [a.title for a in english("harbour")[:20]]
    russian = live_in("ru")
    assert russian.search("harbour").count() == 0
    assert [a.title for a in russian.search("парламент")] == ["Парламент распущен"]


def test_the_search_page_shows_the_ranked_results_and_the_count(client, archive):
    titles, count = found(client, "harbour")
    assert count == 15
    assert titles[0] == "Harbour strike"
    assert len(titles) == 12
    older, _ = found(client, "harbour", page=2)
    assert len(older) == 3
    assert not set(older) & set(titles)


def test_a_common_word_is_counted_and_paged_up_to_a_limit(client, archive, monkeypatch):
    monkeypatch.setattr(search, "MAX_COUNTED", 10)
    html = client.get("/en/search/", {"q": "harbour"}).content.decode()
    assert "More than 10 articles found. Add a word to narrow the search." in html
    titles, _ = found(client, "harbour")
    assert len(titles) == 10
    assert titles[0] == "Harbour strike"
    assert client.get("/en/search/", {"q": "harbour", "page": 2}).status_code == 404
    # Fewer matches than the limit: counted exactly.
    assert found(client, "dockers") == (["Harbour strike"], 1)
    assert english("harbour").count_up_to(100) == 15


def test_the_queries_do_not_grow_with_the_matches(archive, django_assert_max_num_queries):
    results = english("harbour")
    with django_assert_max_num_queries(5):
        assert results.count_up_to(5) == 5
        assert results.count() == 15
        assert len(list(results[:12])) == 12


def test_negations_go_through_wagtails_own_search(archive):
    from wagtail.search.query import Not, PlainText

    results = english(PlainText("harbour") & Not(PlainText("strike")))
    assert "Harbour strike" not in [a.title for a in results]
    assert results.count() == 14


@sqlite_only
def test_a_new_story_gets_its_title_weight_from_the_latest_entries(archive):
    from wagtail.search.models import IndexEntry

    story = archive.article("culture", "A title of some length", hours_ago=1)
    entry = IndexEntry.objects.get(object_id=str(story.pk))
    assert entry.title_norm != 1.0
    titles = [len(e.title) for e in IndexEntry.objects.order_by("-pk")[:1000] if e.title]
    assert entry.title_norm == pytest.approx(sum(titles) / len(titles) / len(entry.title))
