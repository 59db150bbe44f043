"""`tamizdat mirror push`: a static copy uploaded to S3-compatible buckets ("collateral
freedom": hosts too important to block).

Each bucket gets only the files whose content changed (S3 names a single-part object by its
MD5), in an order that never leaves readers a page linking to a file not there yet: new files
other than pages first, then the pages, and what the copy no longer holds is deleted last. A
target that fails is reported and recorded in the admin; the others still get their copy.
"""

from __future__ import annotations

import hashlib
import logging
import mimetypes
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from django.utils import timezone

from tamizdat.web.purge import purge_every_page

from .errors import ExportError
from .manifest import MANIFEST
from .models import Address
from .targets import Target

logger = logging.getLogger(__name__)

# Pages and the copy's data change with every publish; everything else keeps its name until
# its content changes, so a reader's browser may keep it longer.
PAGE_CACHE_CONTROL = "public, max-age=300"
ASSET_CACHE_CONTROL = "public, max-age=86400"
PAGE_SUFFIXES = (".html", ".xml", ".json", ".txt")
COPY_DATA = ("copy-info.js",)
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".json": "application/json",
    ".txt": "text/plain; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".webp": "image/webp",
}


@dataclass
class Outcome:
    target: str
    uploaded: int = 0
    deleted: int = 0
    error: str = ""


def _local_files(folder: Path) -> dict[str, Path]:
    return {
        path.relative_to(folder).as_posix(): path
        for path in sorted(folder.rglob("*"))
        if path.is_file()
        and not any(part.startswith(".") for part in path.relative_to(folder).parts)
    }


def _md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes(), usedforsecurity=False).hexdigest()


def content_type(name: str) -> str:
    suffix = Path(name).suffix
    return CONTENT_TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"


def _is_page(name: str) -> bool:
    return name.endswith(PAGE_SUFFIXES) or name in COPY_DATA


def _client(target: Target) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=target.endpoint or None,
        region_name=target.region or "us-east-1",
        aws_access_key_id=target.access_key or None,
        aws_secret_access_key=target.secret_key or None,
        config=Config(
            connect_timeout=10,
            read_timeout=60,
            retries={"max_attempts": 3, "mode": "standard"},
            s3={"addressing_style": "path"},
        ),
    )


def _remote(client: Any, target: Target) -> dict[str, str]:
    """The bucket's objects under the target's prefix: relative name -> MD5."""
    prefix = f"{target.prefix}/" if target.prefix else ""
    objects = {}
    for page in client.get_paginator("list_objects_v2").paginate(
        Bucket=target.bucket, Prefix=prefix
    ):
        for item in page.get("Contents", ()):
            objects[item["Key"][len(prefix) :]] = item["ETag"].strip('"')
    return objects


def push_one(folder: Path, target: Target) -> Outcome:
    outcome = Outcome(target=target.name)
    client = _client(target)
    remote = _remote(client, target)
    local = _local_files(folder)
    changed = [name for name, path in local.items() if remote.get(name) != _md5(path)]
    # Pages last: a page that is served names only files that are there already.
    for name in sorted(changed, key=lambda name: (_is_page(name), name)):
        client.put_object(
            Bucket=target.bucket,
            Key=target.key(name),
            Body=local[name].read_bytes(),
            ContentType=content_type(name),
            CacheControl=PAGE_CACHE_CONTROL if _is_page(name) else ASSET_CACHE_CONTROL,
        )
        outcome.uploaded += 1
    gone = sorted(set(remote) - set(local))
    for start in range(0, len(gone), 1000):  # the most one request may delete
        batch = [{"Key": target.key(name)} for name in gone[start : start + 1000]]
        client.delete_objects(Bucket=target.bucket, Delete={"Objects": batch, "Quiet": True})
        outcome.deleted += len(batch)
    return outcome


def _describe(error: Exception) -> str:
    if isinstance(error, ClientError):
        details = error.response.get("Error", {})
        return f"{details.get('Code', 'Error')}: {details.get('Message', '') or error}"
    return str(error)


def _record(target: Target, outcome: Outcome) -> None:
    """The bucket's copy appears among the newsroom's addresses, with its last outcome."""
    # Written without the signals of a staff edit, which would ask for another export (and
    # so another push): the live pages that list addresses are retired here, and the next copy
    # lists the new address.
    if not Address.objects.filter(url=target.address).exists():
        Address.objects.bulk_create(
            [Address(url=target.address, kind=Address.Kind.OBJECT_STORE, target=target.name)]
        )
        purge_every_page()
    fields: dict[str, Any] = {"target": target.name, "last_error": outcome.error}
    if not outcome.error:
        fields["last_pushed_at"] = timezone.now()
    Address.objects.filter(url=target.address).update(**fields)


def push(folder: Path, targets: list[Target]) -> list[Outcome]:
    if not targets:
        raise ExportError("no buckets to push to: set TAMIZDAT_MIRROR_TARGETS")
    if not (folder / MANIFEST).is_file():
        raise ExportError(f"{folder} holds no Tamizdat copy; run `tamizdat mirror export` first")
    # The version of the copy served now, followed once: an export that swaps in a newer one
    # while this push runs writes into another version, so no bucket gets a mix of the two.
    folder = folder.resolve()
    outcomes = []
    for target in targets:
        try:
            outcome = push_one(folder, target)
        except (BotoCoreError, ClientError, OSError) as error:
            outcome = Outcome(target=target.name, error=_describe(error))
            logger.error("Pushing the copy to %s failed: %s", target.name, outcome.error)
        else:
            logger.info(
                "Pushed the copy to %s: %d uploaded, %d deleted",
                target.name,
                outcome.uploaded,
                outcome.deleted,
            )
        _record(target, outcome)
        outcomes.append(outcome)
    return outcomes
