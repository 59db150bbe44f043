"""`tamizdat backup DIR`: the database and the uploaded media, into a new folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tamizdat import backups


class Command(BaseCommand):
    help = "Back up the database and the uploaded media into DIR (a new or empty folder)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("dir", type=Path)

    def handle(self, *args: Any, dir: Path, **options: Any) -> None:
        try:
            manifest = backups.backup(dir)
        except backups.BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Backed up the {manifest['engine']} database to {dir}.")
