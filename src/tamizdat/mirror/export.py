"""`tamizdat mirror export`: the published site as a self-contained static folder.

The export starts from every live page and the few pages every language has (search, support,
"How to reach us"), renders each through the site's own stack, and follows every reference it
finds: pagination, tags, authors, feeds. It builds into a new folder beside the target and swaps
it in at the end (`folders`), so a failed or interrupted export leaves the previous copy whole.

The manifest keeps what each file links to. The next export after a publish, unpublish or move
renders only what that change touches (`changes`): the page, the pages that linked to it, the
first pages of its section, tag and author listings with the archive pages the change shifted
(numbered from the oldest, `news.archive`: after a publish only the newest), the home pages,
feeds, and the articles whose kept "Read more" no longer matches the copy's; an edited author
or tag, the articles and feeds that name them. What nothing links to any more is removed. The
result is the tree a full export would write, byte for byte.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils import timezone

from tamizdat.news.related import choose_missing

from . import changes, paths
from .assets import copy_assets
from .changes import FIXED_FILES, author_states, live_pages, seeds, tag_states
from .extras import EXTRA_FILES, write_extras
from .folders import (
    Versions,
    check_target,
    io_error,
    locked,
    remove_empty_parents,
    remove_leftovers,
)
from .manifest import MANIFEST, Manifest
from .pages import PUBLIC_FOLDER_MODE, CopySettings, PageMaker, Rendered, language_of
from .renderer import Renderer
from .search import PARTS_FILE, SEARCH_BUNDLE, Story, build_search

NOT_FOUND_FILE = "404.html"
NOT_FOUND_URL = "/{language}/tamizdat-copy-not-found/"


@dataclass
class Report:
    full: bool
    rendered: int = 0
    files: int = 0
    bytes: int = 0
    seconds: float = 0.0
    removed: int = 0


class Export:
    def __init__(self, target: Path, jobs: int, full: bool) -> None:
        # The folder's own name, not what it links to (`folders.Versions`).
        self.target = Path(os.path.abspath(target))
        self.jobs = max(1, jobs)
        self.force_full = full
        self.copy = CopySettings.current()

    def run(self) -> Report:
        check_target(self.target)
        with locked(self.target):
            started = time.monotonic()
            remove_leftovers(self.target)
            versions = Versions(self.target)
            previous = self._previous()
            new = None
            try:
                new = versions.prepare(incremental=previous is not None)
                report, changed = self._build(new, previous)
                report.files, report.bytes = versions.publish(new, None if report.full else changed)
            except BaseException as error:
                if new is not None:
                    versions.discard(new)
                if isinstance(error, OSError):
                    raise io_error(error, self.target) from error
                raise
            report.seconds = round(time.monotonic() - started, 3)
            return report

    def _previous(self) -> Manifest | None:
        if self.force_full:
            return None
        manifest = Manifest.read(self.target)
        if manifest is None or manifest.fingerprint != self.copy.fingerprint:
            return None
        return manifest

    def _build(self, root: Path, previous: Manifest | None) -> tuple[Report, set[str]]:
        """Write the copy into `root`, which holds the previous copy when there is one; returns
        what the export did and, for an incremental one, the files it changed."""
        made = timezone.now()
        # Every article's "Read more" is kept before the copy is made, so that the next
        # export can tell which blocks changed by comparing the kept lists with this copy.
        choose_missing(seconds=None)
        live = live_pages()
        self.dates = changes.publication_dates(live)
        authors, tags = author_states(), tag_states()

        def new_manifest() -> Manifest:
            return Manifest(self.copy.fingerprint, live=live, authors=authors, tags=tags)

        manifest = new_manifest()
        with Renderer(root, self.copy, self.jobs) as renderer:
            if previous is None:
                report = Report(full=True)
                self._full(renderer, manifest, live)
                previous_assets: set[str] = set()
            else:
                previous_assets = previous.assets()
                manifest.pages = dict(previous.pages)
                done = self._incremental(renderer, manifest, previous, live)
                if done is None:  # the change reaches every page: made again whole
                    shutil.rmtree(root)
                    root.mkdir()
                    root.chmod(PUBLIC_FOLDER_MODE)  # whatever the umask: any web server reads it
                    manifest = new_manifest()
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
            from_root=True,
        )
        assets = copy_assets(root, manifest.assets() | set(not_found.assets), previous_assets)
        write_extras(root, self.copy, made)
        kept = {} if report.full or previous is None else previous.search
        manifest.search = build_search(
            root, self.copy.languages, self._stories(manifest), kept, self.jobs
        )
        manifest.write(root)
        if report.full or previous is None:
            for folder, _, _ in os.walk(root, topdown=False):
                if Path(folder) != root and not os.listdir(folder):
                    os.rmdir(folder)
            return report, set()
        changed = _changed_pages(previous, manifest, renderer.urls) | assets
        changed |= {f"{SEARCH_BUNDLE}/{part}" for part in _differing(kept, manifest.search)}
        changed |= {f"{SEARCH_BUNDLE}/{PARTS_FILE}", NOT_FOUND_FILE, MANIFEST, *EXTRA_FILES}
        for name in changed:
            if not (root / name).exists():
                remove_empty_parents((root / name).parent, root)
        return report, changed

    def _stories(self, manifest: Manifest) -> list[Story]:
        """The pages the search index reads, with when each was first published."""
        dates = self.dates
        return [
            Story(entry["file"], language_of(url, self.copy), dates[url], entry["indexed"])
            for url, entry in manifest.pages.items()
            if entry.get("indexed") and url in dates
        ]

    def _crawl(self, renderer: Renderer, manifest: Manifest, urls: set[str]) -> None:
        """Render `urls`, then whatever they reference that the copy does not hold yet."""
        pending = set(urls)
        while pending:
            found: set[str] = set()
            for rendered in renderer.render(pending, frozenset()):
                self._keep(renderer, manifest, rendered)
                found.update(rendered.pages)
            pending = found - set(manifest.pages)

    def _keep(self, renderer: Renderer, manifest: Manifest, rendered: Rendered) -> None:
        """Note a rendered page; a page the site no longer gives (an archive page a listing
        lost) leaves the copy."""
        file = manifest.pages.get(rendered.url, {}).get("file")
        if file and rendered.file is None:
            (renderer.root / file).unlink(missing_ok=True)
        manifest.add(rendered)

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
        changed = _differing(previous.live, live)
        authors = _differing(previous.authors, manifest.authors)
        tags = _differing(previous.tags, manifest.tags)
        # The pages that list addresses or issues and the site's own files show more than
        # pages: they are made again every time.
        always = {f"/{language}/reach/" for language in self.copy.languages} | set(FIXED_FILES)
        always |= changes.newsletter_pages(self.copy)
        if not changed and not authors and not tags:
            self._crawl(renderer, manifest, always)
            return True
        if any(not (previous.live.get(i) or live[i])[2] for i in changed):
            return None
        # A deleted author's bylines, or a deleted tag's links, went with them.
        if authors - set(manifest.authors) or tags - set(manifest.tags):
            return None
        referrers = changes.referrers(previous)
        old_urls = {previous.live[i][0] for i in changed if i in previous.live}
        new_urls = {live[i][0] for i in changed if i in live}
        dirty: set[str] = set()
        for url in old_urls:
            dirty |= referrers.get(url, set())
            if file := manifest.pages.pop(url, {}).get("file"):
                (renderer.root / file).unlink(missing_ok=True)
        # The changed pages first: what they link to now names the listings they join.
        for rendered in renderer.render(new_urls, frozenset()):
            self._keep(renderer, manifest, rendered)
        articles = {entry[0] for entry in live.values() if entry[2]}
        listings = {
            target.partition("?")[0]
            for url in old_urls | new_urls
            for source in (previous, manifest)
            for target in source.pages.get(url, {}).get("pages", ())
            if target not in articles
        }
        for listing in listings:
            dirty |= changes.heads(previous, listing)
        dirty |= changes.translations(changed)
        dirty |= changes.read_more_changed(previous, live)
        dirty |= self._authors_changed(renderer, manifest, previous, authors, live)
        dirty |= self._tags_changed(renderer, manifest, previous, tags, live)
        dirty |= always
        dirty -= new_urls | old_urls
        for language in self.copy.languages:
            dirty |= changes.family(previous, f"/{language}/") | {f"/{language}/feed/"}
        self._crawl(renderer, manifest, dirty - old_urls)
        # Then the archive pages the change shifted, now that each listing's first page says
        # which archive page is its newest.
        dates = self.dates
        earliest = min((dates[url] for url in new_urls if url in dates), default=None)
        shifted: set[str] = set()
        for listing in listings & set(manifest.pages):
            shifted |= changes.shifted_archive(
                previous, manifest, listing, old_urls, earliest, dates
            )
        self._crawl(renderer, manifest, shifted - renderer.urls)
        return True

    def _authors_changed(
        self,
        renderer: Renderer,
        manifest: Manifest,
        previous: Manifest,
        authors: set[str],
        live: dict[str, list[Any]],
    ) -> set[str]:
        """What an edited author touches: the articles with their bylines and every feed (both
        name them). Their pages, under the slug they had, are dropped and found again through
        the articles, under the slug they have now."""
        if not authors:
            return set()
        listings = set()
        for author_id in authors & set(previous.authors):
            _, slug, language = previous.authors[author_id]
            listings.add(f"/{language}/authors/{slug}/")
        self._drop_listings(renderer, manifest, previous, listings)
        return changes.bylines_of(authors, live) | self._feeds(manifest)

    def _tags_changed(
        self,
        renderer: Renderer,
        manifest: Manifest,
        previous: Manifest,
        tags: set[str],
        live: dict[str, list[Any]],
    ) -> set[str]:
        """What a renamed tag touches: the articles that carry it and every feed (both name
        it), and its page in every language, dropped and found again through the articles."""
        if not tags:
            return set()
        listings = {
            f"/{language}/tags/{previous.tags[tag_id][1]}/"
            for tag_id in tags & set(previous.tags)
            for language in self.copy.languages
        }
        self._drop_listings(renderer, manifest, previous, listings)
        return changes.tagged(tags, live) | self._feeds(manifest)

    def _drop_listings(
        self, renderer: Renderer, manifest: Manifest, previous: Manifest, listings: set[str]
    ) -> None:
        """Forget listings, every page of their pagination, and their files."""
        for listing in listings:
            for url in changes.family(previous, listing):
                if file := manifest.pages.pop(url, {}).get("file"):
                    (renderer.root / file).unlink(missing_ok=True)

    def _feeds(self, manifest: Manifest) -> set[str]:
        return {url for url in manifest.pages if url.endswith(f"/{paths.FEED_SEGMENT}/")}

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


def _changed_pages(previous: Manifest, manifest: Manifest, rendered: set[str]) -> set[str]:
    """The files of pages that an incremental export wrote or removed."""

    def files(source: Manifest, urls: Iterable[str]) -> set[str]:
        return {file for url in urls if (file := source.pages.get(url, {}).get("file"))}

    before, after = files(previous, previous.pages), files(manifest, manifest.pages)
    return (before ^ after) | files(previous, rendered) | files(manifest, rendered)


def _differing(old: dict[str, Any], new: dict[str, Any]) -> set[str]:
    """The keys whose values differ between two states, or that only one of them has."""
    return {key for key in set(old) | set(new) if old.get(key) != new.get(key)}


def export(target: Path, jobs: int = 1, full: bool = False) -> Report:
    return Export(target, jobs, full).run()
