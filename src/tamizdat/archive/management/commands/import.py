"""`tamizdat import wordpress FILE`: bring a WordPress archive in (see `archive.wordpress`)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tamizdat.archive.files import Uploads
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
        parser.add_argument(
            "--download-from",
            default="",
            metavar="URL",
            help="The old site's address (https://…), to download the media files the uploads "
            "folder does not have from.",
        )
        parser.add_argument(
            "--download-timeout",
            type=float,
            default=20.0,
            metavar="SECONDS",
            help="How long one file may take to download (default 20).",
        )
        parser.add_argument(
            "--download-max-mb",
            type=float,
            default=50.0,
            metavar="MB",
            help="The largest file downloaded, in megabytes (default 50).",
        )

    def handle(
        self,
        *args: Any,
        file: Path,
        uploads: Path | None,
        download_from: str,
        download_timeout: float,
        download_max_mb: float,
        **options: Any,
    ) -> None:
        if not file.is_file():
            raise CommandError(f"{file} is not a file.")
        if uploads is not None and not uploads.is_dir():
            raise CommandError(f"{uploads} is not a folder.")
        if download_from and urlsplit(download_from).scheme not in ("http", "https"):
            raise CommandError(f"{download_from} is not an http:// or https:// address.")
        if download_timeout <= 0 or download_max_mb <= 0:
            raise CommandError("The download's timeout and largest size must be above zero.")
        files = Uploads(
            uploads,
            download_from,
            timeout=download_timeout,
            max_bytes=int(download_max_mb * 1024 * 1024),
        )
        show = self.stderr.isatty() if hasattr(self.stderr, "isatty") else False
        report = WordPressImport(file, files, self.progress if show else None).run()
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
