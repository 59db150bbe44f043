"""A lock that one caller holds while every other goes on without waiting for it, shared by
every process and node that share the default cache.

Redis (many machines) and the in-memory cache of one process add a key atomically, so the one
whose `cache.add` succeeds holds the lock. Django's file cache does not: its `add` looks, then
writes, and two processes can both win. On one machine with the file cache the lock is an
advisory `flock` on a file beside the cache's own, which the system releases when its holder
closes it or dies.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.core.cache import cache


def _lock_folder() -> Path | None:
    config = settings.CACHES["default"]
    if not config["BACKEND"].endswith("filebased.FileBasedCache"):
        return None
    return Path(config["LOCATION"]) / "locks"


@contextlib.contextmanager
def held_by_one(name: str, seconds: int) -> Iterator[bool]:
    """Yields True to the one caller that holds `name`, and False to every other while it
    does. `seconds` bounds how long a holder that died keeps it where nothing else can tell
    (a key in the cache); a file lock ends with its holder's process."""
    folder = _lock_folder()
    if folder is None:
        key = f"lock:{name}"
        held = cache.add(key, True, seconds)
        try:
            yield held
        finally:
            if held:
                cache.delete(key)
        return
    descriptor = _open_lock_file(folder, name)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        # Closing the file releases its lock.
        os.close(descriptor)


def add_once(key: str, value: object, seconds: int) -> bool:
    """`cache.add` that only one of several processes wins, also on the file cache: there
    the look and the write happen under an exclusive `flock` of the key's lock file."""
    folder = _lock_folder()
    if folder is None:
        return cache.add(key, value, seconds)
    descriptor = _open_lock_file(folder, key)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)  # held for one look and one write
        return cache.add(key, value, seconds)
    finally:
        os.close(descriptor)


def _open_lock_file(folder: Path, name: str) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    # One small file per name, kept: a file removed while another process opens it would let
    # two callers lock two different files of the same name.
    path = folder / f"{hashlib.sha256(name.encode()).hexdigest()[:32]}.lock"
    return os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
