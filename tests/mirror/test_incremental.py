"""After a publish, an unpublish or a move, the copy is brought up to date by rendering only
what the change touches, and ends byte for byte as a full export would write it."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
import time_machine

from tamizdat.mirror import export
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.engine_neutral]

MADE = datetime.datetime(2026, 6, 1, 12, 0, tzinfo=datetime.UTC)


def tree(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def assert_same_as_full(copy: Path, tmp_path: Path, name: str) -> export.Report:
    with time_machine.travel(MADE, tick=False):
        incremental = export.export(copy)
        whole = export.export(tmp_path / name, full=True)
    assert not incremental.full
    # Counted from the files that changed, as a full export counts them all.
    assert (incremental.files, incremental.bytes) == (whole.files, whole.bytes)
    made, full = tree(copy), tree(tmp_path / name)
    assert sorted(made) == sorted(full)
    assert [name for name in full if made[name] != full[name]] == []
    return incremental


def test_publish_unpublish_and_move_match_a_full_export(site, tmp_path):
    copy = tmp_path / "copy"
    with time_machine.travel(MADE, tick=False):
        first = export.export(copy)
    assert first.full

    # Enough stories for the politics section to have a second page.
    for number in range(12):
        site.article("politics", f"Filler {number}", hours_ago=100 + number)
    with time_machine.travel(MADE, tick=False):
        export.export(copy)

    fresh = site.article(
        "culture", "Festival opens", hours_ago=0.5, tags=("elections",), image=factories.photo()
    )
    published = assert_same_as_full(copy, tmp_path, "full-1")
    assert (copy / "en/culture/festival-opens/index.html").exists()
    assert published.rendered < first.rendered + 12

    older = site.sections["politics"].get_children().live().specific().last()
    older.unpublish()
    assert_same_as_full(copy, tmp_path, "full-2")
    assert not (copy / older.url.lstrip("/") / "index.html").exists()

    fresh.refresh_from_db()
    fresh.move(site.sections["politics"], pos="last-child")
    fresh.save_revision().publish()
    assert_same_as_full(copy, tmp_path, "full-3")
    assert (copy / "en/politics/festival-opens/index.html").exists()
    assert not (copy / "en/culture/festival-opens").exists()


def test_a_publish_leaves_the_older_archive_pages_of_its_listings_alone(site, tmp_path):
    copy = tmp_path / "copy"
    fillers = [site.article("politics", f"Filler {n}", hours_ago=100 + n) for n in range(30)]
    with time_machine.travel(MADE, tick=False):
        export.export(copy)
    # 33 stories: the newest twelve first, then archive pages of twelve from the oldest.
    oldest = copy / "en/politics/index-1.html"
    assert "Filler 29" in oldest.read_text() and "Filler 18" in oldest.read_text()
    assert not (copy / "en/politics/index-3.html").exists()
    kept = oldest.stat().st_ino

    for number in range(4):
        site.article("politics", f"Breaking {number}", hours_ago=0.1 * (4 - number))
    assert_same_as_full(copy, tmp_path, "full-1")
    # The same file, not even written again; the fourth story started a third archive page.
    assert oldest.stat().st_ino == kept
    newest = (copy / "en/politics/index-3.html").read_text()
    assert "Filler 5" in newest and "Filler 6" not in newest
    assert 'rel="prev" href="index.html"' in newest

    # A story gone from the middle shifts the pages above it, and the third page goes again.
    fillers[10].unpublish()
    assert_same_as_full(copy, tmp_path, "full-2")
    assert oldest.stat().st_ino == kept
    assert not (copy / "en/politics/index-3.html").exists()


@pytest.mark.django_db(transaction=True)
def test_rendering_over_two_processes_writes_the_same_copy(site, tmp_path, monkeypatch):
    from tamizdat.mirror import renderer

    # Batches of two pages: this small site's pages go to the processes, not one batch here.
    monkeypatch.setattr(renderer, "BATCH", 2)
    with time_machine.travel(MADE, tick=False):
        export.export(tmp_path / "one", jobs=1)
        export.export(tmp_path / "two", jobs=2)
    assert tree(tmp_path / "one") == tree(tmp_path / "two")


def test_an_edited_author_is_renamed_everywhere_by_the_next_copy(site, tmp_path):
    copy = tmp_path / "copy"
    with time_machine.travel(MADE, tick=False):
        export.export(copy)
    assert (copy / "en/authors/ada/index.html").exists()

    author = site.authors["ada"]
    author.name, author.slug = "Ada Lovelace", "ada-lovelace"
    author.save()
    assert_same_as_full(copy, tmp_path, "full")
    article = (copy / "en/politics/parliament-dissolved/index.html").read_text()
    assert "Ada Lovelace" in article and "Ada Reporter" not in article
    assert (copy / "en/authors/ada-lovelace/index.html").exists()
    assert not (copy / "en/authors/ada").exists()


def test_a_renamed_tag_is_renamed_everywhere_by_the_next_copy(site, tmp_path):
    from taggit.models import Tag

    copy = tmp_path / "copy"
    with time_machine.travel(MADE, tick=False):
        export.export(copy)
    assert (copy / "en/tags/elections/index.html").exists()

    tag = Tag.objects.get(slug="elections")
    tag.name, tag.slug = "Snap elections", "snap-elections"
    tag.save()
    renamed = assert_same_as_full(copy, tmp_path, "full")
    article = (copy / "en/politics/parliament-dissolved/index.html").read_text()
    assert "Snap elections" in article and "../../tags/snap-elections/index.html" in article
    assert "Snap elections" in (copy / "ru/politics/parliament-dissolved/index.html").read_text()
    assert "Snap elections" in (copy / "en/feed/index.xml").read_text()
    assert (copy / "en/tags/snap-elections/index.html").exists()
    assert not (copy / "en/tags/elections").exists()
    # Only what shows the tag: not, say, the story that does not carry it.
    assert renamed.rendered < 30


def test_a_failed_export_leaves_the_copy_whole_and_the_next_one_catches_up(
    site, tmp_path, monkeypatch
):
    import errno

    from tamizdat.mirror import pages
    from tamizdat.mirror.errors import ExportError

    copy = tmp_path / "copy"
    with time_machine.travel(MADE, tick=False):
        export.export(copy)
        export.export(copy)  # from now on, each export writes into the version before
    before = tree(copy)
    site.article("culture", "Festival opens", hours_ago=0.5)
    write_file = pages.write_file

    def full_disk(root, name, data):
        if name.endswith("festival-opens/index.html"):
            raise OSError(errno.ENOSPC, "No space left on device")
        write_file(root, name, data)

    monkeypatch.setattr(pages, "write_file", full_disk)
    with pytest.raises(ExportError, match="no space left"):
        export.export(copy, jobs=1)
    assert tree(copy) == before
    monkeypatch.undo()
    assert_same_as_full(copy, tmp_path, "full")
