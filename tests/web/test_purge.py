"""One purge for every cache in front of readers: the built-in page cache and a proxy that
accepts HTTP PURGE (`TAMIZDAT_PURGE_LOCATIONS`), both told when a story is published."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.web.cdn_peer import Call, peer, use_cdn

pytestmark = pytest.mark.django_db

ARTICLE = "/en/politics/parliament-dissolved/"


@pytest.fixture
def proxy(settings, monkeypatch) -> Iterator[list[Call]]:
    """A caching proxy on loopback that records each PURGE it is sent."""
    with peer() as cache:
        use_cdn(settings, monkeypatch, TAMIZDAT_PURGE_LOCATIONS=cache.url)
        yield cache.calls


def test_publishing_purges_the_page_cache_and_the_proxy(client, site, proxy):
    assert client.get(ARTICLE)["X-Cache"] == "miss"
    assert client.get(ARTICLE)["X-Cache"] == "hit"

    article = site.sections["politics"].get_children().get(slug="parliament-dissolved").specific
    article.title = "Parliament dissolved, elections called"
    article.save_revision().publish()

    response = client.get(ARTICLE)
    assert response["X-Cache"] == "miss"
    assert "Parliament dissolved, elections called" in response.content.decode()
    # The story, its section and the home page above it, with their feeds; Wagtail asks for
    # each language's address of them too. Never the tree's root, which readers never see.
    listings = {"/{}/", "/{}/feed/", "/{}/politics/", "/{}/politics/feed/"}
    expected = {path.format(code) for path in listings for code in ("en", "ru")}
    expected |= {ARTICLE, ARTICLE.replace("/en/", "/ru/")}
    assert sorted((call.headers["Host"], call.path) for call in proxy) == sorted(
        ("testserver", path) for path in expected
    )


def test_a_change_every_page_shows_retires_the_page_cache_alone(client, site, proxy):
    from tests.prompts import factories

    assert client.get(ARTICLE)["X-Cache"] == "miss"
    factories.campaign(headline="Enjoying ad-free content?")
    response = client.get(ARTICLE)
    assert response["X-Cache"] == "miss"
    assert "Enjoying ad-free content?" in response.content.decode()
    # A proxy cannot be told "every page": its copies run out with their s-maxage.
    assert proxy == []
