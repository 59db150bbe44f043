"""Uploaded media served by the web process on one machine: renditions under addresses named
by their original's content, kept for a year as immutable; originals without that promise."""

from __future__ import annotations

import hashlib
import re

import pytest

pytestmark = pytest.mark.django_db

ARTICLE = "/en/politics/parliament-dissolved/"


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_renditions_are_named_by_their_originals_content_and_kept_a_year(client, site):
    html = client.get(ARTICLE).content.decode()
    sources = set(re.findall(r'src="(/media/images/[^"]+)"', html))
    assert sources
    lead = site.sections["politics"].get_children().get(slug="parliament-dissolved")
    original = lead.specific.lead_image.file
    original.open("rb")
    digest = hashlib.sha1(original.read()).hexdigest()
    original.close()
    for source in sources:
        assert source.startswith(f"/media/images/{digest[:12]}/"), source
        response = client.get(source)
        assert response.status_code == 200 and response["Content-Type"].startswith("image/")
        assert body(response)
        cache_control = response["Cache-Control"]
        assert "max-age=31536000" in cache_control and "immutable" in cache_control
    served = client.get(f"/media/{original.name}")
    assert served.status_code == 200 and body(served)
    assert "immutable" not in served.get("Cache-Control", "")
