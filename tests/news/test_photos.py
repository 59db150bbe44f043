"""Photos shared by the threads of a web process."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections

from tests import factories


def _rendition(photo, spec):
    try:
        return photo.get_rendition(spec)
    finally:
        connections.close_all()  # each thread's own connection


@pytest.mark.django_db(transaction=True)
def test_one_photo_object_makes_renditions_in_many_threads_at_once(tmp_path, settings):
    # The per-process memo hands one photo object to every request thread; each thread that
    # makes a rendition must read the original without closing it under another.
    settings.MEDIA_ROOT = tmp_path / "media"
    photo = factories.photo("shared")
    specs = [f"fill-{width}x{width // 2}" for width in range(120, 440, 20)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        renditions = list(pool.map(lambda spec: _rendition(photo, spec), specs))
    assert [(r.width, r.height) for r in renditions] == [
        (width, width // 2) for width in range(120, 440, 20)
    ]
