"""Summaries of the ledger for the dashboard: payments per day (`DayTotal`) and each
supporter's span of giving (`GivingSpan`).

The ledger updates them in the same transaction as the payment, refund or change of plan
they follow, so they never disagree with the rows they sum. `rebuild` computes them afresh
from the payments (a data migration filled them so; `manage.py rebuild_summaries` does it
again), and gives what the ledger's updates give.

A payment counts on its day, and its refunds with it, as the figures count a period's
payments "less what was refunded of them", whenever refunded. Days are calendar days in the
newsroom's time zone, recorded beside each row: every period the dashboard reports on is a run
of whole months in that zone, hence of whole such days, so its sums are exact; hours in UTC
would not be for a zone half or three quarters of an hour off UTC. Rows kept for another zone
(the setting changed) are rebuilt before they are read (`ensure_current_zone`).
"""

from __future__ import annotations

import datetime
import zoneinfo

from django.apps import apps as installed_apps
from django.apps.registry import Apps
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Max, Min, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncDate

from .models import DayTotal, Frequency, GivingSpan, Payment

# The language a payment was given in: a renewal has no contribution of its own.
LANGUAGE = Coalesce("contribution__language", "plan__contribution__language")
DAY_KEY = ("currency", "provider", "kind", "language")


def zone() -> str:
    return settings.TIME_ZONE


def days(first: datetime.date, last: datetime.date) -> QuerySet[DayTotal]:
    """The day totals of the days first to last (both included), in the newsroom's zone."""
    return DayTotal.objects.filter(zone=zone(), day__gte=first, day__lte=last)


def _span() -> dict[str, Min | Max]:
    return {
        "first_at": Min("paid_at"),
        "last_at": Max("paid_at"),
        "last_annual_at": Max("paid_at", filter=Q(plan__interval=Frequency.YEAR)),
    }


def _kept(payments: QuerySet) -> QuerySet:
    """Payments not wholly refunded: what keeps a supporter counted as giving."""
    return payments.filter(amount__gt=F("refunded_amount"))


# -- kept by the ledger --------------------------------------------------------------------


def _add_to_day(payment: Payment, **deltas: int) -> None:
    key = Payment.objects.filter(pk=payment.pk).annotate(language=LANGUAGE).values(*DAY_KEY).get()
    key["language"] = key["language"] or ""
    local = payment.paid_at.astimezone(zoneinfo.ZoneInfo(zone()))
    key |= {"zone": zone(), "day": local.date()}
    increments = {field: F(field) + value for field, value in deltas.items()}
    if DayTotal.objects.filter(**key).update(**increments):
        return
    try:
        with transaction.atomic():
            DayTotal.objects.create(**key, **deltas)
    except IntegrityError:  # another transaction made the day's row first
        DayTotal.objects.filter(**key).update(**increments)


def payment_recorded(payment: Payment) -> None:
    """A new payment: its day's totals and its supporter's span."""
    _add_to_day(payment, payments=1, amount=payment.amount, refunded=payment.refunded_amount)
    refresh_span(payment.supporter_id)


def refund_recorded(payment: Payment, more: int) -> None:
    """`more` of `payment` refunded: its day's totals, and the span it may end."""
    _add_to_day(payment, refunded=more)
    refresh_span(payment.supporter_id)


def refresh_span(supporter_id: int) -> None:
    """The supporter's span, from their own payments (also after a plan changed interval,
    which decides whether its payments count as annual)."""
    found = _kept(Payment.objects.filter(supporter_id=supporter_id)).aggregate(**_span())
    if found["first_at"] is None:
        GivingSpan.objects.filter(supporter_id=supporter_id).delete()
    else:
        GivingSpan.objects.update_or_create(supporter_id=supporter_id, defaults=found)


# -- rebuilt from the payments --------------------------------------------------------------


@transaction.atomic
def rebuild(apps: Apps = installed_apps) -> None:
    """Both summaries afresh from every payment, in the newsroom's present time zone; with a
    migration's `apps`, from the models as that migration knows them."""
    payment_model = apps.get_model("support", "Payment")
    day_model = apps.get_model("support", "DayTotal")
    span_model = apps.get_model("support", "GivingSpan")
    day_model.objects.all().delete()
    span_model.objects.all().delete()
    local_day = TruncDate("paid_at", tzinfo=zoneinfo.ZoneInfo(zone()))
    per_day = (
        payment_model.objects.annotate(local_day=local_day, language=LANGUAGE)
        .values("local_day", *DAY_KEY)
        .annotate(payments=Count("pk"), amount=Sum("amount"), refunded=Sum("refunded_amount"))
        .order_by()
    )
    day_model.objects.bulk_create(
        (
            day_model(
                zone=zone(),
                day=row.pop("local_day"),
                **(row | {"language": row["language"] or ""}),
            )
            for row in per_day.iterator()
        ),
        batch_size=2000,
    )
    spans = _kept(payment_model.objects.all()).values("supporter").annotate(**_span()).order_by()
    span_model.objects.bulk_create(
        (span_model(supporter_id=row.pop("supporter"), **row) for row in spans.iterator()),
        batch_size=2000,
    )


def ensure_current_zone() -> None:
    """Day totals kept for another time zone (the newsroom's setting changed) are rebuilt for
    this one, once, before anything reads them."""
    if DayTotal.objects.exclude(zone=zone()).exists():
        rebuild()
