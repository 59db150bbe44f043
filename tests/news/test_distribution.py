"""Feeds, sitemap and robots.txt: what aggregators and search engines read."""

from http import HTTPStatus
from xml.etree import ElementTree

import feedparser
import pytest

pytestmark = pytest.mark.django_db


def test_site_feed_lists_newest_first_in_its_language(client, site):
    response = client.get("/en/feed/")
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"].startswith("application/rss+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == "rss20"
    assert feed.feed.title == "The Test Courier"
    assert feed.feed.language == "en"
    titles = [entry.title for entry in feed.entries]
    assert titles == [
        "Theatre reopens",
        "Parliament dissolved",
        "Opposition prepares",
        "Budget passed",
    ]
    first = feed.entries[1]
    assert first.link == "http://testserver/en/politics/parliament-dissolved/"
    assert first.summary == "Standfirst of Parliament dissolved"
    assert "Ada Reporter" in first.author
    assert {tag.term for tag in first.tags} == {"Politics", "elections"}


def test_russian_and_section_feeds(client, site):
    russian = feedparser.parse(client.get("/ru/feed/").content)
    assert russian.feed.language == "ru"
    assert [entry.title for entry in russian.entries] == [
        "Парламент распущен",
        "Оппозиция готовится",
    ]
    section = feedparser.parse(client.get("/en/politics/feed/").content)
    assert [entry.title for entry in section.entries] == [
        "Parliament dissolved",
        "Opposition prepares",
        "Budget passed",
    ]


def test_unpublished_story_leaves_the_feed(client, site):
    site.sections["culture"].get_children().first().specific.unpublish()
    feed = feedparser.parse(client.get("/en/feed/").content)
    assert "Theatre reopens" not in [entry.title for entry in feed.entries]


SITEMAP = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}


def sitemap_files(client):
    """The files the index names, as the addresses they list."""
    response = client.get("/sitemap.xml")
    assert response.status_code == HTTPStatus.OK
    assert response["Content-Type"].startswith("application/xml")
    index = ElementTree.fromstring(response.content)
    assert index.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}sitemapindex"
    files = [loc.text for loc in index.findall("s:sitemap/s:loc", SITEMAP)]
    urls = []
    for address in files:
        assert address.startswith("http://testserver/sitemap-")
        found = client.get(address.removeprefix("http://testserver"))
        assert found.status_code == HTTPStatus.OK
        urls.append(
            {
                url.find("s:loc", SITEMAP).text: url
                for url in ElementTree.fromstring(found.content).findall("s:url", SITEMAP)
            }
        )
    return urls


def test_sitemap_lists_every_page_with_language_alternates(client, site):
    [urls] = sitemap_files(client)
    article = "http://testserver/en/politics/parliament-dissolved/"
    assert article in urls
    assert "http://testserver/ru/politics/parliament-dissolved/" in urls
    assert "http://testserver/en/culture/theatre-reopens/" in urls
    assert "http://testserver/en/" in urls
    alternates = {
        link.get("hreflang"): link.get("href") for link in urls[article].findall("x:link", SITEMAP)
    }
    assert alternates == {
        "en": article,
        "ru": "http://testserver/ru/politics/parliament-dissolved/",
    }
    assert urls[article].find("s:lastmod", SITEMAP).text
    # A story in one language only has no other version to name.
    assert not urls["http://testserver/en/culture/theatre-reopens/"].findall("x:link", SITEMAP)


def test_sitemap_leaves_out_what_readers_cannot_see(client, site):
    site.sections["culture"].get_children().first().specific.unpublish()
    [urls] = sitemap_files(client)
    assert "http://testserver/en/culture/theatre-reopens/" not in urls
    assert client.get("/sitemap-2.xml").status_code == HTTPStatus.NOT_FOUND
    assert client.get("/sitemap-0.xml").status_code == HTTPStatus.NOT_FOUND


def test_sitemap_is_split_into_files_whose_queries_do_not_grow(
    client, site, monkeypatch, django_assert_max_num_queries
):
    from django.core.cache import cache

    from tamizdat.news import sitemaps

    everything = set().union(*sitemap_files(client))
    monkeypatch.setattr(sitemaps, "URLS_PER_FILE", 3)
    cache.clear()
    files = sitemap_files(client)
    assert len(files) > 2
    assert all(len(urls) <= 3 for urls in files)
    assert set().union(*files) == everything
    # The same queries for a file of three pages as for one of ten thousand.
    with django_assert_max_num_queries(8):
        client.get("/sitemap-2.xml")


def test_robots_txt_points_to_the_sitemap_and_keeps_crawlers_out_of_admin(client):
    body = client.get("/robots.txt").content.decode()
    assert "Disallow: /admin/" in body
    assert "Sitemap: http://testserver/sitemap.xml" in body
