"""`tamizdat export_supporter --email …`: everything kept about a supporter, as JSON."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tamizdat.support import privacy
from tamizdat.support.models import Supporter, normalize_email


class Command(BaseCommand):
    help = "Print, as JSON, everything the ledger keeps about one supporter (a data request)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--email", required=True)

    def handle(self, *args: Any, email: str, **options: Any) -> None:
        supporter = Supporter.objects.filter(email=normalize_email(email)).first()
        if supporter is None:
            raise CommandError(f"no supporter with the e-mail {email}")
        self.stdout.write(json.dumps(privacy.export(supporter), indent=2, ensure_ascii=False))
