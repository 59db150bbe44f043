"""The buckets a static copy is pushed to, read from `TAMIZDAT_MIRROR_TARGETS`.

Kept free of Django imports: settings.py parses the variable at start, so a malformed value
stops every process at once with a message naming the variable, not at the first push.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import urlsplit

VARIABLE = "TAMIZDAT_MIRROR_TARGETS"
KNOWN_KEYS = {
    "name",
    "endpoint",
    "bucket",
    "prefix",
    "region",
    "access_key",
    "secret_key",
    "public_url",
}


class TargetError(ValueError):
    pass


@dataclass(frozen=True)
class Target:
    """One S3-compatible bucket (and folder in it) that carries a copy of the site."""

    name: str
    bucket: str
    endpoint: str = ""
    prefix: str = ""
    region: str = ""
    access_key: str = ""
    secret_key: str = ""
    public_url: str = ""

    def key(self, relative_path: str) -> str:
        return f"{self.prefix}/{relative_path}" if self.prefix else relative_path

    @property
    def address(self) -> str:
        """Where readers open the copy: its `index.html`, since a bucket resolves no folder."""
        if self.public_url:
            base = self.public_url.rstrip("/")
        else:
            endpoint = self.endpoint.rstrip("/") or f"https://{self.bucket}.s3.amazonaws.com"
            base = f"{endpoint}/{self.bucket}" if self.endpoint else endpoint
            if self.prefix:
                base = f"{base}/{self.prefix}"
        return f"{base}/index.html"


def _is_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def parse_targets(text: str) -> list[Target]:
    """A JSON list of objects, one per bucket; "" means no targets."""
    if not text.strip():
        return []
    try:
        items = json.loads(text)
    except json.JSONDecodeError as error:
        raise TargetError(f"{VARIABLE} is not valid JSON: {error}") from None
    if not isinstance(items, list):
        raise TargetError(f"{VARIABLE} must be a JSON list of objects, one per bucket")
    targets = []
    for number, item in enumerate(items, start=1):
        where = f"{VARIABLE}, target {number}"
        if not isinstance(item, dict):
            raise TargetError(f"{where} is not an object")
        if unknown := set(item) - KNOWN_KEYS:
            raise TargetError(f"{where} has unknown keys: {', '.join(sorted(unknown))}")
        if not all(isinstance(value, str) for value in item.values()):
            raise TargetError(f"{where}: every value must be a string")
        if not item.get("name") or not item.get("bucket"):
            raise TargetError(f"{where} needs a name and a bucket")
        for url_key in ("endpoint", "public_url"):
            if item.get(url_key) and not _is_url(item[url_key]):
                raise TargetError(f"{where}: {url_key} {item[url_key]!r} is not an http(s) URL")
        item = {**item, "prefix": item.get("prefix", "").strip("/")}
        targets.append(Target(**item))
    names = [target.name for target in targets]
    if len(set(names)) != len(names):
        raise TargetError(f"{VARIABLE}: two targets have the same name")
    return targets
