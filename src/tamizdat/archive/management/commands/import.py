"""`tamizdat import wordpress FILE`: bring a WordPress archive in (see `archive.wordpress`)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tamizdat.archive.posts import Report
from tamizdat.archive.wordpress import WordPressImport
from tamizdat.maintenance import refresh_statistics

BAR_WIDTH = 30


class Command(BaseCommand):
    help = "Import an archive from another publishing system (so far: a WordPress export)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("system", choices=["wordpress"])
        parser.add_argument("file", type=Path, help="The WXR file WordPress exported.")
        parser.add_argument(
            "--uploads",
            type=Path,
            help="A copy of the site's wp-content/uploads folder, for the posts' images.",
        )

    def handle(self, *args: Any, file: Path, uploads: Path | None, **options: Any) -> None:
        if not file.is_file():
            raise CommandError(f"{file} is not a file.")
        if uploads is not None and not uploads.is_dir():
            raise CommandError(f"{uploads} is not a folder.")
        show = self.stderr.isatty() if hasattr(self.stderr, "isatty") else False
        report = WordPressImport(file, uploads, self.progress if show else None).run()
        # Thousands of new articles leave the planner's statistics far behind: refreshed now
        # rather than at the next hourly upkeep.
        refresh_statistics()
        if show:
            self.stderr.write("")
        self.summary(report)
        if report.malformed:
            raise CommandError(f"{file} is {report.malformed}; the items before it were imported.")
        if report.failed:
            sys.exit(1)

    def progress(self, done: int, total: int) -> None:
        filled = BAR_WIDTH * done // max(total, 1)
        self.stderr.write(
            f"\r[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done}/{total}", ending=""
        )
        self.stderr.flush()

    def summary(self, report: Report) -> None:
        self.stdout.write(
            f"Articles: {report.created} new, {report.updated} updated, "
            f"{report.unchanged} unchanged; {report.redirects} old addresses redirected."
        )
        if report.relinked:
            self.stdout.write(
                f"Links to posts imported after them rewritten in {report.relinked} articles."
            )
        for title, lines in (
            ("Skipped", report.skipped),
            ("Failed", report.failed),
            ("Warnings", report.warnings),
        ):
            if lines:
                self.stdout.write(f"{title} ({len(lines)}):")
                for line in lines:
                    self.stdout.write(f"  {line}")
