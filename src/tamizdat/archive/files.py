"""The files of the old site's uploads folder: from a copy of the folder, else downloaded from
the old site.

A download is checked before anything is made of it: its size, its type (an image must be
one; a document must not be a web page, which is what a site answers for a login or an error),
and the time it takes. What the old site does not have (404, a wrong type, too large) is
reported and left out as a file missing from the folder is. What may work another time (a
timeout, a refused connection, a server error) fails the post instead, so that it is not
recorded as imported and the next run tries again: an article never lacks an image only
because the old site was slow once.
"""

from __future__ import annotations

import io
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import requests
from PIL import Image

UPLOADS = "/wp-content/uploads/"
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".gif", ".webp"}
CHUNK_BYTES = 64 * 1024


class Unavailable(Exception):
    """The old site could not give a file this time."""


@dataclass
class Found:
    name: str
    stream: IO[bytes]


class Uploads:
    def __init__(
        self,
        folder: Path | None,
        download_from: str = "",
        timeout: float = 20.0,
        max_bytes: int = 50 * 1024 * 1024,
    ) -> None:
        self.folder = folder
        self.download_from = download_from.rstrip("/")
        self.timeout = timeout
        self.max_bytes = max_bytes
        # Why each file not found is missing, for the report.
        self.problems: dict[str, str] = {}
        # Files the old site could not give for now: each post that needs one fails at once
        # for the next run, instead of waiting out the timeout again.
        self.unavailable: dict[str, str] = {}
        self.session = requests.Session()

    def problem(self, path: str) -> str:
        return self.problems.get(path, "")

    def get(self, path: str) -> Found | None:
        """The file at `path` of the old site (a path in its uploads folder), or None when
        neither the copy nor the old site has it; raises `Unavailable` when the old site
        might have it another time."""
        if UPLOADS not in path:
            return None
        relative = path.split(UPLOADS, 1)[1]
        if self.folder is not None:
            file = self.folder / relative
            if file.is_file():
                return Found(file.name, file.open("rb"))
        if not self.download_from or path in self.problems:
            return None  # not asked again in this run: the answer was given
        if path in self.unavailable:
            raise Unavailable(self.unavailable[path])
        try:
            return self.download(path)
        except Unavailable as error:
            self.unavailable[path] = str(error)
            raise

    def download(self, path: str) -> Found | None:
        url = f"{self.download_from}{path}"
        image = Path(path).suffix.lower() in IMAGE_SUFFIXES
        deadline = time.monotonic() + self.timeout
        try:
            with self.session.get(url, stream=True, timeout=self.timeout) as response:
                # Asked to wait (429) or to ask again (408), as for a server error: the post
                # is tried whole on the next run rather than imported without the file.
                if response.status_code >= 500 or response.status_code in (408, 429):
                    raise Unavailable(f"{url}: the old site answered {response.status_code}")
                if response.status_code != 200:
                    return self.missing(path, f"the old site answered {response.status_code}")
                kind = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
                if image and not kind.startswith("image/"):
                    return self.missing(path, f"not an image ({kind or 'no type'})")
                if not image and kind == "text/html":
                    return self.missing(path, "a web page, not a file")
                length = response.headers.get("Content-Length", "")
                if length.isdigit() and int(length) > self.max_bytes:
                    return self.missing(path, f"larger than {self.max_bytes:,} bytes")
                data = bytearray()
                for chunk in response.iter_content(CHUNK_BYTES):
                    data += chunk
                    if len(data) > self.max_bytes:
                        return self.missing(path, f"larger than {self.max_bytes:,} bytes")
                    if time.monotonic() > deadline:
                        raise Unavailable(f"{url}: timed out after {self.timeout:g} s")
        except requests.Timeout as error:
            raise Unavailable(f"{url}: timed out after {self.timeout:g} s") from error
        except requests.RequestException as error:
            raise Unavailable(f"{url}: {error.__class__.__name__}") from error
        if image and not is_image(bytes(data)):
            return self.missing(path, "not an image the site can read")
        return Found(Path(path).name, io.BytesIO(data))

    def missing(self, path: str, reason: str) -> Found | None:
        """Nothing, and why, for the report."""
        self.problems[path] = reason
        return None


def is_image(data: bytes) -> bool:
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
    except Exception:  # Pillow raises many kinds for a file it cannot read
        return False
    return True
