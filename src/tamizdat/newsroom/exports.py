"""CSV exports of a period for accounting: contributions, payments, plans, and the dashboard's
figures month by month.

Amounts are written in major units with the currency's own decimals ("25.00", "2500" for
yen) beside their currency code. A shredded supporter's rows keep their amounts, dates and
references and lose the e-mail address and name. Text a supporter or staff typed is written
so that a spreadsheet never reads it as a formula.
"""

from __future__ import annotations

import csv
import datetime
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from tamizdat.support import money
from tamizdat.support.models import Contribution, Payment, RecurringPlan, Supporter

from .dashboard import by_month
from .periods import Period

# A cell starting with one of these is a formula to a spreadsheet.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def text(value: object) -> str:
    written = "" if value is None else str(value)
    return f"'{written}" if written.startswith(_FORMULA_START) else written


def amount(minor: int | None, currency: str) -> str:
    if minor is None:
        return ""
    digits = money.exponent(currency)
    return f"{money.to_major(minor, currency):.{digits}f}"


def moment(value: datetime.datetime | None) -> str:
    return timezone.localtime(value).isoformat() if value else ""


def who(supporter: Supporter) -> list[str]:
    """The supporter's id, address and name, or only the id once they are shredded."""
    if supporter.shredded_at:
        return [str(supporter.pk), "", "", "yes"]
    return [str(supporter.pk), text(supporter.email), text(supporter.name), "no"]


SUPPORTER_COLUMNS = ["supporter_id", "email", "name", "shredded"]


@dataclass(frozen=True)
class Export:
    name: str
    header: list[str]
    rows: Callable[[Period], Iterable[list[str]]]


def contribution_rows(period: Period) -> Iterator[list[str]]:
    started = Contribution.objects.filter(created_at__gte=period.start, created_at__lt=period.end)
    for row in started.select_related("supporter").order_by("created_at", "pk").iterator(2000):
        yield [
            row.reference,
            moment(row.created_at),
            moment(row.paid_at),
            row.status,
            row.frequency,
            amount(row.amount, row.currency),
            amount(row.fee_amount, row.currency),
            amount(row.total, row.currency),
            row.currency,
            row.provider,
            row.language,
            text(row.campaign),
            text(row.variant),
            *who(row.supporter),
        ]


def payment_rows(period: Period) -> Iterator[list[str]]:
    paid = Payment.objects.filter(paid_at__gte=period.start, paid_at__lt=period.end)
    related = paid.select_related("supporter", "contribution", "plan__contribution")
    for row in related.order_by("paid_at", "pk").iterator(2000):
        yield [
            row.receipt_number,
            moment(row.paid_at),
            row.kind,
            amount(row.amount, row.currency),
            amount(row.refunded_amount, row.currency),
            amount(row.net_amount, row.currency),
            row.currency,
            moment(row.refunded_at),
            row.provider,
            text(row.provider_payment_id),
            row.reference,
            str(row.plan_id or ""),
            *who(row.supporter),
        ]


def plan_rows(period: Period) -> Iterator[list[str]]:
    """Plans that existed during the period: started before its end, not canceled before
    its start."""
    alive = RecurringPlan.objects.filter(created_at__lt=period.end).filter(
        Q(canceled_at__isnull=True) | Q(canceled_at__gte=period.start)
    )
    for row in alive.select_related("supporter").order_by("created_at", "pk").iterator(2000):
        yield [
            str(row.pk),
            moment(row.created_at),
            row.status,
            row.interval,
            amount(row.amount, row.currency),
            row.currency,
            row.provider,
            text(row.provider_plan_id),
            moment(row.current_period_end),
            moment(row.canceled_at),
            *who(row.supporter),
        ]


def month_rows(period: Period) -> Iterator[list[str]]:
    """The dashboard's figures for each month of the period, in the goal's currency."""
    for month in by_month(period, timezone.now()):
        currency = month.currency
        recurring = month.figures.recurring
        moved = recurring.movement
        once = month.figures.one_time
        refunds = month.figures.refunds
        yield [
            f"{month.goal.month.first_day:%Y-%m}",
            currency,
            amount(month.goal.goal, currency),
            amount(month.goal.raised, currency),
            "yes" if month.goal.met else "no",
            amount(recurring.mrr, currency),
            amount(recurring.arr, currency),
            *(
                amount(value, currency)
                for value in (
                    moved.new,
                    moved.reactivation,
                    moved.expansion,
                    moved.contraction,
                    moved.churn,
                    moved.net,
                )
            ),
            str(recurring.active.supporters),
            str(recurring.churned),
            str(once.count),
            amount(once.gross, currency),
            amount(once.refunded, currency),
            str(refunds.count),
            amount(refunds.amount, currency),
            amount(month.figures.revenue, currency),
        ]


EXPORTS = {
    export.name: export
    for export in (
        Export(
            "contributions",
            [
                "reference",
                "started",
                "paid",
                "status",
                "frequency",
                "amount",
                "fees_covered",
                "total",
                "currency",
                "payment_method",
                "language",
                "campaign",
                "variant",
                *SUPPORTER_COLUMNS,
            ],
            contribution_rows,
        ),
        Export(
            "payments",
            [
                "receipt",
                "paid",
                "kind",
                "amount",
                "refunded",
                "net",
                "currency",
                "refunded_at",
                "payment_method",
                "processor_payment_id",
                "reference",
                "plan_id",
                *SUPPORTER_COLUMNS,
            ],
            payment_rows,
        ),
        Export(
            "plans",
            [
                "plan_id",
                "started",
                "status",
                "interval",
                "amount",
                "currency",
                "payment_method",
                "processor_plan_id",
                "next_renewal",
                "canceled",
                *SUPPORTER_COLUMNS,
            ],
            plan_rows,
        ),
        Export(
            "months",
            [
                "month",
                "currency",
                "goal",
                "raised",
                "goal_met",
                "mrr",
                "arr",
                "new_mrr",
                "reactivation_mrr",
                "expansion_mrr",
                "contraction_mrr",
                "churned_mrr",
                "net_new_mrr",
                "active_recurring_supporters",
                "churned_plans",
                "one_time_gifts",
                "one_time_sum",
                "one_time_refunded",
                "refunds",
                "refunded",
                "revenue_less_refunds",
            ],
            month_rows,
        ),
    )
}


class _Echo:
    """A file that hands back what is written to it, for streaming csv rows."""

    def write(self, value: str) -> str:
        return value


def stream(export: Export, period: Period) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(export.header)
    for row in export.rows(period):
        yield writer.writerow(row)


def filename(export: Export, period: Period) -> str:
    last = f"{period.last.first_day:%Y-%m}"
    span = period.key() if period.length == 1 else f"{period.key()}_{last}"
    return f"tamizdat-{export.name}-{span}.csv"
