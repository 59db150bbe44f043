"""Through the shipped nginx: pages come from its cache, and a publish shows within a second
for every encoding, with no purge sent (nginx revalidates with the page's ETag)."""

from __future__ import annotations

import gzip
import urllib.request
from pathlib import Path

import pytest

from tests import servers
from tests.waiting import wait_for

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

        # A second of nginx's keeping, then the time to render the page once (generous: the
        # machine may be busy).
        wait_for(
            lambda: all(
                "Parliament dissolved at dawn" in fetch(front + ARTICLE, encoding)[0]
                for encoding in ("gzip", "identity")
            ),
            "the new copy in every encoding",
            timeout=2.5,
        )
        # From then on nginx asks again each second in the background, and readers go on
        # getting its copy at once (STALE while it asks), never waiting on Tamizdat.
        wait_for(
            lambda: fetch(front + ARTICLE, "gzip")[1] == "STALE", "nginx asking again", timeout=3
        )
