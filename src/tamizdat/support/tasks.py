"""Background work of reader revenue: e-mails, run by `tamizdat worker` (or at once in tests)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from . import mail
from .models import Payment


@task()
def send_receipt(payment_id: int) -> bool:
    """Send a payment's receipt exactly once: the payment is claimed before the mail goes out
    and released again only if sending failed, so a retried task can try again."""
    claimed = Payment.objects.filter(pk=payment_id, receipt_sent_at__isnull=True).update(
        receipt_sent_at=timezone.now()
    )
    if not claimed:
        return False
    payment = Payment.objects.select_related("supporter", "plan").get(pk=payment_id)
    if payment.supporter.shredded_at:
        return False
    try:
        mail.send_receipt(payment)
    except Exception:
        with transaction.atomic():
            Payment.objects.filter(pk=payment_id).update(receipt_sent_at=None)
        raise
    return True


@task()
def send_manage_link(supporter_id: int) -> None:
    from .models import Supporter

    supporter = Supporter.objects.get(pk=supporter_id)
    mail.send_manage_link(supporter)


@task()
def send_confirmation(contribution_id: int) -> None:
    from .models import Contribution

    mail.send_confirmation(Contribution.objects.select_related("supporter").get(pk=contribution_id))
