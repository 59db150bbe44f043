"""What a copy remembers about itself (`.tamizdat-copy.json`, never published): for each address,
its file and what it links to, and which revision of each page it shows. The next export reads
it to render only what changed."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .pages import Rendered, write_file

MANIFEST = ".tamizdat-copy.json"
# 2: authors kept; files readable by any web server; 3: tags kept; 4: the search index in parts
# (a copy made before is made again whole).
MANIFEST_VERSION = 4


@dataclass
class Manifest:
    fingerprint: str = ""
    pages: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Wagtail page id -> [address, live revision id]: what changed since this copy was made.
    live: dict[str, list[Any]] = field(default_factory=dict)
    # Author id -> [digest of what bylines and author pages show, slug, language]: authors are
    # no pages, so their edits leave no revision behind.
    authors: dict[str, list[str]] = field(default_factory=dict)
    # Tag id -> [digest of its name and slug, slug], for the same reason.
    tags: dict[str, list[str]] = field(default_factory=dict)
    # Part of the search index -> digest of what its stories show (`search`).
    search: dict[str, str] = field(default_factory=dict)

    @classmethod
    def read(cls, folder: Path) -> Manifest | None:
        try:
            data = json.loads((folder / MANIFEST).read_text())
        except (OSError, ValueError):
            return None
        if data.get("version") != MANIFEST_VERSION:
            return None
        return cls(
            fingerprint=data["fingerprint"],
            pages=data["pages"],
            live=data["live"],
            authors=data["authors"],
            tags=data["tags"],
            search=data["search"],
        )

    def write(self, folder: Path) -> None:
        # Not `asdict`, which copies every list of every page first (seconds for a large site).
        data = {"version": MANIFEST_VERSION, **vars(self)}
        write_file(folder, MANIFEST, json.dumps(data, sort_keys=True).encode())

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
            if rendered.indexed:
                self.pages[rendered.url]["indexed"] = rendered.indexed

    def assets(self) -> set[str]:
        return {asset for entry in self.pages.values() for asset in entry.get("assets", ())}
