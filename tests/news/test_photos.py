"""Photos shared by the threads of a web process."""

from __future__ import annotations

import inspect
import io
from concurrent.futures import ThreadPoolExecutor

import PIL.Image
import pytest
from django.db import connections
from django.template import Context, Template
from django_tasks_db.models import DBTaskResult

from tamizdat.news.models import Photo, PhotoRendition
from tamizdat.news.tasks import make_photo_sizes
from tests import factories
from tests.worker import run_worker


def _renditions(photo, *specs):
    try:
        return list(photo.get_renditions(*specs).values())
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
        renditions = [found for [found] in pool.map(lambda spec: _renditions(photo, spec), specs)]
    assert [(r.width, r.height) for r in renditions] == [
        (width, width // 2) for width in range(120, 440, 20)
    ]


@pytest.mark.django_db
def test_a_photo_shown_again_reuses_its_parsed_sizes(tmp_path, settings, monkeypatch):
    # Wagtail's srcset tag makes new filters on every render, and parsing their operations
    # again was a fifth of a tag or author page's render.
    settings.MEDIA_ROOT = tmp_path / "media"
    photo = factories.photo("card")
    card = Template(
        "{% load wagtailimages_tags %}"
        "{% srcset_image photo format-webp fill-{320x180,640x360} sizes='20rem' alt='' %}"
    )
    first = card.render(Context({"photo": photo}))
    parsed = []
    getcallargs = inspect.getcallargs
    monkeypatch.setattr(
        inspect, "getcallargs", lambda *args: parsed.append(args) or getcallargs(*args)
    )
    again = card.render(Context({"photo": photo}))
    assert again == first
    assert 'width="320"' in again and "640w" in again
    assert parsed == []


def test_an_editor_uploads_a_photo(admin_client, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    upload = io.BytesIO()
    PIL.Image.new("RGB", (800, 450), (20, 90, 160)).save(upload, format="JPEG")
    upload.name = "harbour.jpg"
    upload.seek(0)
    response = admin_client.post("/admin/images/multiple/add/", {"files[]": upload})
    assert response.status_code == 200, response.content[:500]
    assert response.json()["success"]
    photo = Photo.objects.get(pk=response.json()["image_id"])
    assert photo.file_hash and photo.get_rendition("fill-100x50").width == 100


@pytest.mark.django_db(transaction=True)
def test_threads_showing_the_same_new_photo_make_each_size_once(tmp_path, settings):
    # Readers' requests meeting a photo no one has shown yet: one file per size in the
    # storage, not one per request that asked (Wagtail's creation keeps the first row only).
    settings.MEDIA_ROOT = tmp_path / "media"
    photo = factories.photo("asked for at once")
    specs = ["format-webp|fill-320x180", "format-webp|fill-640x360"]
    with ThreadPoolExecutor(max_workers=6) as pool:
        made = list(pool.map(lambda _: _renditions(photo, *specs), range(6)))
    assert len({tuple(rendition.url for rendition in found) for found in made}) == 1
    files = sorted(path.name for path in (tmp_path / "media" / "images").rglob("*.webp"))
    assert len(files) == 2, files


@pytest.mark.django_db(transaction=True)
def test_a_new_storys_photos_are_made_in_every_size_before_a_reader_asks(newsroom, client):
    # The worker makes them after the publish (here at once, as it commits), so a reader's
    # request never decodes an original: every page that shows the story makes nothing.
    newsroom.section("politics", "Politics", "Политика")
    older = newsroom.article("politics", "Port closed", hours_ago=3, image=factories.photo("port"))
    inside = {"image": factories.photo("inside"), "caption": "", "credit": "", "alt": ""}
    story = newsroom.article(
        "politics",
        "Port reopens",
        tags=("port",),
        image=factories.photo("reopened"),
        body=[("paragraph", "<p>The port reopened.</p>"), ("photo", inside)],
    )
    made = {(r.image.title, r.filter_spec) for r in PhotoRendition.objects.all()}
    assert ("inside", "format-webp|width-960") in made and ("reopened", "fill-1200x630") in made
    pages = [story.url, older.url, "/en/", newsroom.sections["politics"].url, "/en/tags/port/"]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert b"/media/images/" in response.content, url
    assert {(r.image.title, r.filter_spec) for r in PhotoRendition.objects.all()} == made


@pytest.mark.django_db(transaction=True)
def test_a_story_published_again_with_its_photos_made_queues_no_photo_work(newsroom, queued):
    newsroom.section("politics", "Politics", "Политика")
    story = newsroom.article("politics", "Port reopens", image=factories.photo("reopened"))
    assert _photo_tasks() == 1
    run_worker()
    story.save_revision().publish()
    assert _photo_tasks() == 1


def _photo_tasks():
    return DBTaskResult.objects.filter(task_path=make_photo_sizes.module_path).count()
