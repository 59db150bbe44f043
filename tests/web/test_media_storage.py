"""Media in an S3-compatible bucket (moto's server on loopback): an upload and its renditions
land in the bucket, and pages point readers at the bucket's public address."""

from __future__ import annotations

import re
import urllib.request

import pytest

from tests import factories
from tests.s3_peer import MEDIA_BUCKET as BUCKET

pytestmark = [pytest.mark.django_db, pytest.mark.scenario]


def test_an_upload_and_its_renditions_are_served_from_the_bucket(
    client, media_in_a_bucket, newsroom
):
    newsroom.section("politics", "Politics", "Политика")
    newsroom.author("ada", "Ada Reporter")
    newsroom.article("politics", "Harbour reopens", hours_ago=1, image=factories.photo("Harbour"))
    keys = [o["Key"] for o in media_in_a_bucket.list_objects_v2(Bucket=BUCKET)["Contents"]]
    assert any(key.startswith("original_images/Harbour") for key in keys)

    html = client.get("/en/politics/harbour-reopens/").content.decode()
    sources = re.findall(r'<img[^>]+src="([^"]+)"', html)
    assert sources and all(
        src.startswith(f"{media_in_a_bucket.meta.endpoint_url}/") for src in sources
    )
    with urllib.request.urlopen(sources[0], timeout=10) as answer:
        assert answer.headers["Content-Type"].startswith("image/")
        assert len(answer.read()) > 1000
    keys = [o["Key"] for o in media_in_a_bucket.list_objects_v2(Bucket=BUCKET)["Contents"]]
    assert any(key.startswith("images/") for key in keys)  # the renditions, made on the page
