"""Backups of the newsroom: the database and the uploaded media, into one folder, and back.

SQLite is copied with its online backup API, a consistent copy even while the site serves and
the worker writes (a plain file copy of a database in WAL mode can be torn). PostgreSQL is
dumped with `pg_dump` in its custom format and restored with `pg_restore`. Media on the local
disk are copied beside it; media in an object store are the store's to keep (versioning).

A backup folder holds `database.sqlite3` or `database.pgdump`, `media/`, and `backup.json`,
which says what is inside so that a restore can refuse a backup of the other engine.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections
from django.utils import timezone

MANIFEST = "backup.json"


class BackupError(Exception):
    """A backup or a restore that cannot go ahead; the message says why, in one line."""


def _database() -> dict[str, Any]:
    return connections["default"].settings_dict


def _engine() -> str:
    engine = _database()["ENGINE"]
    if engine.endswith("sqlite3"):
        return "sqlite"
    if "postgresql" in engine:
        return "postgresql"
    raise BackupError(f"Backups support SQLite and PostgreSQL, not {engine}.")


def _local_media() -> Path | None:
    backend = settings.STORAGES["default"]["BACKEND"]
    return Path(settings.MEDIA_ROOT) if backend.endswith("FileSystemStorage") else None


def _pg_command(program: str) -> tuple[list[str], dict[str, str]]:
    db = _database()
    args = [program, "--no-owner", "--dbname", db["NAME"]]
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if db.get(key):
            args += [flag, str(db[key])]
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]  # never on the command line, where `ps` shows it
    return args, env


def _run(args: list[str], env: dict[str, str]) -> None:
    try:
        subprocess.run(args, env=env, check=True, capture_output=True, text=True)
    except FileNotFoundError as error:
        raise BackupError(f"{args[0]} is not installed (Debian: postgresql-client).") from error
    except subprocess.CalledProcessError as error:
        last = (error.stderr or "").strip().splitlines()[-1:] or ["no message"]
        raise BackupError(f"{args[0]} failed: {last[0]}") from error


def backup(target: Path) -> dict[str, Any]:
    """Write a backup into `target`, a folder that must not exist yet or be empty."""
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise BackupError(f"{target} is not an empty folder; choose a new one.")
    engine = _engine()
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise BackupError(f"Cannot create {target}: {error.strerror}.") from error
    if engine == "sqlite":
        source = sqlite3.connect(_database()["NAME"])
        copy = sqlite3.connect(target / "database.sqlite3")
        with copy:
            source.backup(copy)
        source.close()
        copy.close()
    else:
        args, env = _pg_command("pg_dump")
        _run([*args, "--format", "custom", "--file", str(target / "database.pgdump")], env)
    media = _local_media()
    if media is not None and media.is_dir():
        shutil.copytree(media, target / "media")
    manifest = {
        "created_at": timezone.now().isoformat(),
        "engine": engine,
        "media": media is not None,
    }
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def restore(source: Path) -> dict[str, Any]:
    """Replace the database (and the local media) with the backup in `source`."""
    try:
        manifest = json.loads((source / MANIFEST).read_text())
    except (OSError, ValueError) as error:
        raise BackupError(f"{source} holds no Tamizdat backup ({MANIFEST} is missing).") from error
    engine = _engine()
    if manifest.get("engine") != engine:
        raise BackupError(
            f"This backup is of a {manifest.get('engine')} database; this site uses {engine}."
        )
    connections.close_all()
    if engine == "sqlite":
        saved = sqlite3.connect(source / "database.sqlite3")
        live = sqlite3.connect(_database()["NAME"])
        with live:
            saved.backup(live)
        saved.close()
        live.close()
    else:
        args, env = _pg_command("pg_restore")
        _run([*args, "--clean", "--if-exists", str(source / "database.pgdump")], env)
    media = _local_media()
    if media is not None and (source / "media").is_dir():
        shutil.rmtree(media, ignore_errors=True)
        shutil.copytree(source / "media", media)
    return manifest
