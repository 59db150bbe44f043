"""`tamizdat mirror export DIR [--zip FILE] [--jobs N] [--full]` and `tamizdat mirror push`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tamizdat.mirror import export, extras, push
from tamizdat.mirror.errors import ExportError


class Command(BaseCommand):
    help = "Static copies of the site: export one into a folder, or push it to the buckets."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        make = actions.add_parser("export", help="Write the static copy into DIR.")
        make.add_argument("dir", type=Path)
        make.add_argument("--zip", type=Path, help="Also write the copy as one zip archive.")
        make.add_argument(
            "--jobs",
            type=int,
            default=settings.MIRROR_JOBS,
            help="Processes that render pages (default: TAMIZDAT_MIRROR_JOBS, else the cores).",
        )
        make.add_argument(
            "--full",
            action="store_true",
            help="Render every page, even where the copy in DIR could be brought up to date.",
        )
        push = actions.add_parser("push", help="Upload a copy to TAMIZDAT_MIRROR_TARGETS.")
        push.add_argument(
            "dir", type=Path, nargs="?", help="The copy (default: TAMIZDAT_MIRROR_DIR)."
        )

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        try:
            if action == "export":
                self._export(options["dir"], options["zip"], options["jobs"], options["full"])
            else:
                self._push(options["dir"] or settings.MIRROR_DIR)
        except ExportError as error:
            raise CommandError(str(error)) from None

    def _export(self, folder: Path, archive: Path | None, jobs: int, full: bool) -> None:
        if jobs < 1:
            raise CommandError("--jobs must be at least 1")
        report = export.export(folder, jobs=jobs, full=full)
        kind = "full" if report.full else "incremental"
        self.stdout.write(
            f"Wrote a {kind} copy to {folder}: {report.rendered} pages rendered, "
            f"{report.files} files, {report.bytes} bytes, {report.removed} removed, "
            f"in {report.seconds} s."
        )
        if archive is not None:
            extras.write_zip(folder.resolve(), archive)
            self.stdout.write(f"Wrote {archive}.")

    def _push(self, folder: Path) -> None:
        outcomes = push.push(folder, settings.MIRROR_TARGETS)
        for outcome in outcomes:
            if outcome.error:
                self.stderr.write(f"{outcome.target}: failed: {outcome.error}")
            else:
                self.stdout.write(
                    f"{outcome.target}: {outcome.uploaded} uploaded, {outcome.deleted} deleted"
                )
        failed = [outcome.target for outcome in outcomes if outcome.error]
        if failed:
            raise CommandError(f"the push failed for {', '.join(failed)}; the others have the copy")
