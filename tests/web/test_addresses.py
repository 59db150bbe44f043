"""Every absolute address a page, feed or sitemap gives comes from TAMIZDAT_BASE_URL, never
from the Host a request came with: two nodes behind one cache render the same bytes."""

from __future__ import annotations

import json
import re

import pytest

pytestmark = [pytest.mark.django_db, pytest.mark.engine_neutral]

NODE = "node-b.internal:8602"


@pytest.fixture
def behind_a_balancer(settings):
    settings.ALLOWED_HOSTS = ["*"]
    settings.BASE_URL = "https://news.example.org"


@pytest.mark.parametrize(
    "path",
    [
        "/en/politics/parliament-dissolved/",
        "/en/",
        "/en/feed/",
        "/en/politics/feed/",
        "/sitemap.xml",
        "/robots.txt",
    ],
)
def test_absolute_addresses_follow_the_base_url(client, site, behind_a_balancer, path):
    body = client.get(path, HTTP_HOST=NODE).content.decode()
    assert "node-b" not in body
    assert "://testserver" not in body
    assert "https://news.example.org/" in body


def test_structured_data_points_at_the_main_site(client, site, behind_a_balancer):
    html = client.get("/en/politics/parliament-dissolved/", HTTP_HOST=NODE).content.decode()
    found = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert found
    data = json.loads(found[1])
    assert data["mainEntityOfPage"] == (
        "https://news.example.org/en/politics/parliament-dissolved/"
    )
    assert all(url.startswith("https://news.example.org/media/") for url in data["image"])
