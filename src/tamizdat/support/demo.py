"""Demo supporters for the demo newsroom, so the funding goal and the campaign results show
what a newsroom a few years into reader funding sees. Every address is at example.org and every
processor id says "demo"; nothing here was ever charged.
"""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from . import ledger
from .ledger import Actor, Frequency, Payment

MONTHLY = (500, 1000, 1000, 2000, 500)  # minor units, cycled
ANNUAL = (6000, 12000, 10000)
ONCE = (1000, 2500, 5000, 1000)
CURRENCIES = ("USD", "USD", "EUR", "USD", "GBP")


def load(attributions: Sequence[tuple[str, str]] = ()) -> dict[str, int]:
    """Plans and this month's one-time gifts; every third gift credited to one of the given
    (campaign id, variant key) pairs, as if it came through that campaign's appeal."""
    now = timezone.now()
    month_start = timezone.localtime(now).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    credits = itertools.cycle([*attributions, ("", ""), ("", "")] if attributions else [("", "")])
    counter = itertools.count(1)
    made = {Frequency.MONTH: 0, Frequency.YEAR: 0, Frequency.ONCE: 0}
    for amounts, frequency, count in (
        (MONTHLY, Frequency.MONTH, 400),
        (ANNUAL, Frequency.YEAR, 60),
        (ONCE, Frequency.ONCE, 60),
    ):
        for index in range(count):
            number = next(counter)
            # Gifts are spread over the month so far; plans started at some point last year.
            paid_at = month_start + (now - month_start) * (index + 1) / (count + 1)
            if frequency != Frequency.ONCE:
                paid_at = now - datetime.timedelta(days=30 + number % 300)
            _give(
                number,
                amounts[index % len(amounts)],
                CURRENCIES[index % len(CURRENCIES)],
                frequency,
                paid_at,
                next(credits),
            )
            made[frequency] += 1
    return {str(frequency): count for frequency, count in made.items()}


@transaction.atomic  # the ledger locks the rows it moves
def _give(
    number: int,
    amount: int,
    currency: str,
    frequency: str,
    paid_at: datetime.datetime,
    credit: tuple[str, str],
) -> None:
    """One supporter's gift, through the ledger as if Stripe had reported it."""
    actor = Actor.system("demo")
    supporter = ledger.supporter_for(
        f"reader{number}@example.org", language="ru" if number % 3 == 0 else "en", anonymous=False
    )
    contribution = ledger.start_contribution(
        supporter,
        frequency=frequency,
        amount=amount,
        currency=currency,
        provider="stripe",
        language=supporter.language,
        campaign=credit[0],
        variant=credit[1],
        actor=actor,
    )
    ledger.checkout_opened(contribution, f"cs_demo_{number}", actor)
    plan = None
    if frequency != Frequency.ONCE:
        period = datetime.timedelta(days=31 if frequency == Frequency.MONTH else 366)
        plan = ledger.plan_for(
            contribution,
            provider_plan_id=f"sub_demo_{number}",
            customer_id="",
            as_of=paid_at,
            actor=actor,
        )
        ledger.apply_plan_state(
            plan, as_of=paid_at, actor=actor, period_end=timezone.now() + period / 2
        )
    ledger.record_payment(
        contribution=contribution,
        plan=plan,
        kind=Payment.Kind.ONCE if plan is None else Payment.Kind.FIRST,
        provider="stripe",
        provider_payment_id=f"pi_demo_{number}",
        amount=amount,
        currency=currency,
        paid_at=paid_at,
        actor=actor,
        receipt=False,
    )
    ledger.mark_paid(contribution, paid_at, actor)
