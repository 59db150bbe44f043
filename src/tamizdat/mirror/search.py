"""The copy's search: a Pagefind index per language of the stories.

Each language is indexed by its own Pagefind run (the two run side by side), and its files
carry its code in their names. An export that changed no story of a language keeps that
language's files from the previous copy: indexing every story again took most of the time of
an incremental export.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .errors import ExportError

SEARCH_BUNDLE = "pagefind"
ENTRY = "pagefind-entry.json"
# Only stories are indexed (`data-pagefind-body`), and a story is always a language's
# section's page: reading the listings, a third of the copy, would only be thrown away.
ARTICLE_FILES = "{language}/*/*/index.html"
HOME_FILE = "{language}/index.html"


def _language_files(bundle: Path, language: str) -> list[Path]:
    """The files of one language's index in a bundle (Pagefind names them by language)."""
    prefixes = (f"{language}_", f"pagefind.{language}_", f"wasm.{language}.")
    return [path for path in bundle.rglob("*") if path.is_file() and path.name.startswith(prefixes)]


def _run(root: Path, language: str, output: Path) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "pagefind", "--site", str(root), "--keep-index-url"]
    glob = ARTICLE_FILES.format(language=language)
    if not any(root.glob(glob)):
        # No story yet: the home page alone, so that the search page still finds Pagefind.
        glob = HOME_FILE.format(language=language)
    return subprocess.Popen(
        [*command, "--glob", glob, "--output-path", str(output), "--silent"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _merge(source: Path, bundle: Path) -> None:
    for path in source.rglob("*"):
        if path.is_file() and path.name != ENTRY:
            target = bundle / path.relative_to(source)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, target)


def build_search(
    root: Path, languages: Iterable[str], previous: Path | None, stale: set[str]
) -> None:
    """Index the stories of `root` into its search bundle. The languages not in `stale` are
    taken as they are from `previous`, the previous copy's bundle, where it has them."""
    bundle = root / SEARCH_BUNDLE
    shutil.rmtree(bundle, ignore_errors=True)
    bundle.mkdir()
    old_entry: dict[str, Any] = {}
    if previous is not None and (previous / ENTRY).is_file():
        old_entry = json.loads((previous / ENTRY).read_text())
    entry: dict[str, Any] = {}
    runs = {}
    work = Path(tempfile.mkdtemp(dir=root, prefix=".search-"))
    try:
        for language in languages:
            kept = old_entry.get("languages", {}).get(language)
            if previous is not None and kept is not None and language not in stale:
                for path in _language_files(previous, language):
                    target = bundle / path.relative_to(previous)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    os.link(path, target)
                entry.setdefault("languages", {})[language] = kept
            elif (root / HOME_FILE.format(language=language)).is_file():
                runs[language] = _run(root, language, work / language)
        for language, run in runs.items():
            stdout, stderr = run.communicate()
            if run.returncode != 0:
                raise ExportError(f"the search index failed: {stderr.strip() or stdout}")
            made = json.loads((work / language / ENTRY).read_text())
            entry = {**made, "languages": entry.get("languages", {}) | made["languages"]}
            _merge(work / language, bundle)
        if not runs and previous is not None and old_entry:
            # Only kept languages: the files every language shares come from the last copy.
            for path in previous.rglob("*"):
                target = bundle / path.relative_to(previous)
                if path.is_file() and not target.exists() and path.name != ENTRY:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    os.link(path, target)
            entry = {**old_entry, "languages": entry.get("languages", {})}
    finally:
        for run in runs.values():
            if run.poll() is None:
                run.kill()
        shutil.rmtree(work, ignore_errors=True)
    # Pagefind lists the languages in no fixed order; the same copy must be the same bytes.
    (bundle / ENTRY).write_text(
        json.dumps(entry, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    )
