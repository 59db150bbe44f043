"""The static files and media renditions a copy's pages use, and only those."""

from __future__ import annotations

import contextlib
import logging
import shutil
from pathlib import Path
from urllib.parse import unquote

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.files.storage import default_storage

logger = logging.getLogger(__name__)


def _source(url: str) -> Path | None:
    if url.startswith(settings.STATIC_URL):
        name = unquote(url[len(settings.STATIC_URL) :])
        with contextlib.suppress(Exception):
            if staticfiles_storage.exists(name):
                return Path(staticfiles_storage.path(name))
        found = finders.find(name)
        return Path(found) if isinstance(found, str) else None
    name = unquote(url[len(settings.MEDIA_URL) :])
    return Path(default_storage.path(name)) if default_storage.exists(name) else None


def copy_assets(root: Path, wanted: set[str], previous: set[str]) -> None:
    """Copy into `root` the files in `wanted` that the previous copy did not hold, and remove
    those it held that no page uses any more."""
    for url in sorted(wanted - previous):
        source = _source(url)
        if source is None:
            logger.warning("The copy's pages use %s, which is not on this server", url)
            continue
        target = root / unquote(url).lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    for url in previous - wanted:
        (root / unquote(url).lstrip("/")).unlink(missing_ok=True)
