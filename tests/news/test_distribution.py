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


def test_sitemap_lists_every_page_with_language_alternates(client, site):
    response = client.get("/sitemap.xml")
    assert response.status_code == HTTPStatus.OK
    tree = ElementTree.fromstring(response.content)
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}
    urls = {url.find("s:loc", ns).text: url for url in tree.findall("s:url", ns)}
    article = "http://testserver/en/politics/parliament-dissolved/"
    assert article in urls
    assert "http://testserver/ru/politics/parliament-dissolved/" in urls
    assert "http://testserver/en/culture/theatre-reopens/" in urls
    alternates = {
        link.get("hreflang"): link.get("href") for link in urls[article].findall("x:link", ns)
    }
    assert alternates == {
        "en": article,
        "ru": "http://testserver/ru/politics/parliament-dissolved/",
    }
    assert urls[article].find("s:lastmod", ns).text


def test_robots_txt_points_to_the_sitemap_and_keeps_crawlers_out_of_admin(client):
    body = client.get("/robots.txt").content.decode()
    assert "Disallow: /admin/" in body
    assert "Sitemap: http://testserver/sitemap.xml" in body
