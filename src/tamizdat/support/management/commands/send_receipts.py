"""`tamizdat send_receipts`: queue the receipts still owed, e.g. after a long mail outage."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from tamizdat.management.arguments import day
from tamizdat.support.models import Payment
from tamizdat.support.tasks import send_receipt


class Command(BaseCommand):
    help = (
        "Queue a receipt for every payment since a date whose receipt was never sent, e.g. "
        "because the worker gave up during a mail outage; `tamizdat worker` sends them. "
        "Payments whose receipt went out are skipped."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--since", required=True, help="YYYY-MM-DD: payments from this day on")

    def handle(self, *args: Any, since: str, **options: Any) -> None:
        start = day(since)
        # The task claims each payment before sending, so a receipt that a retry still in the
        # queue sends first is not sent twice.
        owed = Payment.objects.filter(
            paid_at__gte=start, receipt_sent_at__isnull=True, supporter__shredded_at__isnull=True
        ).values_list("pk", flat=True)
        for payment_id in owed:
            send_receipt.enqueue(payment_id)
        self.stdout.write(f"Receipts queued: {len(owed)}")
