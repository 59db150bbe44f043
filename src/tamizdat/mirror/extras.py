"""The copy's files that are no page of the site: the top `index.html`, `copy-info.js`, and the
copy as one zip archive to pass around."""

from __future__ import annotations

import json
import os
import zipfile
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string

from tamizdat.news.context import newsroom_name

from . import mirrorlist
from .folders import io_error, tree_files
from .pages import COPY_INFO, CopySettings, write_file

# Written by every export.
EXTRA_FILES = ("index.html", COPY_INFO.lstrip("/"))


def write_extras(root: Path, copy: CopySettings, made: datetime) -> None:
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
            "site_name": newsroom_name(copy.languages[0]),
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


def write_zip(root: Path, destination: Path) -> None:
    """The copy as one archive with its `index.html` at the top; the same bytes for the same
    copy (fixed order and dates)."""
    partial = destination.with_name(f".{destination.name}.part")
    try:
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in tree_files(root):
                info = zipfile.ZipInfo(path.relative_to(root).as_posix(), (1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, path.read_bytes())
        os.replace(partial, destination)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise io_error(error, destination) from error
