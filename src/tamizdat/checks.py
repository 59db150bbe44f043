"""System checks for a deployment: what `tamizdat serve` and `tamizdat worker` warn about at
start when the settings do not fit together."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Warning, register


@register()
def mail_leaves_the_machine(**kwargs: Any) -> list[Warning]:
    """With Redis the site runs on several machines, where mail written to a worker's own data
    directory reaches nobody and is found by nobody."""
    on_several_machines = "redis" in settings.CACHES["default"]["BACKEND"]
    if on_several_machines and settings.EMAIL_BACKEND.endswith("filebased.EmailBackend"):
        return [
            Warning(
                "REDIS_URL is set but TAMIZDAT_SMTP_URL is not: receipts and sign-in links "
                "are written to each worker's own data directory and never sent.",
                hint="Set TAMIZDAT_SMTP_URL to the mail server every worker sends through.",
                id="tamizdat.W001",
            )
        ]
    return []
