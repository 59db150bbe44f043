"""Through the shipped nginx (`deploy/nginx-site.conf`, TLS and two upstreams): the file parses,
plain HTTP goes to HTTPS, pages come from its cache, and a publish shows within a second for
every encoding, with no purge sent (nginx revalidates with the page's ETag)."""

from __future__ import annotations

import gzip
import re
import subprocess
from pathlib import Path

import pytest

from tests import servers
from tests.waiting import wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.scenario]

ARTICLE = "/en/politics/parliament-dissolved/"


def fetch(url: str, encoding: str) -> tuple[str, str]:
    """The page as a reader asking for `encoding` gets it, and nginx's cache status."""
    answer = servers.fetch(url, **{"Accept-Encoding": encoding})
    body = answer.read()
    if answer.headers.get("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
    return body.decode(), answer.headers.get("X-Proxy-Cache", "")


def test_the_shipped_site_configuration_parses(tmp_path: Path):
    front = servers.nginx_config(tmp_path, ["127.0.0.1:8001", "127.0.0.1:8002"])
    checked = subprocess.run(
        servers.nginx_command(front, "-t"), capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stderr
    assert "syntax is ok" in checked.stderr
    warnings = [
        line
        for line in checked.stderr.splitlines()
        # Newer nginx only says how it now prefers HTTP/2 to be switched on.
        if "[warn]" in line and '"listen ... http2" directive is deprecated' not in line
    ]
    assert warnings == []


def test_a_publish_shows_through_nginx_within_a_second_for_every_encoding(site, tmp_path: Path):
    with servers.tamizdat(tmp_path / "node") as node, servers.nginx(tmp_path, node) as front:
        # Plain HTTP sends readers to the same address over HTTPS.
        moved = servers.fetch(front.plain_url + ARTICLE)
        assert moved.status == 301
        assert moved.headers["Location"] == f"https://127.0.0.1{ARTICLE}"

        for encoding in ("gzip", "identity"):
            fetch(front.url + ARTICLE, encoding)
            page, status = fetch(front.url + ARTICLE, encoding)
            assert status == "HIT" and "Parliament dissolved" in page

        # The page's stylesheet comes from the nodes once, then from nginx's cache; its photo
        # from the media folder on disk.
        stylesheet = re.search(r'href="(/static/[^"]+\.css)"', page)
        photo = re.search(r'src="(/media/[^"]+)"', page)
        assert stylesheet and photo
        servers.fetch(front.url + stylesheet[1])
        cached = servers.fetch(front.url + stylesheet[1])
        assert cached.status == 200 and cached.headers["X-Proxy-Cache"] == "HIT"
        image = servers.fetch(front.url + photo[1])
        assert image.status == 200 and image.headers["Content-Type"].startswith("image/")

        article = site.sections["politics"].get_children().get(slug="parliament-dissolved")
        article = article.specific
        article.title = "Parliament dissolved at dawn"
        article.save_revision().publish()

        # A second of nginx's keeping, then the time to render the page once (generous: the
        # machine may be busy).
        wait_for(
            lambda: all(
                "Parliament dissolved at dawn" in fetch(front.url + ARTICLE, encoding)[0]
                for encoding in ("gzip", "identity")
            ),
            "the new copy in every encoding",
            timeout=2.5,
        )
        # From then on nginx asks again each second in the background, and readers go on
        # getting its copy at once (STALE while it asks), never waiting on Tamizdat.
        wait_for(
            lambda: fetch(front.url + ARTICLE, "gzip")[1] == "STALE",
            "nginx asking again",
            timeout=3,
        )
