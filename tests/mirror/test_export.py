"""`tamizdat mirror export DIR`: the published site as a folder that works from a static host,
a bucket's sub-path or a USB stick, made again incrementally to the same bytes."""

from __future__ import annotations

import json
import re
import threading
import zipfile

import pytest
from django.core.management import CommandError, call_command

from tamizdat.mirror import export
from tamizdat.mirror.models import Address
from tamizdat.news.models import ArticlePage
from tests import factories
from tests.mirror.crawl import crawl, static_server
from tests.s3_peer import MEDIA_BUCKET

# The copy's files, crawled over HTTP: what the database holds is the same on either backend,
# which the incremental tests compare on both.
pytestmark = [pytest.mark.django_db, pytest.mark.scenario]

ONION = "courierabcdefghijklmnopqrstuvwxyz234567abcdefghijklmnop.onion"


@pytest.fixture
def copy_settings(settings):
    settings.ONION_ADDRESS = ONION
    settings.MIRROR_GIVING_URL = "https://give.example.org"
    return settings


def test_the_copy_crawled_from_a_bucket_sub_path_has_no_broken_link_nor_outside_load(
    site, copy_settings, tmp_path
):
    Address.objects.create(url="https://mirror.example.net/", kind=Address.Kind.MIRROR)
    for number in range(12):  # a second page for the section and for a tag
        site.article("politics", f"Filler {number}", hours_ago=50 + number, tags=("budget",))
    folder = tmp_path / "newsroom"
    call_command("mirror", "export", str(folder), "--jobs", "1", "--zip", str(tmp_path / "c.zip"))

    # Served like a raw object-store URL: under a sub-path, no folder resolves to index.html.
    with static_server(tmp_path) as root:
        result = crawl(f"{root}newsroom/index.html")
    assert result.broken == []
    assert result.outside == []
    assert result.folders == []
    pages = {url.split("/newsroom/", 1)[1] for url in result.pages}
    for article in ArticlePage.objects.live():
        assert f"{article.url.lstrip('/')}index.html" in pages, article.url
    assert {
        "en/index.html",
        "ru/index.html",
        "en/reach/index.html",
        "en/search/index.html",
    } <= pages
    assert {"en/tags/elections/index.html", "en/authors/ada/index.html"} <= pages
    # The first page holds the newest twelve; archive pages are numbered from the oldest.
    assert {"en/politics/index-1.html", "en/tags/budget/index-1.html"} <= pages
    assert "en/politics/index-2.html" not in pages

    article = (folder / "en/politics/parliament-dissolved/index.html").read_text()
    # The main site stays the canonical address; the copy says what it is.
    assert '<link rel="canonical" href="http://testserver/en/politics/parliament-dissolved/">' in (
        article
    )
    assert 'hreflang="ru" href="http://testserver/ru/politics/parliament-dissolved/"' in article
    assert "You are reading a copy of our site" in article
    assert (
        f'<meta http-equiv="onion-location" content="http://{ONION}'
        '/en/politics/parliament-dissolved/">' in article
    )
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', article)[1]
    assert "default-src 'self'" in policy and "frame-ancestors" not in policy
    assert "https://give.example.org" in policy.split("form-action")[1].split(";")[0]
    assert 'data-events-url=""' in article  # no counter to send to
    info = (folder / "copy-info.js").read_text()
    assert "https://mirror.example.net/" in info
    assert json.loads((folder / "mirrors.json").read_text())["version"] == "2.0"

    # Only the renditions the pages show, never the uploaded originals.
    media = {path.name for path in (folder / "media").rglob("*") if path.is_file()}
    assert media and not any(name in ("lead.jpg", "Square.jpg") for name in media)
    assert not (folder / "media/original_images").exists()

    with zipfile.ZipFile(tmp_path / "c.zip") as archive:
        names = archive.namelist()
    assert "index.html" in names and "en/index.html" in names
    assert not any(name.startswith(".") for name in names)


def test_the_form_posts_to_the_live_giving_address(site, copy_settings, tmp_path):
    copy_settings.BANK_TRANSFER = {
        **copy_settings.BANK_TRANSFER,
        "iban": "DE89 3704 0044 0532 0130 00",
    }
    export.export(tmp_path / "copy")
    page = (tmp_path / "copy/en/support/index.html").read_text()
    assert 'action="https://give.example.org/en/support/contribute/"' in page
    assert 'data-challenge="https://give.example.org/en/support/challenge/"' in page
    assert "DE89 3704 0044 0532 0130 00" in page
    assert 'href="https://give.example.org/en/support/manage/"' in page


def test_without_a_giving_address_the_copy_shows_no_form_that_cannot_work(site, settings, tmp_path):
    settings.MIRROR_GIVING_URL = ""
    export.export(tmp_path / "copy")
    page = (tmp_path / "copy/en/support/index.html").read_text()
    assert '<form class="contribution"' not in page
    assert "Gifts cannot be taken on this copy" in page


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda tmp: tmp / "nowhere" / "copy", "does not exist"),
        (lambda tmp: (tmp / "file").write_text("x") and tmp / "file", "is a file"),
        (
            lambda tmp: (
                ((tmp / "mine").mkdir(), (tmp / "mine/notes.txt").write_text("x")) and tmp / "mine"
            ),
            "not a Tamizdat copy",
        ),
    ],
)
def test_a_bad_folder_is_one_clear_error(db, tmp_path, make, message):
    with pytest.raises(CommandError, match=message):
        call_command("mirror", "export", str(make(tmp_path)))


def test_two_exports_at_once_the_second_says_so(db, tmp_path):
    import fcntl

    with open(tmp_path / ".copy.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        with pytest.raises(CommandError, match=r"another export into .* is running"):
            call_command("mirror", "export", str(tmp_path / "copy"))


def test_a_full_disk_leaves_the_previous_copy_whole(site, tmp_path, monkeypatch):
    import errno

    from tamizdat.mirror import pages

    export.export(tmp_path / "copy")
    before = sorted(p.relative_to(tmp_path) for p in (tmp_path / "copy").rglob("*"))

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pages, "write_file", full)
    with pytest.raises(CommandError, match="no space left"):
        call_command("mirror", "export", str(tmp_path / "copy"), "--full", "--jobs", "1")
    assert sorted(p.relative_to(tmp_path) for p in (tmp_path / "copy").rglob("*")) == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".copy.new")]


def test_a_blocked_address_is_gone_from_the_next_copy(newsroom, tmp_path):
    mirror = Address.objects.create(url="https://mirror.example.net/", kind=Address.Kind.MIRROR)
    export.export(tmp_path / "copy")
    assert "mirror.example.net" in (tmp_path / "copy/copy-info.js").read_text()
    mirror.state = Address.State.BLOCKED
    mirror.save()
    export.export(tmp_path / "copy")
    for name in ("copy-info.js", "mirrors.json", "en/reach/index.html", "ru/reach/index.html"):
        assert "mirror.example.net" not in (tmp_path / "copy" / name).read_text(), name


def test_the_copy_policy_does_not_depend_on_the_order_the_site_sent_it_in(settings):
    from tamizdat.mirror.pages import CopySettings

    copy = CopySettings.current()
    one = copy.policy("default-src 'self'; img-src 'self' data:; frame-ancestors 'self'", False)
    other = copy.policy("img-src data: 'self'; default-src 'self'", False)
    assert one == other


def test_a_web_server_running_as_another_user_can_read_the_copy(site, tmp_path):
    export.export(tmp_path / "copy")
    folders = [tmp_path / "copy", *(p for p in (tmp_path / "copy").rglob("*") if p.is_dir())]
    files = [p for p in (tmp_path / "copy").rglob("*") if p.is_file()]
    assert [p for p in folders if p.stat().st_mode & 0o005 != 0o005] == []
    assert [p for p in files if not p.stat().st_mode & 0o004] == []


def test_the_404_page_works_at_any_depth_of_a_static_host(site, tmp_path):
    """A static host shows 404.html for any address it does not hold, however deep: its
    styles, scripts and links name the copy's files from the host's root."""
    from urllib.parse import unquote

    from tests.mirror.crawl import _References

    export.export(tmp_path / "copy")
    parser = _References()
    parser.feed((tmp_path / "copy/404.html").read_text())
    local = [r for r in parser.loads + parser.links if not r.startswith(("http", "#", "mailto"))]
    assert local
    assert [r for r in local if not r.startswith("/")] == []
    missing = [r for r in local if not (tmp_path / "copy" / unquote(r.split("#")[0][1:])).is_file()]
    assert missing == []


def test_what_a_stopped_export_left_beside_the_copy_goes_with_the_next_one(site, tmp_path):
    for leftover in (".copy.old-x1/copy/en", ".copy.new-x2/en"):
        (tmp_path / leftover).mkdir(parents=True)
        (tmp_path / leftover / "index.html").write_text("stale")
    export.export(tmp_path / "copy")
    export.export(tmp_path / "copy")  # its previous copy is deleted after the swap
    for thread in threading.enumerate():
        if thread is not threading.current_thread() and not thread.daemon:
            thread.join()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".copy")) == [
        ".copy.lock",
        ".copy.versions",
    ]
    # The copy is a link to its current version; the version before it is kept for the next
    # export to bring up to date, and nothing else.
    assert (tmp_path / "copy").is_symlink()
    versions = sorted(p.name for p in (tmp_path / ".copy.versions").iterdir())
    assert len([name for name in versions if name.isdigit()]) == 2, versions
    assert [name for name in versions if name.startswith(".")] == []


def test_media_kept_in_a_bucket_are_copied_into_the_copy(media_in_a_bucket, newsroom, tmp_path):
    # A newsroom whose images live in a bucket (TAMIZDAT_MEDIA_STORAGE=s3): the copy must not
    # send its readers to the bucket's address, which may be blocked too.
    newsroom.section("politics", "Politics", "Политика")
    newsroom.article("politics", "Harbour reopens", hours_ago=1, image=factories.photo("Harbour"))
    folder = tmp_path / "copy"
    call_command("mirror", "export", str(folder), "--jobs", "1")

    with static_server(tmp_path) as root:
        result = crawl(f"{root}copy/index.html")
    assert result.broken == []
    assert result.outside == []
    article = (folder / "en/politics/harbour-reopens/index.html").read_text()
    sources = re.findall(r'<img[^>]+src="([^"]+)"', article)
    assert sources and all(source.startswith("../../../media/images/") for source in sources)
    copied = [path for path in (folder / "media").rglob("*") if path.is_file()]
    assert copied
    for path in copied:
        key = path.relative_to(folder / "media").as_posix()
        kept = media_in_a_bucket.get_object(Bucket=MEDIA_BUCKET, Key=key)["Body"].read()
        assert path.read_bytes() == kept, key
