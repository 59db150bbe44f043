"""The ledger's recurring plans: a plan is created when the processor first names it, and its
state, amount and interval change only here, each change recorded with its actor and kept in
the plan's history (`PlanChange`) for the revenue figures. Part of the ledger (`ledger`
re-exports it): nothing else writes plans."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import OuterRef, Q, Subquery

from . import summaries
from .audit import Actor
from .audit import record as log
from .models import Contribution, PlanChange, RecurringPlan, yearly_value

PlanStatus = RecurringPlan.Status


def plan_for(
    contribution: Contribution,
    *,
    provider_plan_id: str,
    customer_id: str,
    as_of: datetime.datetime,
    actor: Actor,
) -> RecurringPlan:
    """The plan a recurring contribution started, created when the processor first names it."""
    plan = RecurringPlan.objects.select_for_update().filter(contribution=contribution).first()
    if plan is None:
        plan = RecurringPlan.objects.create(
            supporter=contribution.supporter,
            contribution=contribution,
            provider=contribution.provider,
            provider_plan_id=provider_plan_id or None,
            provider_customer_id=customer_id,
            amount=contribution.total,
            currency=contribution.currency,
            interval=contribution.frequency,
            state_as_of=as_of,
        )
        log(plan, "plan", actor, amount=plan.amount, currency=plan.currency)
        _note_change(plan, None, as_of)
        return plan
    changed = []
    if provider_plan_id and not plan.provider_plan_id:
        plan.provider_plan_id = provider_plan_id
        changed.append("provider_plan_id")
    if customer_id and not plan.provider_customer_id:
        plan.provider_customer_id = customer_id
        changed.append("provider_customer_id")
    if changed:
        plan.save(update_fields=changed)
    return plan


def apply_plan_state(
    plan: RecurringPlan,
    *,
    as_of: datetime.datetime,
    actor: Actor,
    status: str | None = None,
    amount: int | None = None,
    interval: str | None = None,
    period_end: datetime.datetime | None = None,
) -> bool:
    """Apply what the processor said at `as_of`, unless something newer was applied already.
    True if the ledger took it (a canceled plan, or an older fact, changes nothing).

    The plan is read again under its row's lock first: a supporter's change of plan is also
    reported by the processor's webhook, which another process may apply between the moment
    the caller read the plan and this call; a change measured from the older copy would be
    counted twice in the plan's history (and in MRR)."""
    with transaction.atomic():
        plan.refresh_from_db(from_queryset=RecurringPlan.objects.select_for_update())
        return _apply_plan_state(plan, as_of, actor, status, amount, interval, period_end)


def _apply_plan_state(
    plan: RecurringPlan,
    as_of: datetime.datetime,
    actor: Actor,
    status: str | None,
    amount: int | None,
    interval: str | None,
    period_end: datetime.datetime | None,
) -> bool:
    if plan.status == PlanStatus.CANCELED:
        return False
    if plan.state_as_of and as_of < plan.state_as_of:
        return False
    before = _terms(plan)
    new = {"status": status, "amount": amount, "interval": interval}
    changes = {
        field: [getattr(plan, field), value]
        for field, value in new.items()
        if value is not None and getattr(plan, field) != value
    }
    for field, (_before, value) in changes.items():
        setattr(plan, field, value)
    if plan.status == PlanStatus.CANCELED:
        plan.canceled_at = plan.canceled_at or as_of
    if period_end is not None:
        plan.current_period_end = period_end
    plan.state_as_of = as_of
    plan.save()
    _note_change(plan, before, as_of)
    if "interval" in changes:  # whether its payments count as annual for the cohorts
        summaries.refresh_span(plan.supporter_id)
    if changes:  # a renewal only moves the period: its payment is what the history shows
        action = "cancel" if "status" in changes and plan.status == PlanStatus.CANCELED else None
        log(plan, action or "plan_state", actor, changes=changes, currency=plan.currency)
    return True


def _terms(plan: RecurringPlan) -> tuple[bool, int, str]:
    """What a plan brings in: whether it is active, twelve months' worth, its interval."""
    active = plan.status == PlanStatus.ACTIVE
    return active, yearly_value(plan.amount, plan.interval) if active else 0, plan.interval


def _note_change(
    plan: RecurringPlan, before: tuple[bool, int, str] | None, at: datetime.datetime
) -> None:
    """Keep the plan's change of monthly value (and of activity or interval) in its history,
    classified the way MRR movement is reported."""
    after = _terms(plan)
    if after == before:
        return
    was_active, value_before, _interval = before or (False, 0, "")
    is_active, value, _interval = after
    change = value - value_before
    if before is None:
        earlier = PlanChange.objects.filter(supporter_id=plan.supporter_id).exists()
        kind = PlanChange.Kind.REACTIVATION if earlier else PlanChange.Kind.NEW
    elif is_active and not was_active:
        kind = PlanChange.Kind.REACTIVATION
    elif was_active and not is_active:
        kind = PlanChange.Kind.CHURN
    elif change > 0:
        kind = PlanChange.Kind.EXPANSION
    elif change < 0:
        kind = PlanChange.Kind.CONTRACTION
    else:
        kind = PlanChange.Kind.NONE
    PlanChange.objects.filter(plan=plan, until__isnull=True).update(until=at)
    PlanChange.objects.create(
        plan=plan,
        supporter_id=plan.supporter_id,
        at=at,
        kind=kind,
        currency=plan.currency,
        interval=plan.interval,
        active=is_active,
        yearly=value,
        yearly_change=change,
    )


def cancel_plan(
    plan: RecurringPlan, *, reason: str, as_of: datetime.datetime, actor: Actor
) -> bool:
    """The supporter (or staff) canceled at the processor; the note is kept for staff only."""
    if reason:
        RecurringPlan.objects.filter(pk=plan.pk).update(cancel_reason=reason[:2000])
        plan.cancel_reason = reason[:2000]
    return apply_plan_state(plan, as_of=as_of, actor=actor, status=PlanStatus.CANCELED)


def next_revision(plan: RecurringPlan) -> int:
    """A new number per change a supporter asks for: its own idempotency key (nothing logged)."""
    RecurringPlan.objects.filter(pk=plan.pk).update(revision=plan.revision + 1)
    plan.revision += 1
    return plan.revision


def link_changes(model: type[PlanChange] = PlanChange) -> None:
    """Each change's `until`, from the plan's next change, for changes written without it (by
    a migration, whose `model` this is then)."""
    following = (
        model.objects.filter(plan=OuterRef("plan"))
        .filter(Q(at__gt=OuterRef("at")) | Q(at=OuterRef("at"), pk__gt=OuterRef("pk")))
        .order_by("at", "pk")
        .values("at")[:1]
    )
    model.objects.update(until=Subquery(following))
