"""`tamizdat export_supporter --email …`: everything kept about a supporter, as JSON."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tamizdat.newsletters import privacy as newsletter_privacy
from tamizdat.support import privacy
from tamizdat.support.models import Supporter, normalize_email


class Command(BaseCommand):
    help = "Print, as JSON, everything kept about one supporter or subscriber (a data request)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--email", required=True)

    def handle(self, *args: Any, email: str, **options: Any) -> None:
        email = normalize_email(email)
        supporter = Supporter.objects.filter(email=email).first()
        if supporter is not None:
            data = privacy.export(supporter)
        elif subscription := newsletter_privacy.export(email):
            data = {"newsletters": subscription}  # a reader who never gave
        else:
            raise CommandError(f"no supporter or subscriber with the e-mail {email}")
        self.stdout.write(json.dumps(data, indent=2, ensure_ascii=False))
