"""`tamizdat rebuild_summaries`: the dashboard's summaries of the payments, computed afresh."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from tamizdat.support import summaries
from tamizdat.support.models import DayTotal, GivingSpan


class Command(BaseCommand):
    help = (
        "Compute the dashboard's summaries (payments per day, each supporter's first and last "
        "gift) afresh from the payments. The ledger keeps them as it goes; this is for rows "
        "written around it, such as a restored or imported ledger."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        summaries.rebuild()
        self.stdout.write(
            f"{DayTotal.objects.count()} day totals, {GivingSpan.objects.count()} supporters."
        )
