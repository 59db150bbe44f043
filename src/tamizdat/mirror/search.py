"""The copy's search: Pagefind indexes of the stories, in parts that the browser merges.

One index of every story of a language held about 1 GB in Pagefind's process at 5,000 stories,
and any change to one story meant indexing them all again. So each language's stories are
split by the month they were first published, and a month into parts of at most `PART_SIZE`
stories in publication order: each part is a Pagefind bundle of its own (`pagefind/<part>/`),
`pagefind/parts.json` lists each language's parts, and the search page loads the first with
Pagefind's script and merges the others into it (`mergeIndex`). A part is indexed again only
when what its stories show changed: after a publish, the newest part of its language.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from subprocess import PIPE

from .errors import ExportError
from .pages import write_file

SEARCH_BUNDLE = "pagefind"
PARTS_FILE = "parts.json"
# Pagefind's process holds about 200 KB a story while it indexes, and a publish indexes the
# newest part again: a part of 250 stories takes about half a second.
PART_SIZE = 250
# Where a story's indexed element starts (`pages.PageMaker.attributes`), and its nested tags.
INDEXED_START = re.compile(r"<article\b[^>]*\sdata-pagefind-body[\s>]")
ARTICLE_TAG = re.compile(r"<(/?)article\b")
# The copy's script searches through Pagefind's JS API; its ready-made interfaces stay out.
UNUSED_FILES = (
    "pagefind-ui.js",
    "pagefind-ui.css",
    "pagefind-modular-ui.js",
    "pagefind-modular-ui.css",
    "pagefind-component-ui.js",
    "pagefind-component-ui.css",
    "pagefind-highlight.js",
)


@dataclass(frozen=True)
class Story:
    file: str
    language: str
    published: datetime
    indexed: str  # digest of what the index reads (`pages.Rendered.indexed`)


def plan(stories: Iterable[Story]) -> dict[str, list[Story]]:
    """The parts of the index, by name (`<language>-<year>-<month>-<n>`), oldest first."""
    months: dict[str, list[Story]] = {}
    for story in sorted(stories, key=lambda s: (s.published, s.file)):
        month = story.published.astimezone(UTC).strftime("%Y-%m")
        months.setdefault(f"{story.language}-{month}", []).append(story)
    parts = {}
    for month, members in months.items():
        for number, start in enumerate(range(0, len(members), PART_SIZE)):
            parts[f"{month}-{number}"] = members[start : start + PART_SIZE]
    return parts


def _digest(members: list[Story]) -> str:
    shown = json.dumps([[story.file, story.indexed] for story in members])
    return hashlib.blake2b(shown.encode(), digest_size=16).hexdigest()


def indexed_element(html: str) -> str:
    """The element of a page that the index reads, as written (`pages.Rendered.indexed` is its
    digest)."""
    start = INDEXED_START.search(html)
    if start is None:
        return ""
    depth, position = 0, start.start()
    while match := ARTICLE_TAG.search(html, position):
        depth += -1 if match.group(1) else 1
        position = html.index(">", match.end()) + 1
        if not depth:
            return html[start.start() : position]
    return html[start.start() :]


def _stage(root: Path, members: list[Story], site: Path) -> None:
    """The part's stories as Pagefind will read them: each story's indexed element alone.
    Pagefind takes a title and an image from anywhere in a page (a "Read more" card's), which
    would change the index with no change to the story."""
    for story in members:
        element = indexed_element((root / story.file).read_text())
        staged = site / story.file
        staged.parent.mkdir(parents=True, exist_ok=True)
        staged.write_text(f'<html lang="{story.language}"><body>{element}</body></html>')


def _index_all(root: Path, parts: dict[str, list[Story]], work: Path, jobs: int) -> None:
    """Index each part with Pagefind's command, `jobs` at a time. (Its Python API waits a
    tenth of a second for each page it is given.)"""
    pending = list(parts.items())
    running: list[tuple[str, subprocess.Popen[str]]] = []
    try:
        while pending or running:
            while pending and len(running) < jobs:
                name, members = pending.pop(0)
                site = work / f"{name}.site"
                _stage(root, members, site)
                command = [sys.executable, "-m", "pagefind", "--site", str(site)]
                command += ["--keep-index-url", "--output-path", str(work / name), "--silent"]
                running.append(
                    (name, subprocess.Popen(command, stdout=PIPE, stderr=PIPE, text=True))
                )
            name, run = running.pop(0)
            stdout, stderr = run.communicate()
            if run.returncode != 0:
                raise ExportError(f"the search index failed: {stderr.strip() or stdout.strip()}")
            shutil.rmtree(work / f"{name}.site")
    finally:
        for _, run in running:
            run.kill()
            run.wait()


def build_search(
    root: Path,
    languages: Iterable[str],
    stories: Iterable[Story],
    previous: dict[str, str],
    jobs: int,
) -> dict[str, str]:
    """Bring the search bundle of `root` up to date with `stories`: the parts whose digest is
    not the one in `previous` (the last copy's, whose bundle `root` holds) are indexed again,
    parts no story belongs to any more are removed. Returns each part's digest."""
    bundle = root / SEARCH_BUNDLE
    bundle.mkdir(exist_ok=True)
    parts = plan(stories)
    digests = {name: _digest(members) for name, members in parts.items()}
    for folder in bundle.iterdir():
        if folder.is_dir() and (
            folder.name not in digests or digests[folder.name] != previous.get(folder.name)
        ):
            shutil.rmtree(folder)
    stale = {name: parts[name] for name in parts if not (bundle / name).is_dir()}
    work = bundle / ".work"
    shutil.rmtree(work, ignore_errors=True)
    try:
        _index_all(root, stale, work, jobs)
        for name in stale:
            for unused in UNUSED_FILES:
                (work / name / unused).unlink(missing_ok=True)
            (work / name).rename(bundle / name)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    listed: dict[str, list[str]] = {language: [] for language in languages}
    for name, members in parts.items():
        listed[members[0].language].append(name)
    write_file(bundle, PARTS_FILE, json.dumps(listed, sort_keys=True).encode())
    return digests
