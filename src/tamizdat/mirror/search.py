"""The copy's search: a Pagefind index per language of the stories."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from .errors import ExportError

SEARCH_BUNDLE = "pagefind"


def build_search(root: Path) -> None:
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
