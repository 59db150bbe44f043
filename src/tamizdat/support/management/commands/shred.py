"""`tamizdat shred`: forget supporters' personal data, on request or once they have lapsed."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tamizdat.newsletters import privacy as newsletter_privacy
from tamizdat.newsletters.models import Subscriber
from tamizdat.payments import webhooks
from tamizdat.payments.base import ProviderError
from tamizdat.support import ledger, privacy
from tamizdat.support.models import Supporter, normalize_email


class Command(BaseCommand):
    help = (
        "Shred the personal data of one supporter or subscriber (--email, on their request) or "
        "of every supporter who has lapsed (--lapsed: no running plan and nothing paid for "
        "TAMIZDAT_RETENTION_DAYS) and every subscriber who left or was suppressed as long ago, "
        "and empty webhook payloads as old. Amounts stay in the books."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        who = parser.add_mutually_exclusive_group(required=True)
        who.add_argument("--email", help="the supporter who asked to be forgotten")
        who.add_argument("--lapsed", action="store_true", help="everyone past the retention")
        parser.add_argument(
            "--dry-run", action="store_true", help="Only count who would be shredded."
        )

    def handle(
        self, *args: Any, email: str | None, lapsed: bool, dry_run: bool, **options: Any
    ) -> None:
        cutoff = privacy.retention_cutoff()
        if email is not None:
            email = normalize_email(email)
            supporters = list(Supporter.objects.filter(email=email))
            subscribers = list(Subscriber.objects.filter(email=email))
            if not supporters and not subscribers:
                raise CommandError(f"no supporter or subscriber with the e-mail {email}")
        else:
            supporters = list(privacy.lapsed(cutoff))
            subscribers = list(newsletter_privacy.lapsed(cutoff))
        if dry_run:
            self.stdout.write(f"Would shred: {len(supporters)} supporter(s)")
            self.stdout.write(f"Would forget: {len(subscribers)} subscriber(s)")
            return
        forgotten = sum(newsletter_privacy.forget(s.email) for s in subscribers)
        self.stdout.write(f"Subscribers forgotten: {forgotten}")
        if lapsed:
            # First, so that each shred below scans only the payloads newer than the cutoff
            # for copies that name its supporter.
            emptied = webhooks.empty_old_payloads(cutoff)
            self.stdout.write(f"Webhook payloads emptied: {emptied}")
        shredded = 0
        for supporter in supporters:
            try:
                privacy.shred(supporter, ledger.Actor.command("shred"))
            except privacy.StillSupporting as exc:
                message = f"{exc} has a running plan or an open checkout: it must end first"
                if email is not None:
                    raise CommandError(message) from exc
                self.stderr.write(message)  # it started again since the list was made
                continue
            except ProviderError as exc:
                # The processor could not be reached: keep going, the next run tries again.
                self.stderr.write(f"supporter {supporter.pk}: {exc}")
                continue
            shredded += 1
        self.stdout.write(f"Shredded: {shredded} supporter(s)")
