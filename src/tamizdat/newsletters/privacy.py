"""Subscribers are personal data: exported, forgotten on request, and forgotten once they have
left every newsletter (or their address was suppressed) for `SUPPORT_RETENTION_DAYS`, by the
same `tamizdat shred` and `export_supporter` that serve supporters.

Forgetting deletes the subscriber and their consents; an issue's delivery rows stay, naming
nobody, so its figures stay whole. Confirmation mails still queued name the address in their
arguments: they are deleted too.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.db.models import Exists, Max, OuterRef, Q
from django_tasks_db.models import DBTaskResult

from .models import Subscriber, Subscription


def export(email: str) -> dict[str, Any] | None:
    """Everything kept about the subscriber with this address, or None."""
    subscriber = Subscriber.objects.filter(email=email).first()
    if subscriber is None:
        return None
    subscriptions = subscriber.subscriptions.select_related("newsletter").order_by("consented_at")
    return {
        "email": subscriber.email,
        "language": subscriber.language,
        "first_confirmed": subscriber.created_at.isoformat(),
        "suppressed": subscriber.suppressed_at.isoformat() if subscriber.suppressed_at else None,
        "suppression": subscriber.suppression,
        "subscriptions": [
            {
                "newsletter": subscription.newsletter.name,
                "consented": subscription.consented_at.isoformat(),
                "consent_language": subscription.consent_language,
                "unsubscribed": subscription.unsubscribed_at.isoformat()
                if subscription.unsubscribed_at
                else None,
            }
            for subscription in subscriptions
        ],
        "issues_received": subscriber.deliveries.filter(state="sent").count(),
    }


def forget(email: str) -> bool:
    """Delete the subscriber with this address; whether there was one."""
    from .tasks import send_confirmation

    with transaction.atomic():
        pending = DBTaskResult.objects.filter(task_path=send_confirmation.module_path)
        naming = [
            row.pk for row in pending.only("pk", "args_kwargs") if email in str(row.args_kwargs)
        ]
        DBTaskResult.objects.filter(pk__in=naming).delete()
        deleted, _ = Subscriber.objects.filter(email=email).delete()
    return bool(deleted)


def lapsed(cutoff: datetime.datetime) -> Any:
    """Subscribers who receive nothing since before `cutoff`: unsubscribed from everything
    that long ago, or suppressed that long ago."""
    active = Subscription.objects.filter(subscriber=OuterRef("pk"), unsubscribed_at__isnull=True)
    left = (
        Subscriber.objects.annotate(
            receiving=Exists(active), left_at=Max("subscriptions__unsubscribed_at")
        )
        .filter(receiving=False)
        .filter(Q(left_at__lt=cutoff) | Q(left_at__isnull=True, created_at__lt=cutoff))
    )
    suppressed = Subscriber.objects.filter(suppressed_at__lt=cutoff)
    return Subscriber.objects.filter(
        Q(pk__in=left.values("pk")) | Q(pk__in=suppressed.values("pk"))
    )
