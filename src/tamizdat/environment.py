"""Reading the environment for `settings`: typed values, the database address and the secret
key, each refused in one line naming its variable when it is malformed."""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None


def database(data_dir: Path) -> dj_database_url.DBConfig:
    url = os.environ.get("DATABASE_URL", f"sqlite:///{data_dir / 'tamizdat.sqlite3'}")
    try:
        return dj_database_url.parse(
            url, conn_max_age=env_int("TAMIZDAT_DB_CONN_MAX_AGE", 60), conn_health_checks=True
        )
    except ValueError:
        # The URL may hold a password: it is not repeated.
        raise ImproperlyConfigured(
            "DATABASE_URL is not a database address such as postgres://user:pass@host/db."
        ) from None


def secret_key(data_dir: Path) -> str:
    """The secret key from the environment, or one kept in the data directory for a lone machine."""
    if key := os.environ.get("TAMIZDAT_SECRET_KEY"):
        return key
    from django.core.management.utils import get_random_secret_key

    key_file = data_dir / "secret_key"
    if not key_file.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        key_file.write_text(get_random_secret_key())
        key_file.chmod(0o600)
    return key_file.read_text().strip()
