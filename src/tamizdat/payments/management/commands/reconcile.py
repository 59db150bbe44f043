"""`tamizdat reconcile`: compare the ledger with the processors' objects and repair drift."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tamizdat.management.arguments import day
from tamizdat.payments.base import ProviderError
from tamizdat.payments.registry import enabled_providers


class Command(BaseCommand):
    help = (
        "Compare the ledger with each payment processor for a period (default: the last 7 "
        "days); report drift, and repair it with --repair."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--since", help="YYYY-MM-DD (default: 7 days ago)")
        parser.add_argument("--until", help="YYYY-MM-DD (default: now)")
        parser.add_argument(
            "--repair", action="store_true", help="Apply the processor's state to the ledger."
        )

    def handle(
        self, *args: Any, since: str | None, until: str | None, repair: bool, **options: Any
    ) -> None:
        end = day(until) + timedelta(days=1) if until else datetime.now(UTC)
        start = day(since) if since else end - timedelta(days=7)
        drifted = 0
        for provider in enabled_providers():
            try:
                report = provider.reconcile(start, end, repair=repair)
            except ProviderError as exc:
                raise CommandError(f"{provider.identifier}: {exc}") from exc
            drifted += len(report.drift)
            for line in report.drift:
                self.stdout.write(f"{provider.identifier}: {line}")
            self.stdout.write(
                f"{provider.identifier}: {report.checked} checked, {len(report.drift)} drifted, "
                f"{len(report.repaired)} repaired"
            )
        if drifted and not repair:
            self.stderr.write("Drift found; run again with --repair to fix the ledger.")
            raise SystemExit(1)
