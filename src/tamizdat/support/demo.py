"""Demo supporters for the demo newsroom: a year and a half of reader revenue, so the funding
goal, the campaign results and the dashboard show what a newsroom a few years into reader
funding sees. Plans start, renew, go up and down, fail and recover, stop and start again;
one-time gifts come by card and by bank transfer, more of them during the campaigns' drives;
some are refunded. Every address is at example.org and every processor id says "demo";
nothing here was ever charged, and nothing is mailed.

The history is the same on every load (a seeded generator), dated back from the moment of the
load, and written through the ledger exactly as processors' facts would be.
"""

from __future__ import annotations

import datetime
import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from . import ledger
from .ledger import Actor, Frequency, Payment, PlanStatus
from .models import Contribution, RecurringPlan, Supporter

MONTHS = 18
MONTHLY = (500, 1000, 1000, 2000, 500, 1500)  # minor units
ANNUAL = (6000, 12000, 10000)
ONCE = (1000, 2500, 5000, 1000, 2000, 10000)
CURRENCIES = ("USD", "USD", "EUR", "USD", "GBP", "EUR")
# Months (counted back from this one) of the campaigns' drives: more gifts, credited to them.
DRIVES = {0, 1, 5, 6, 11, 12, 17}
SEED = 2026
ACTOR = Actor.system("demo")


@dataclass
class Clock:
    """The load's own moment and the start of each demo month before it."""

    now: datetime.datetime

    def month_start(self, back: int) -> datetime.datetime:
        local = timezone.localtime(self.now)
        index = local.year * 12 + local.month - 1 - back
        return local.replace(
            year=index // 12, month=index % 12 + 1, day=1, hour=0, minute=0, second=0, microsecond=0
        )

    def moment_in(self, back: int, rng: random.Random) -> datetime.datetime:
        """A moment in month `back` (0: this one, up to now)."""
        start = self.month_start(back)
        end = self.now if back == 0 else self.month_start(back - 1)
        return start + (end - start) * rng.uniform(0.02, 0.98)


def load(attributions: Sequence[tuple[str, str]] = ()) -> dict[str, int]:
    """The whole history; returns how many plans, gifts and refunds it made."""
    rng = random.Random(SEED)
    clock = Clock(timezone.now())
    numbers = itertools.count(1)
    made = {"plans": 0, "gifts": 0, "refunds": 0}
    started: dict[int, datetime.datetime] = {}  # contribution id → when it was started
    for back in range(MONTHS - 1, -1, -1):
        credits = list(attributions) if back in DRIVES and attributions else [("", "")]
        for _ in range(8 + (MONTHS - back) // 2):
            number = next(numbers)
            at = clock.moment_in(back, rng)
            credit = rng.choice(credits) if rng.random() < 0.6 else ("", "")
            _plan_story(number, at, clock, rng, credit, started)
            made["plans"] += 1
        gifts = 25 + (45 if back in DRIVES else 0)
        for _ in range(gifts):
            number = next(numbers)
            at = clock.moment_in(back, rng)
            credit = rng.choice(credits) if rng.random() < 0.5 else ("", "")
            made["refunds"] += _gift(number, at, clock, rng, credit, started)
            made["gifts"] += 1
    _date_back(started)
    return made


def _supporter(number: int, rng: random.Random) -> Supporter:
    return ledger.supporter_for(
        f"reader{number}@example.org",
        language="ru" if rng.random() < 0.35 else "en",
        anonymous=rng.random() < 0.1,
    )


def _start(
    supporter: Supporter,
    frequency: str,
    amount: int,
    currency: str,
    provider: str,
    credit: tuple[str, str],
    at: datetime.datetime,
    started: dict[int, datetime.datetime],
) -> Contribution:
    contribution = ledger.start_contribution(
        supporter,
        frequency=frequency,
        amount=amount,
        currency=currency,
        provider=provider,
        language=supporter.language,
        campaign=credit[0],
        variant=credit[1],
        actor=ACTOR,
    )
    started[contribution.pk] = at
    return contribution


@transaction.atomic  # the ledger locks the rows it moves
def _gift(
    number: int,
    at: datetime.datetime,
    clock: Clock,
    rng: random.Random,
    credit: tuple[str, str],
    started: dict[int, datetime.datetime],
) -> int:
    """One one-time gift, by card or by bank transfer; some are refunded later. Returns the
    number of refunds made (0 or 1)."""
    supporter = _supporter(number, rng)
    amount = rng.choice(ONCE)
    currency = rng.choice(CURRENCIES)
    by_bank = rng.random() < 0.2
    provider = "bank" if by_bank else "stripe"
    contribution = _start(
        supporter, Frequency.ONCE, amount, currency, provider, credit, at, started
    )
    if by_bank:
        payment = ledger.receive_transfer(
            contribution, amount=amount, received_on=timezone.localdate(at), actor=ACTOR
        )
    else:
        ledger.checkout_opened(contribution, f"cs_demo_{number}", ACTOR)
        payment, _created = ledger.record_payment(
            contribution=contribution,
            plan=None,
            kind=Payment.Kind.ONCE,
            provider="stripe",
            provider_payment_id=f"pi_demo_{number}",
            amount=amount,
            currency=currency,
            paid_at=at,
            actor=ACTOR,
            charge_ref=f"pi_demo_{number}",
            receipt=False,
        )
        ledger.mark_paid(contribution, at, ACTOR)
    if rng.random() >= 0.04:
        return 0
    refunded_at = min(payment.paid_at + datetime.timedelta(days=rng.randint(1, 10)), clock.now)
    refunded = amount if rng.random() < 0.6 else amount // 2
    ledger.record_refund(payment, refunded, refunded_at, ACTOR)
    return 1


@transaction.atomic
def _plan_story(
    number: int,
    at: datetime.datetime,
    clock: Clock,
    rng: random.Random,
    credit: tuple[str, str],
    started: dict[int, datetime.datetime],
) -> None:
    """One supporter's recurring support from `at` to now: renewals each period; now and then
    an upgrade, a downgrade, a failed renewal (recovered or not) or a cancellation, and for
    some who canceled, a new plan a few months later."""
    supporter = _supporter(number, rng)
    currency = rng.choice(CURRENCIES)
    annual = rng.random() < 0.15
    interval = Frequency.YEAR if annual else Frequency.MONTH
    amount = rng.choice(ANNUAL if annual else MONTHLY)
    while True:
        ended = _one_plan(
            number, supporter, interval, amount, currency, at, clock, rng, credit, started
        )
        if ended is None or rng.random() >= 0.3:
            return
        at = ended + datetime.timedelta(days=rng.randint(40, 150))
        if at >= clock.now:
            return
        number += 1_000_000  # the supporter's next plan, with ids of its own
        credit = ("", "")


def _one_plan(
    number: int,
    supporter: Supporter,
    interval: str,
    amount: int,
    currency: str,
    at: datetime.datetime,
    clock: Clock,
    rng: random.Random,
    credit: tuple[str, str],
    started: dict[int, datetime.datetime],
) -> datetime.datetime | None:
    """A plan from `at` on; returns when it was canceled, or None if it is still running."""
    contribution = _start(supporter, interval, amount, currency, "stripe", credit, at, started)
    ledger.checkout_opened(contribution, f"cs_demo_{number}", ACTOR)
    plan = ledger.plan_for(
        contribution, provider_plan_id=f"sub_demo_{number}", customer_id="", as_of=at, actor=ACTOR
    )
    months = 12 if interval == Frequency.YEAR else 1
    charged = contribution.total
    renewal = 0
    moment = at
    while moment < clock.now:
        kind = Payment.Kind.FIRST if renewal == 0 else Payment.Kind.RENEWAL
        next_moment = _months_later(at, months * (renewal + 1))
        if renewal and rng.random() < 0.02:  # the card was declined
            ledger.apply_plan_state(plan, as_of=moment, actor=ACTOR, status=PlanStatus.PAST_DUE)
            retry = moment + datetime.timedelta(days=rng.randint(3, 9))
            if retry >= clock.now:
                return None  # still retrying: the dashboard's "needs attention"
            if rng.random() < 0.5:
                ledger.cancel_plan(plan, reason="", as_of=retry, actor=ACTOR)
                return retry
            moment = retry
            ledger.apply_plan_state(plan, as_of=moment, actor=ACTOR, status=PlanStatus.ACTIVE)
        ledger.record_payment(
            contribution=contribution if renewal == 0 else None,
            plan=plan,
            kind=kind,
            provider="stripe",
            provider_payment_id=f"in_demo_{number}_{renewal}",
            amount=charged,
            currency=currency,
            paid_at=moment,
            actor=ACTOR,
            charge_ref=f"pi_demo_{number}_{renewal}",
            receipt=False,
        )
        if renewal == 0:
            ledger.mark_paid(contribution, moment, ACTOR)
        ledger.apply_plan_state(plan, as_of=moment, actor=ACTOR, period_end=next_moment)
        if next_moment >= clock.now:
            return None
        change = rng.random()
        between = moment + (next_moment - moment) / 2
        if change < 0.035:
            ledger.cancel_plan(plan, reason="", as_of=between, actor=ACTOR)
            return between
        if change < 0.06:
            charged = _another_amount(charged, interval, up=True)
            ledger.apply_plan_state(plan, as_of=between, actor=ACTOR, amount=charged)
        elif change < 0.075:
            charged = _another_amount(charged, interval, up=False)
            ledger.apply_plan_state(plan, as_of=between, actor=ACTOR, amount=charged)
        renewal += 1
        moment = next_moment
    return None


def _another_amount(amount: int, interval: str, *, up: bool) -> int:
    choices = sorted(set(ANNUAL if interval == Frequency.YEAR else MONTHLY))
    index = choices.index(amount) if amount in choices else 0
    index = min(index + 1, len(choices) - 1) if up else max(index - 1, 0)
    return choices[index] if choices[index] != amount else (amount * 2 if up else amount)


def _months_later(moment: datetime.datetime, months: int) -> datetime.datetime:
    index = moment.year * 12 + moment.month - 1 + months
    day = min(moment.day, 28)  # a renewal day every month has
    return moment.replace(year=index // 12, month=index % 12 + 1, day=day)


def _date_back(started: dict[int, datetime.datetime]) -> None:
    """The made-up past: contributions, their plans and their supporters dated when the story
    says they started, not when the demo was loaded (the ledger stamps its own time)."""
    contributions = Contribution.objects.in_bulk(list(started))
    for pk, contribution in contributions.items():
        contribution.created_at = started[pk]
    Contribution.objects.bulk_update(contributions.values(), ["created_at"], batch_size=500)
    plans = list(RecurringPlan.objects.select_related("contribution"))
    for plan in plans:
        plan.created_at = plan.contribution.created_at
    RecurringPlan.objects.bulk_update(plans, ["created_at"], batch_size=500)
    first: dict[int, datetime.datetime] = {}
    for pk, supporter_id, at in Contribution.objects.values_list(
        "pk", "supporter_id", "created_at"
    ):
        if pk in started and (supporter_id not in first or at < first[supporter_id]):
            first[supporter_id] = at
    supporters = Supporter.objects.in_bulk(list(first))
    for pk, supporter in supporters.items():
        supporter.created_at = first[pk]
    Supporter.objects.bulk_update(supporters.values(), ["created_at"], batch_size=500)
