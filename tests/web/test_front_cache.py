"""Through the shipped nginx: pages come from its cache, and a publish shows within a second
for every encoding, with no purge sent (nginx revalidates with the page's ETag)."""

from __future__ import annotations

import gzip
import time
import urllib.request
from pathlib import Path

import pytest

from tests import servers

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.scenario]

ARTICLE = "/en/politics/parliament-dissolved/"


def fetch(url: str, encoding: str) -> tuple[str, str]:
    """The page as a reader asking for `encoding` gets it, and nginx's cache status."""
    asked = urllib.request.Request(url, headers={"Accept-Encoding": encoding})
    with urllib.request.urlopen(asked, timeout=10) as answer:
        body = answer.read()
        if answer.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        return body.decode(), answer.headers.get("X-Proxy-Cache", "")


def test_a_publish_shows_through_nginx_within_a_second_for_every_encoding(site, tmp_path: Path):
    with servers.tamizdat(tmp_path / "node") as node, servers.nginx(tmp_path, node) as front:
        for encoding in ("gzip", "identity"):
            fetch(front + ARTICLE, encoding)
            page, status = fetch(front + ARTICLE, encoding)
            assert status == "HIT" and "Parliament dissolved" in page

        article = site.sections["politics"].get_children().get(slug="parliament-dissolved")
        article = article.specific
        article.title = "Parliament dissolved at dawn"
        article.save_revision().publish()
        published = time.monotonic()

        # A second of nginx's keeping, then the time to render the page once (generous: the
        # machine may be busy).
        for encoding in ("gzip", "identity"):
            while "Parliament dissolved at dawn" not in fetch(front + ARTICLE, encoding)[0]:
                assert time.monotonic() - published < 2.5, f"stale {encoding} copy"
                time.sleep(0.05)
        # Unchanged pages are revalidated, not rendered again: nginx keeps serving its copy.
        fetch(front + "/robots.txt", "gzip")
        time.sleep(1.1)
        assert fetch(front + "/robots.txt", "gzip")[1] in ("REVALIDATED", "HIT", "EXPIRED")
