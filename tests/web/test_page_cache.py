"""After a publish retires every cached page, one request renders each page again while the
others are served the previous copy at once; the new copy is served as soon as it is stored."""

from __future__ import annotations

import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from http import HTTPStatus

import pytest
from django.test.signals import template_rendered

ARTICLE = "/en/politics/parliament-dissolved/"
NEW_TITLE = "Parliament dissolved, elections called"


def fetch(url: str) -> tuple[str, str, str]:
    with urllib.request.urlopen(url, timeout=10) as response:
        headers = response.headers
        return headers["X-Cache"], headers["Cache-Control"], response.read().decode()


class HeldRender:
    """Holds the next render of a template in whichever thread does it, until released: a
    request caught in the middle of rendering a page."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self.release = threading.Event()
        self.armed = False
        self.lock = threading.Lock()

    def __call__(self, **kwargs: object) -> None:
        with self.lock:
            hold, self.armed = self.armed, False
        if hold:
            self.started.set()
            self.release.wait(10)


@pytest.fixture
def held_render():
    held = HeldRender()
    template_rendered.connect(held, weak=False)
    try:
        yield held
    finally:
        held.release.set()
        template_rendered.disconnect(held)


@pytest.mark.django_db(transaction=True)
def test_readers_get_the_previous_copy_while_one_request_renders_the_new(
    live_server, site, held_render
):
    url = live_server.url + ARTICLE
    assert fetch(url)[0] == "miss"
    assert fetch(url)[0] == "hit"
    article = site.sections["politics"].get_children().get(slug="parliament-dissolved").specific
    article.title = NEW_TITLE
    article.save_revision().publish()

    held_render.armed = True
    with ThreadPoolExecutor(1) as pool:
        renderer = pool.submit(fetch, url)
        assert held_render.started.wait(10)
        # The first reader after the publish is rendering the page; the next one does not wait.
        started = time.monotonic()
        status, cache_control, html = fetch(url)
        assert time.monotonic() - started < 1
        assert status == "stale"
        assert NEW_TITLE not in html and "Parliament dissolved" in html
        # A CDN may keep the previous copy, but asks again before it serves it twice.
        assert "s-maxage=0" in cache_control and "stale-while-revalidate" in cache_control
        held_render.release.set()
        status, _, html = renderer.result(10)
    assert status == "miss" and NEW_TITLE in html
    status, _, html = fetch(url)
    assert status == "hit" and NEW_TITLE in html


@pytest.mark.django_db
def test_a_page_unpublished_since_it_was_cached_is_never_served_again(client, site):
    assert client.get(ARTICLE)["X-Cache"] == "miss"
    site.sections["politics"].get_children().get(slug="parliament-dissolved").specific.unpublish()
    for _ in range(2):
        assert client.get(ARTICLE).status_code == HTTPStatus.NOT_FOUND
