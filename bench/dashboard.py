"""Benchmark: the revenue dashboard over a large ledger.

Migrates a throwaway database (SQLite in a temporary data directory, or the PostgreSQL that
`DATABASE_URL` names: `scripts/with-postgres python bench/dashboard.py`), writes a ledger of
--contributions contributions, --plans of them recurring plans (with their first payments,
three months of renewals and a history of upgrades, downgrades and cancellations), the rest
one-time gifts in three currencies over two years, straight into the tables so that making
them takes seconds, then asks for the admin's home (the dashboard) as a signed-in superuser
--runs times. Prints one JSON document: the database, the rows, p50 and p99 of the page's
render time in milliseconds, and the number of queries one render makes; and the same for a
ledger a tenth of the size, to show that the number of queries does not grow with the rows.
With --profile N, also writes to stderr the N functions that took longest (cumulative) in one
render over the full ledger, from cProfile: where the time goes.
Usage: python bench/dashboard.py [--contributions 100000] [--plans 10000] [--runs 20]
  [--profile 40]
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CURRENCIES = ("USD", "USD", "EUR", "GBP")


def setup(data_dir: str) -> None:
    os.environ["TAMIZDAT_DATA_DIR"] = data_dir
    os.environ["TAMIZDAT_ALLOWED_HOSTS"] = "testserver"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tamizdat.settings")
    sys.path.insert(0, str(REPO / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # the admin's hashed files


def empty() -> None:
    from tamizdat.support.models import (
        Contribution,
        DayTotal,
        GivingSpan,
        Payment,
        PlanChange,
        RecurringPlan,
        Supporter,
    )

    for model in (
        DayTotal,
        GivingSpan,
        PlanChange,
        Payment,
        RecurringPlan,
        Contribution,
        Supporter,
    ):
        model.objects.all().delete()


def generate(contributions: int, plans: int, seed: int = 7) -> dict[str, int]:
    """The ledger's rows, written in bulk: not through the ledger, which would take hours."""
    from django.db import transaction
    from django.utils import timezone
    from wagtail.models import Locale

    from tamizdat.prompts.demo import load as campaigns
    from tamizdat.prompts.models import ExchangeRate, FundingGoal
    from tamizdat.support import summaries
    from tamizdat.support.ledger_plans import link_changes
    from tamizdat.support.models import (
        Contribution,
        DayTotal,
        Payment,
        PlanChange,
        RecurringPlan,
        Supporter,
        yearly_value,
    )

    rng = random.Random(seed)
    now = timezone.now()
    goal = FundingGoal.load()
    goal.amount, goal.currency = 1_000_000, "USD"
    goal.save()
    if not ExchangeRate.objects.exists():  # the demo's campaigns, counters and rates
        for language in ("en", "ru"):
            Locale.objects.get_or_create(language_code=language)
        campaigns()
    span = timedelta(days=730)
    supporters_count = max(1, contributions * 2 // 5)
    with transaction.atomic():
        Supporter.objects.bulk_create(
            [
                Supporter(email=f"bench{n}@example.org", language="ru" if n % 3 == 0 else "en")
                for n in range(supporters_count)
            ],
            batch_size=5000,
        )
        supporter_ids = list(Supporter.objects.values_list("pk", flat=True))
        rows = []
        for n in range(contributions):
            recurring = n < plans
            rows.append(
                Contribution(
                    reference=f"TZ-B{n:09d}",
                    supporter_id=supporter_ids[n % len(supporter_ids)],
                    frequency=("year" if n % 7 == 0 else "month") if recurring else "once",
                    amount=rng.choice((500, 1000, 2500, 5000, 12000)),
                    currency=CURRENCIES[n % len(CURRENCIES)],
                    provider="bank" if not recurring and n % 5 == 0 else "stripe",
                    status=Contribution.Status.PAID,
                    language="ru" if n % 3 == 0 else "en",
                    paid_at=now - span * rng.random(),
                )
            )
        Contribution.objects.bulk_create(rows, batch_size=5000)
        made = list(Contribution.objects.order_by("pk"))
        plan_rows = [
            RecurringPlan(
                supporter_id=c.supporter_id,
                contribution_id=c.pk,
                provider="stripe",
                provider_plan_id=f"sub_b{c.pk}",
                amount=c.amount,
                currency=c.currency,
                interval=c.frequency,
                status="canceled" if i % 5 == 0 else ("past_due" if i % 50 == 1 else "active"),
            )
            for i, c in enumerate(made[:plans])
        ]
        RecurringPlan.objects.bulk_create(plan_rows, batch_size=5000)
        paid_at = {c.pk: c.paid_at for c in made}
        payments, changes = [], []
        for plan in RecurringPlan.objects.all():
            start = paid_at[plan.contribution_id]
            value = yearly_value(plan.amount, plan.interval)
            common = {"plan_id": plan.pk, "supporter_id": plan.supporter_id}
            common |= {"currency": plan.currency, "interval": plan.interval}
            changes.append(
                PlanChange(
                    at=start, kind="new", active=True, yearly=value, yearly_change=value, **common
                )
            )
            if plan.status != "active":
                stop = start + (now - start) * rng.random()
                changes.append(
                    PlanChange(
                        at=stop,
                        kind="churn",
                        active=False,
                        yearly=0,
                        yearly_change=-value,
                        **common,
                    )
                )
            elif plan.pk % 10 == 0:
                at = start + (now - start) / 2
                changes.append(
                    PlanChange(
                        at=at,
                        kind="expansion",
                        active=True,
                        yearly=value * 2,
                        yearly_change=value,
                        **common,
                    )
                )
            for back in range(3):
                moment = now - timedelta(days=30 * back + 3)
                if moment > start:
                    payments.append(
                        Payment(
                            supporter_id=plan.supporter_id,
                            plan_id=plan.pk,
                            kind="renewal",
                            provider="stripe",
                            provider_payment_id=f"in_b{plan.pk}_{back}",
                            amount=plan.amount,
                            currency=plan.currency,
                            paid_at=moment,
                        )
                    )
        for c in made:
            recurring = c.frequency != "once"
            payments.append(
                Payment(
                    supporter_id=c.supporter_id,
                    contribution_id=c.pk,
                    kind="first" if recurring else "once",
                    provider=c.provider,
                    provider_payment_id=f"pi_b{c.pk}",
                    amount=c.amount,
                    currency=c.currency,
                    paid_at=c.paid_at,
                    refunded_amount=c.amount if c.pk % 40 == 0 else 0,
                    refunded_at=c.paid_at if c.pk % 40 == 0 else None,
                )
            )
        Payment.objects.bulk_create(payments, batch_size=5000)
        PlanChange.objects.bulk_create(changes, batch_size=5000)
        # What the ledger keeps as it goes, for rows written around it.
        link_changes()
        summaries.rebuild()
    return {
        "contributions": Contribution.objects.count(),
        "plans": RecurringPlan.objects.count(),
        "payments": Payment.objects.count(),
        "plan_changes": PlanChange.objects.count(),
        "day_totals": DayTotal.objects.count(),
    }


def measure(runs: int) -> dict[str, float | int]:
    from django.contrib.auth.models import User
    from django.core.signals import request_started
    from django.db import connection, reset_queries
    from django.test import Client

    user = User.objects.filter(username="bench").first() or User.objects.create_superuser(
        "bench", "bench@example.org", "bench"
    )
    client = Client()
    client.force_login(user)
    # Django forgets the queries of a request when the next one starts; here they are counted.
    request_started.disconnect(reset_queries)
    assert b"tz-dashboard" in client.get("/admin/").content  # also warms the caches
    connection.force_debug_cursor = True
    before = len(connection.queries_log)
    client.get("/admin/")
    queries = len(connection.queries_log) - before
    connection.force_debug_cursor = False
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get("/admin/")
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    times.sort()
    return {
        "p50_ms": round(statistics.median(times), 1),
        "p99_ms": round(times[min(len(times) - 1, round(len(times) * 0.99) - 1)], 1),
        "queries": queries,
    }


def profile(top: int) -> None:
    """One render under cProfile, its `top` longest functions (cumulative) to stderr."""
    from django.contrib.auth.models import User
    from django.test import Client

    client = Client()
    client.force_login(User.objects.get(username="bench"))
    profiler = cProfile.Profile()
    profiler.runcall(client.get, "/admin/")
    stats = pstats.Stats(profiler, stream=sys.stderr)
    stats.sort_stats("cumulative").print_stats(top)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--contributions", type=int, default=100_000)
    parser.add_argument("--plans", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--profile", type=int, default=0, metavar="N")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tamizdat-bench-dashboard-") as data_dir:
        setup(data_dir)
        from django.db import connection

        result: dict[str, object] = {"database": connection.vendor}
        for label, scale in (("tenth", 10), ("full", 1)):
            empty()
            rows = generate(args.contributions // scale, args.plans // scale)
            result[label] = {"rows": rows, **measure(args.runs)}
        if args.profile:
            profile(args.profile)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
