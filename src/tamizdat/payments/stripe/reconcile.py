"""`tamizdat reconcile` for Stripe: the period's checkouts and paid invoices, and every plan live
on either side, compared with the ledger; repairs go through the webhook handlers."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime, timedelta
from typing import Any, TypeVar

import stripe
from django.db import transaction

from tamizdat.support import ledger
from tamizdat.support.ledger import Actor, RecurringPlan, Status

from ..base import ProviderError, ReconcileReport
from ..webhooks import RetryLater
from . import events
from .common import (
    IDENTIFIER,
    REFERENCE_KEY,
    PlanTerms,
    as_dict,
    call,
    client,
    invoice_subscription,
    now,
    stripe_time,
)

T = TypeVar("T")

# Stripe's longest: a Checkout Session expires at most 24 hours after it is created, and Smart
# Retries try a failed renewal for at most two months.
CHECKOUT_LIFETIME = timedelta(hours=24)
RENEWAL_RETRY_WINDOW = timedelta(days=62)
# Processor objects compared per read of the ledger.
BATCH = 500
ACTOR = Actor.command("reconcile")


def reconcile(since: datetime, until: datetime, repair: bool) -> ReconcileReport:
    """Compare the period's checkout sessions and paid invoices, and every plan live on
    either side, with the ledger. Each pass reads the ledger after the previous pass's
    repairs: a repaired checkout creates the plan its subscription and invoice are then
    compared with. Repairs go through the webhook handlers, so a held webhook that arrives
    later finds its payment recorded and its older state ignored."""
    report = ReconcileReport()
    _sessions(since, until, repair, report)
    _subscriptions(since, until, repair, report)
    _invoices(since, until, repair, report)
    return report


def _listed(lister: Callable[..., Any], params: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every object of a Stripe list, page after page."""
    try:
        for obj in call(lister, {"limit": 100, **params}).auto_paging_iter():
            yield as_dict(obj)
    except stripe.StripeError as exc:  # a later page failed
        raise ProviderError(str(exc)) from exc


def _sessions(since: datetime, until: datetime, repair: bool, report: ReconcileReport) -> None:
    # A session can be paid until it expires, so one opened just before the period may
    # have been paid within it.
    period = _created(since - CHECKOUT_LIFETIME, until)
    sessions = _listed(client().v1.checkout.sessions.list, {"created": period})
    ours = (s for s in sessions if (s.get("metadata") or {}).get(REFERENCE_KEY))
    for batch in _batches(ours):
        contributions = ledger.contributions_by_reference(
            IDENTIFIER, [s["metadata"][REFERENCE_KEY] for s in batch]
        )
        for session in batch:
            report.checked += 1
            reference = session["metadata"][REFERENCE_KEY]
            contribution = contributions.get(reference)
            if contribution is None:
                report.drift.append(f"{session['id']}: no contribution {reference} here")
                continue
            status = session.get("status")
            if status == "complete" and session.get("payment_status") == "paid":
                if contribution.status == Status.PAID:
                    continue
                report.drift.append(f"{reference}: paid at Stripe, {contribution.status} here")
                if repair:
                    with transaction.atomic():
                        as_of = stripe_time(session["created"]) or now()
                        events.session_completed(session, as_of, ACTOR)
                    report.repaired.append(reference)
            elif status == "expired" and contribution.status == Status.PENDING:
                report.drift.append(f"{reference}: expired at Stripe, pending here")
                if repair and ledger.mark_expired(contribution, ACTOR):
                    report.repaired.append(reference)


def _subscriptions(since: datetime, until: datetime, repair: bool, report: ReconcileReport) -> None:
    # Taken before reading: a change Stripe makes after the read has a later webhook,
    # which then still wins over this repair.
    observed = now()
    stripe_client = client()
    lister = stripe_client.v1.subscriptions.list
    listed = itertools.chain(
        # Those started in the period, whatever became of them since...
        _listed(lister, {"status": "all", "created": _created(since, until)}),
        # ... and every live one however old (Stripe lists those without a status): a
        # renewal, a price change or dunning changes a plan without any new object.
        _listed(lister, {}),
    )
    seen: set[str] = set()
    for batch in _batches(_first_seen(listed, seen)):
        plans = ledger.plans_by_processor_id(IDENTIFIER, (s["id"] for s in batch))
        for subscription in batch:
            plan = plans.get(subscription["id"])
            _check_subscription(subscription, plan, observed, repair, report)
    # A plan live here that Stripe no longer lists as live was canceled there.
    for plan in ledger.live_plans(IDENTIFIER):
        if plan.provider_plan_id in seen:
            continue
        try:
            found = stripe_client.v1.subscriptions.retrieve(plan.provider_plan_id or "")
        except stripe.InvalidRequestError:
            # Gone, or from another account or mode: a person must look; the rest of the
            # run (lost renewals among it) goes on.
            report.drift.append(f"{plan.provider_plan_id}: not found at Stripe")
            continue
        except stripe.StripeError as exc:
            raise ProviderError(str(exc)) from exc
        _check_subscription(as_dict(found), plan, observed, repair, report)


def _check_subscription(
    subscription: dict[str, Any],
    plan: RecurringPlan | None,
    observed: datetime,
    repair: bool,
    report: ReconcileReport,
) -> None:
    if plan is None and not (subscription.get("metadata") or {}).get(REFERENCE_KEY):
        return  # not started here (another product on the same Stripe account)
    report.checked += 1
    terms = PlanTerms.of(subscription)
    if plan is not None and not terms.differ_from(plan):
        return
    here = "missing" if plan is None else f"{plan.status} {plan.amount}/{plan.interval}"
    report.drift.append(f"{subscription['id']}: {terms.describe()} at Stripe, {here} here")
    # A subscription not yet paid for (incomplete, paused) is no plan to record.
    if repair and terms.status is not None:
        with transaction.atomic():
            applied = events.subscription_changed(subscription, observed, ACTOR)
        if applied:  # a plan canceled here stays canceled: that needs a person
            report.repaired.append(subscription["id"])


def _invoices(since: datetime, until: datetime, repair: bool, report: ReconcileReport) -> None:
    # Every renewal is a paid invoice, so listing invoices finds renewals of plans of any
    # age. Stripe lists invoices by creation, and an invoice may be paid long after it was
    # created (Stripe retries a failed renewal for up to two months): the list reaches
    # back that far and keeps the invoices paid within the period.
    period = _created(since - RENEWAL_RETRY_WINDOW, until)
    invoices = _listed(client().v1.invoices.list, {"status": "paid", "created": period})
    paid = (i for i in invoices if i.get("amount_paid") and since <= _paid_at(i) < until)
    for batch in _batches(paid):
        owners = [invoice_subscription(invoice) for invoice in batch]
        plans = ledger.plans_by_processor_id(
            IDENTIFIER, (subscription_id for subscription_id, _ in owners if subscription_id)
        )
        recorded = ledger.recorded_payment_ids(IDENTIFIER, [i["id"] for i in batch])
        for invoice, (subscription_id, metadata) in zip(batch, owners, strict=True):
            if subscription_id not in plans and not metadata.get(REFERENCE_KEY):
                continue  # not a plan started here
            report.checked += 1
            if invoice["id"] in recorded:
                continue
            report.drift.append(
                f"{invoice['id']}: {invoice['amount_paid']} {invoice['currency']} paid at "
                f"Stripe for {subscription_id}, not recorded here"
            )
            if not repair:
                continue
            try:
                with transaction.atomic():
                    events.invoice_paid(invoice, _paid_at(invoice), ACTOR)
            except RetryLater:  # no plan here, nor a contribution to start one from
                continue
            report.repaired.append(invoice["id"])


def _created(since: datetime, until: datetime) -> dict[str, int]:
    """Stripe's `created` range for [since, until), in its whole seconds."""
    return {"gte": math.floor(since.timestamp()), "lt": math.ceil(until.timestamp())}


def _paid_at(invoice: Mapping[str, Any]) -> datetime:
    paid_at = (invoice.get("status_transitions") or {}).get("paid_at")
    return stripe_time(paid_at or invoice["created"]) or now()


def _batches(objects: Iterable[T], size: int = BATCH) -> Iterator[list[T]]:
    """Processor objects in groups, so that the ledger is read once per group, not per object."""
    iterator = iter(objects)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def _first_seen(objects: Iterable[dict[str, Any]], seen: set[str]) -> Iterator[dict[str, Any]]:
    """Each object once, however many lists name it; `seen` collects their ids."""
    for obj in objects:
        if obj["id"] not in seen:
            seen.add(obj["id"])
            yield obj
