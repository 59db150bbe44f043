from typing import Any

from django.apps import AppConfig


def _count_decline(sender: str, **kwargs: Any) -> None:
    from . import defence

    defence.note_decline()


class SupportConfig(AppConfig):
    name = "tamizdat.support"

    def ready(self) -> None:
        from tamizdat.payments.signals import card_declined

        card_declined.connect(_count_decline, dispatch_uid="tamizdat.support.card_declined")
