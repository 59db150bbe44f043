"""Command-line arguments that several `tamizdat` commands take."""

from __future__ import annotations

from datetime import UTC, datetime

from django.core.management.base import CommandError


def day(text: str) -> datetime:
    """The start of a day written YYYY-MM-DD, in UTC; a clear error for anything else."""
    try:
        return datetime.fromisoformat(text).replace(tzinfo=UTC)
    except ValueError as exc:
        raise CommandError(f"not a date: {text} (use YYYY-MM-DD)") from exc
