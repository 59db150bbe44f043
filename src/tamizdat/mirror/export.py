"""`tamizdat mirror export`: the published site as a self-contained static folder.

The export starts from every live page and the few pages every language has (search, support,
"How to reach us"), renders each through the site's own stack, and follows every reference it
finds: pagination, tags, authors, feeds. It builds into a new folder beside the target and swaps
it in at the end, so a failed or interrupted export leaves the previous copy whole.

A manifest (`.tamizdat-copy.json`, never published) keeps what each file links to. The next
export after a publish, unpublish or move renders only what that change touches: the page, the
pages that linked to it, its section, tag and author listings with every page of their
pagination, the home pages, feeds, and the "Read more" blocks it now enters; what nothing links
to any more is removed. The result is the tree a full export would write, byte for byte.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import logging
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.files.storage import default_storage
from django.db import connections
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import timezone

from . import mirrorlist, paths
from .pages import COPY_INFO, CopySettings, PageMaker, Rendered, write_file

logger = logging.getLogger(__name__)

MANIFEST = ".tamizdat-copy.json"
MANIFEST_VERSION = 1
SEARCH_BUNDLE = "pagefind"
FIXED_FILES = ("/sitemap.xml", "/robots.txt", "/mirrors.json")
NOT_FOUND_FILE = "404.html"
NOT_FOUND_URL = "/{language}/tamizdat-copy-not-found/"
BATCH = 40


class ExportError(Exception):
    """What went wrong, in one line a newsroom's operator can act on."""


@dataclass
class Report:
    full: bool
    rendered: int = 0
    files: int = 0
    bytes: int = 0
    seconds: float = 0.0
    removed: int = 0


@dataclass
class Manifest:
    fingerprint: str = ""
    pages: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Wagtail page id -> [address, live revision id]: what changed since this copy was made.
    live: dict[str, list[Any]] = field(default_factory=dict)

    @classmethod
    def read(cls, folder: Path) -> Manifest | None:
        try:
            data = json.loads((folder / MANIFEST).read_text())
        except (OSError, ValueError):
            return None
        if data.get("version") != MANIFEST_VERSION:
            return None
        return cls(fingerprint=data["fingerprint"], pages=data["pages"], live=data["live"])

    def write(self, folder: Path) -> None:
        data = {"version": MANIFEST_VERSION, **asdict(self)}
        write_file(folder, MANIFEST, json.dumps(data, sort_keys=True, indent=0).encode())

    def add(self, rendered: Rendered) -> None:
        if rendered.file is None:
            self.pages[rendered.url] = {"file": None}
        else:
            self.pages[rendered.url] = {
                "file": rendered.file,
                "pages": rendered.pages,
                "assets": rendered.assets,
                "read_more": rendered.read_more,
            }


# Rendering, in this process or in a pool of forked ones ---------------------------------------


def _render_batch(job: tuple[str, CopySettings, frozenset[str], list[str]]) -> list[Rendered]:
    root, copy, missing, urls = job
    maker = PageMaker(copy, missing)
    results = []
    for url in urls:
        try:
            results.append(maker.make(url, Path(root)))
        except OSError:
            raise
        except Exception as error:
            raise ExportError(f"rendering {url} failed: {type(error).__name__}: {error}") from error
    return results


class Renderer:
    def __init__(self, root: Path, copy: CopySettings, jobs: int) -> None:
        self.root, self.copy, self.jobs = root, copy, jobs
        self.pool: Any = None
        self.count = 0

    def __enter__(self) -> Renderer:
        if self.jobs > 1:
            # Forked processes must not share this process's database connections.
            connections.close_all()
            self.pool = multiprocessing.get_context("fork").Pool(self.jobs)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()

    def render(self, urls: Iterable[str], missing: frozenset[str]) -> Iterator[Rendered]:
        ordered = sorted(urls)
        self.count += len(ordered)
        batches = [
            (str(self.root), self.copy, missing, ordered[start : start + BATCH])
            for start in range(0, len(ordered), BATCH)
        ]
        if self.pool is None:
            for batch in batches:
                yield from _render_batch(batch)
        else:
            for results in self.pool.imap_unordered(_render_batch, batches):
                yield from results


# What the site holds now -----------------------------------------------------------------------


def live_pages() -> dict[str, list[Any]]:
    """Every live, public page: id -> [address, live revision, is an article]. Addresses
    come from each language root's own address and the pages' paths below it, in one query
    rather than one lookup per page."""
    from wagtail.models import Page

    from tamizdat.news.models import ArticlePage

    request = RequestFactory().get("/")
    article_type = ContentType.objects.get_for_model(ArticlePage).pk
    live = Page.objects.live().public().filter(depth__gt=1)
    roots = {}
    for root in live.filter(depth=2):
        if url := root.get_url(request):
            roots[root.path] = (root.url_path, url)
    pages = {}
    rows = live.values_list("pk", "path", "url_path", "live_revision_id", "content_type_id")
    for page_id, path, url_path, revision, content_type in rows.order_by("path"):
        root = roots.get(path[: Page.steplen * 2])
        if root is not None and url_path.startswith(root[0]):
            url = root[1] + url_path[len(root[0]) :]
            pages[str(page_id)] = [url, revision, content_type == article_type]
    return pages


def seeds(copy: CopySettings, live: dict[str, list[Any]]) -> set[str]:
    urls = {entry[0] for entry in live.values()}
    for language in copy.languages:
        urls |= {f"/{language}/{name}/" for name in ("search", "support", "reach", "feed")}
    return {*urls, *FIXED_FILES}


# Folders, the lock, the swap -----------------------------------------------------------------


@contextlib.contextmanager
def _locked(target: Path) -> Iterator[None]:
    lock_path = target.parent / f".{target.name}.lock"
    with open(lock_path, "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ExportError(
                f"another export into {target} is running; this one stops and changes nothing"
            ) from None
        yield


def check_target(target: Path) -> None:
    parent = target.parent
    if not parent.is_dir():
        raise ExportError(f"{parent} does not exist; create it or choose another folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ExportError(f"cannot write in {parent}; choose a folder this user may write to")
    if target.exists() and not target.is_dir():
        raise ExportError(f"{target} is a file, not a folder")
    if target.is_dir() and any(target.iterdir()) and not (target / MANIFEST).exists():
        raise ExportError(f"{target} holds files that are not a Tamizdat copy; not replacing it")


def _swap(new: Path, target: Path) -> None:
    """Put the new copy in place of the old one. Both renames stay within one folder, so
    each is atomic; a server reading the folder between them finds it missing for an instant,
    never half-written."""
    old = None
    if target.exists():
        old = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.old-"))
        os.rename(target, old / "copy")
    os.rename(new, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _io_error(error: OSError, target: Path) -> ExportError:
    if error.errno == errno.ENOSPC:
        return ExportError(f"no space left on the disk of {target}; the previous copy is whole")
    return ExportError(f"cannot write the copy of {target}: {error.strerror or error}")


# Assets, extras, search ----------------------------------------------------------------------


def _asset_source(url: str) -> Path | None:
    if url.startswith(settings.STATIC_URL):
        name = unquote(url[len(settings.STATIC_URL) :])
        with contextlib.suppress(Exception):
            if staticfiles_storage.exists(name):
                return Path(staticfiles_storage.path(name))
        found = finders.find(name)
        return Path(found) if isinstance(found, str) else None
    name = unquote(url[len(settings.MEDIA_URL) :])
    return Path(default_storage.path(name)) if default_storage.exists(name) else None


def _copy_assets(root: Path, wanted: set[str], previous: set[str]) -> None:
    """Copy the static files and media renditions the pages use, and only those."""
    for url in sorted(wanted - previous):
        source = _asset_source(url)
        if source is None:
            logger.warning("The copy's pages use %s, which is not on this server", url)
            continue
        target = root / unquote(url).lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    for url in previous - wanted:
        (root / unquote(url).lstrip("/")).unlink(missing_ok=True)


def _write_extras(root: Path, copy: CopySettings, made: datetime) -> None:
    """The top `index.html` (a way into each language) and `copy-info.js`, which tells the
    pages' script when the copy was made and the addresses to show, also from file://."""
    names = dict(settings.LANGUAGES)
    languages = [
        {"code": code, "name": names[code], "file": f"{code}/index.html"} for code in copy.languages
    ]
    html = render_to_string(
        "mirror/copy/root.html",
        {
            "languages": languages,
            "default": languages[0],
            "site_name": settings.WAGTAIL_SITE_NAME,
        },
    )
    write_file(root, "index.html", html.encode())
    alternatives = mirrorlist.document()["sites"][0]["available_alternatives"]
    info = {
        "made": made.replace(microsecond=0).isoformat(),
        "addresses": [{"url": a["url"], "proto": a["proto"]} for a in alternatives],
    }
    data = json.dumps(info, ensure_ascii=False, sort_keys=True).replace("<", "\\u003c")
    write_file(root, COPY_INFO.lstrip("/"), f"window.tamizdatCopy = {data};\n".encode())


def _build_search(root: Path) -> None:
    """A Pagefind index per language (it reads each page's `lang`) of the stories."""
    shutil.rmtree(root / SEARCH_BUNDLE, ignore_errors=True)
    command = [sys.executable, "-m", "pagefind", "--site", str(root), "--keep-index-url"]
    result = subprocess.run(
        [*command, "--output-subdir", SEARCH_BUNDLE, "--silent"],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise ExportError(f"the search index failed: {result.stderr.strip() or result.stdout}")
    # Pagefind lists the languages in no fixed order; the same copy must be the same bytes.
    entry = root / SEARCH_BUNDLE / "pagefind-entry.json"
    data = json.loads(entry.read_text())
    entry.write_text(json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")))


def _tree_files(root: Path) -> Iterator[Path]:
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.name.startswith("."):
            yield path


def write_zip(root: Path, destination: Path) -> None:
    """The copy as one archive with its `index.html` at the top; the same bytes for the same
    copy (fixed order and dates)."""
    partial = destination.with_name(f".{destination.name}.part")
    try:
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in _tree_files(root):
                info = zipfile.ZipInfo(path.relative_to(root).as_posix(), (1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, path.read_bytes())
        os.replace(partial, destination)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise _io_error(error, destination) from error


# The export --------------------------------------------------------------------------------


def _family(manifest: Manifest, url: str) -> set[str]:
    """A listing, every page of its pagination that the copy holds, and its feed."""
    path = url.partition("?")[0]
    pages = {known for known in manifest.pages if known.partition("?")[0] == path}
    feed = f"{path}{paths.FEED_SEGMENT}/"
    return {path} | pages | ({feed} if feed in manifest.pages else set())


def _referrers(manifest: Manifest) -> dict[str, set[str]]:
    index: dict[str, set[str]] = {}
    for url, entry in manifest.pages.items():
        for target in entry.get("pages", ()):
            index.setdefault(target, set()).add(url)
    return index


class Export:
    def __init__(self, target: Path, jobs: int, full: bool) -> None:
        self.target = target.resolve() if target.exists() else target.absolute()
        self.jobs = max(1, jobs)
        self.force_full = full
        self.copy = CopySettings.current()

    def run(self) -> Report:
        check_target(self.target)
        with _locked(self.target):
            started = time.monotonic()
            workspace = Path(
                tempfile.mkdtemp(dir=self.target.parent, prefix=f".{self.target.name}.new-")
            )
            try:
                report = self._build(workspace)
                _swap(workspace, self.target)
            except OSError as error:
                raise _io_error(error, self.target) from error
            finally:
                if workspace.exists():
                    shutil.rmtree(workspace, ignore_errors=True)
            report.seconds = round(time.monotonic() - started, 3)
            files = list(_tree_files(self.target))
            report.files = len(files)
            report.bytes = sum(path.stat().st_size for path in files)
            return report

    def _previous(self) -> Manifest | None:
        if self.force_full:
            return None
        manifest = Manifest.read(self.target)
        if manifest is None or manifest.fingerprint != self.copy.fingerprint:
            return None
        return manifest

    def _build(self, root: Path) -> Report:
        made = timezone.now()
        live = live_pages()
        previous = self._previous()
        manifest = Manifest(fingerprint=self.copy.fingerprint, live=live)
        with Renderer(root, self.copy, self.jobs) as renderer:
            if previous is None:
                report = Report(full=True)
                self._full(renderer, manifest, live)
                previous_assets: set[str] = set()
            else:
                previous_assets = _assets(previous)
                shutil.copytree(
                    self.target,
                    root,
                    copy_function=os.link,
                    dirs_exist_ok=True,
                    # The search index is built again whole; the manifest is written anew.
                    ignore=lambda folder, names: (
                        {SEARCH_BUNDLE, MANIFEST} & set(names)
                        if Path(folder) == self.target
                        else set()
                    ),
                )
                manifest.pages = dict(previous.pages)
                done = self._incremental(renderer, manifest, previous, live)
                if done is None:  # the change reaches every page: made again whole
                    shutil.rmtree(root)
                    root.mkdir()
                    manifest = Manifest(fingerprint=self.copy.fingerprint, live=live)
                    previous_assets = set()
                    self._full(renderer, manifest, live)
                report = Report(full=done is None)
            report.removed = self._prune(root, manifest, seeds(self.copy, live))
            self._fix_missing(renderer, manifest)
            report.rendered = renderer.count
        # The page a static host shows for any address the copy does not hold.
        not_found = PageMaker(self.copy).make(
            NOT_FOUND_URL.format(language=self.copy.languages[0]),
            root,
            file=NOT_FOUND_FILE,
            status=404,
        )
        _copy_assets(root, _assets(manifest) | set(not_found.assets), previous_assets)
        _write_extras(root, self.copy, made)
        _build_search(root)
        manifest.write(root)
        return report

    def _crawl(self, renderer: Renderer, manifest: Manifest, urls: set[str]) -> None:
        """Render `urls`, then whatever they reference that the copy does not hold yet."""
        pending = set(urls)
        while pending:
            found: set[str] = set()
            for rendered in renderer.render(pending, frozenset()):
                manifest.add(rendered)
                found.update(rendered.pages)
            pending = found - set(manifest.pages)

    def _full(self, renderer: Renderer, manifest: Manifest, live: dict[str, list[Any]]) -> None:
        self._crawl(renderer, manifest, seeds(self.copy, live))

    def _incremental(
        self,
        renderer: Renderer,
        manifest: Manifest,
        previous: Manifest,
        live: dict[str, list[Any]],
    ) -> bool | None:
        """Render what changed since `previous`; None when only a full export will do (a
        section or a home page changed: it is in every page's navigation)."""
        changed = {
            page_id
            for page_id in set(previous.live) | set(live)
            if previous.live.get(page_id) != live.get(page_id)
        }
        # The pages that list addresses and the site's own files show more than pages: they
        # are made again every time.
        always = {f"/{language}/reach/" for language in self.copy.languages} | set(FIXED_FILES)
        if not changed:
            self._crawl(renderer, manifest, always)
            return True
        if any(not (previous.live.get(i) or live[i])[2] for i in changed):
            return None
        referrers = _referrers(previous)
        old_urls = {previous.live[i][0] for i in changed if i in previous.live}
        new_urls = {live[i][0] for i in changed if i in live}
        dirty: set[str] = set()
        for url in old_urls:
            dirty |= referrers.get(url, set())
            if file := manifest.pages.pop(url, {}).get("file"):
                (renderer.root / file).unlink(missing_ok=True)
        # The changed pages first: what they link to now names the listings they join.
        for rendered in renderer.render(new_urls, frozenset()):
            manifest.add(rendered)
        articles = {entry[0] for entry in live.values() if entry[2]}
        for url in old_urls | new_urls:
            for source in (previous, manifest):
                for target in source.pages.get(url, {}).get("pages", ()):
                    if target not in articles:
                        dirty |= _family(previous, target)
        dirty |= _translations(changed)
        dirty |= _entering_read_more(manifest, live, changed)
        dirty |= always
        dirty -= new_urls | old_urls
        for language in self.copy.languages:
            dirty |= _family(previous, f"/{language}/") | {f"/{language}/feed/"}
        self._crawl(renderer, manifest, dirty - old_urls)
        return True

    def _prune(self, root: Path, manifest: Manifest, start: set[str]) -> int:
        """Forget and delete what no page of the copy can be reached from any more."""
        reachable: set[str] = set()
        pending = [url for url in start if url in manifest.pages]
        while pending:
            url = pending.pop()
            if url in reachable:
                continue
            reachable.add(url)
            pending.extend(t for t in manifest.pages[url].get("pages", ()) if t in manifest.pages)
        removed = 0
        for url in set(manifest.pages) - reachable:
            file = manifest.pages.pop(url).get("file")
            if file:
                (root / file).unlink(missing_ok=True)
                removed += 1
        for folder, _, _ in os.walk(root, topdown=False):
            if Path(folder) != root and not os.listdir(folder):
                os.rmdir(folder)
        return removed

    def _fix_missing(self, renderer: Renderer, manifest: Manifest) -> None:
        """Pages that link to an address the site gave no page for link to the site instead."""
        missing = frozenset(url for url, entry in manifest.pages.items() if not entry["file"])
        if not missing:
            return
        referring = {
            url
            for url, entry in manifest.pages.items()
            if entry["file"] and missing & set(entry.get("pages", ()))
        }
        for rendered in renderer.render(referring, missing):
            manifest.add(rendered)


def _assets(manifest: Manifest) -> set[str]:
    return {asset for entry in manifest.pages.values() for asset in entry.get("assets", ())}


def _translations(changed: set[str]) -> set[str]:
    """The live translations of changed pages: their language links name the change."""
    from wagtail.models import Page

    request = RequestFactory().get("/")
    keys = Page.objects.filter(pk__in=[int(i) for i in changed]).values_list(
        "translation_key", flat=True
    )
    pages = Page.objects.live().filter(translation_key__in=list(keys))
    return {url for page in pages if (url := page.get_url(request))}


def _entering_read_more(
    manifest: Manifest, live: dict[str, list[Any]], changed: set[str]
) -> set[str]:
    """The articles whose "Read more" now names a changed article. An article's block lists
    the four most related (same section and shared tags first, then the newest): a changed
    article enters it when it ranks above the block's last one, or the block is not full."""
    from tamizdat.news.models import ArticlePage, ArticleTag
    from tamizdat.news.related import RELATED_COUNT

    articles = {
        str(a["id"]): a
        for a in ArticlePage.objects.live().values("id", "path", "first_published_at", "locale_id")
    }
    tags: dict[str, set[int]] = {}
    for page_id, tag_id in ArticleTag.objects.values_list("content_object_id", "tag_id"):
        tags.setdefault(str(page_id), set()).add(tag_id)
    by_url = {live[i][0]: i for i in articles if i in live}

    def rank(of: str, other: str) -> tuple[int, datetime]:
        a, b = articles[of], articles[other]
        shared = len(tags.get(of, set()) & tags.get(other, set()))
        same_section = a["path"][:-4] == b["path"][:-4]
        return shared + same_section, b["first_published_at"]

    entering = set()
    for page_id in changed & set(articles):
        for url, entry in manifest.pages.items():
            reader = by_url.get(url)
            if reader is None or reader == page_id:
                continue
            if articles[reader]["locale_id"] != articles[page_id]["locale_id"]:
                continue
            block = [by_url[u] for u in entry.get("read_more", ()) if u in by_url]
            if len(block) < RELATED_COUNT or rank(reader, page_id) >= rank(reader, block[-1]):
                entering.add(url)
    return entering


def export(target: Path, jobs: int = 1, full: bool = False) -> Report:
    return Export(target, jobs, full).run()
