"""`tamizdat restore DIR --yes`: put a backup made by `tamizdat backup` back in place."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tamizdat import backups
from tamizdat.web.purge import purge_every_page


class Command(BaseCommand):
    help = (
        "Replace the database and the uploaded media with the backup in DIR. Stop the web "
        "servers and workers first."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("dir", type=Path)
        parser.add_argument(
            "--yes", action="store_true", help="Confirm that the current data is to be replaced."
        )

    def handle(self, *args: Any, dir: Path, yes: bool, **options: Any) -> None:
        if not yes:
            raise CommandError("This replaces every row and every upload; add --yes to go ahead.")
        try:
            manifest = backups.restore(dir)
        except backups.BackupError as error:
            raise CommandError(str(error)) from None
        purge_every_page()  # cached pages may show what came after the backup
        self.stdout.write(f"Restored the backup made at {manifest['created_at']}.")
