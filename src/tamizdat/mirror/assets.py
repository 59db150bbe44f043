"""The static files and media renditions a copy's pages use, and only those: with the files
their stylesheets name in `url()` (icons, fonts), which no page names itself."""

from __future__ import annotations

import contextlib
import logging
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.files.storage import default_storage

from . import paths

logger = logging.getLogger(__name__)

# `url(...)`, quoted or not, and `@import "..."`.
STYLESHEET_REFERENCE = re.compile(
    r"""url\(\s*(['"]?)([^'")]+?)\1\s*\)|@import\s+(['"])([^'"]+)\3"""
)


def _static_file(url: str) -> Path | None:
    if not url.startswith(settings.STATIC_URL):
        return None
    name = unquote(url[len(settings.STATIC_URL) :])
    with contextlib.suppress(Exception):
        if staticfiles_storage.exists(name):
            return Path(staticfiles_storage.path(name))
    found = finders.find(name)
    return Path(found) if isinstance(found, str) else None


def _copy(url: str, target: Path) -> bool:
    """Copy the site's file at `url` to `target`: a static file from this server's disk, a
    media file from the media storage (this server's disk or a bucket). A file already there
    may be shared by a hard link with the copy being served: it is unlinked first, so that
    writing never changes the served copy in place."""
    target.unlink(missing_ok=True)
    if url.startswith(settings.STATIC_URL):
        source = _static_file(url)
        if source is None:
            return False
        shutil.copyfile(source, target)
        return True
    name = unquote(url[len(paths.media_prefix()) :])
    if not default_storage.exists(name):
        return False
    with default_storage.open(name, "rb") as stream, target.open("wb") as copy:
        shutil.copyfileobj(stream, copy)
    return True


def _in_copy(root: Path, url: str) -> Path:
    return root / unquote(url).lstrip("/")


def _with_stylesheet_references(urls: set[str], file_of: Callable[[str], Path | None]) -> set[str]:
    """`urls` and every file their stylesheets name, however deep; a relative `url()` names
    the same file in the copy as on the site, since the copy keeps the static folders."""
    found = set(urls)
    pending = [url for url in urls if url.endswith(".css")]
    while pending:
        stylesheet = pending.pop()
        file = file_of(stylesheet)
        if file is None or not file.is_file():
            continue
        text = file.read_text(errors="replace")
        for match in STYLESHEET_REFERENCE.finditer(text):
            reference = (match.group(2) or match.group(4)).strip()
            kind, url = paths.classify(reference, stylesheet)
            if kind is paths.Kind.ASSET and url not in found:
                found.add(url)
                if url.endswith(".css"):
                    pending.append(url)
    return found


def copy_assets(root: Path, wanted: set[str], previous: set[str]) -> set[str]:
    """Copy into `root` the files in `wanted` that the previous copy did not hold, and remove
    those it held that no page uses any more; returns the files of the copy added or removed."""
    # Stylesheets are static files: what they name is read from this server's disk, and
    # what the previous copy's stylesheets named from the copy itself.
    wanted = _with_stylesheet_references(wanted, _static_file)
    previous = _with_stylesheet_references(previous, lambda url: _in_copy(root, url))
    for url in sorted(wanted - previous):
        target = _in_copy(root, url)
        target.parent.mkdir(parents=True, exist_ok=True)
        if not _copy(url, target):
            logger.warning("The copy's pages use %s, which is not on this server", url)
    for url in previous - wanted:
        _in_copy(root, url).unlink(missing_ok=True)
    return {unquote(url).lstrip("/") for url in wanted ^ previous}
