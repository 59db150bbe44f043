"""What payment providers look up in the ledger to apply a processor's fact: reads only.
Part of the ledger's interface (`ledger` re-exports them); writing stays in `ledger`."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from .models import Contribution, Payment, RecurringPlan, Supporter


def contribution_by_reference(provider: str, reference: str) -> Contribution | None:
    """The contribution a processor's object names, locked for the rest of the transaction.

    Its row alone: locking the supporter read beside it would hold up every other ledger
    change that writes a row naming the supporter (a plan's history, say), and a supporter's
    cancel holding the plan would then wait on a webhook waiting on that plan: a deadlock."""
    return (
        Contribution.objects.select_for_update(of=("self",))
        .select_related("supporter")
        .filter(reference=reference, provider=provider)
        .first()
    )


def contributions_by_reference(provider: str, references: list[str]) -> dict[str, Contribution]:
    return Contribution.objects.filter(provider=provider).in_bulk(
        references, field_name="reference"
    )


def plan_by_processor_id(provider: str, provider_plan_id: str) -> RecurringPlan | None:
    """The plan with the processor's id, locked for the rest of the transaction."""
    return (
        RecurringPlan.objects.select_for_update()
        .filter(provider=provider, provider_plan_id=provider_plan_id)
        .first()
    )


def plan_by_pk(provider: str, pk: str | int | None) -> RecurringPlan | None:
    if pk is None:
        return None
    return RecurringPlan.objects.filter(pk=pk, provider=provider).first()


def plans_by_processor_id(provider: str, ids: Iterable[str]) -> dict[str, RecurringPlan]:
    plans = RecurringPlan.objects.filter(provider=provider, provider_plan_id__in=list(ids))
    return {plan.provider_plan_id: plan for plan in plans if plan.provider_plan_id}


def live_plans(provider: str) -> Iterator[RecurringPlan]:
    """Plans this provider charges that are not canceled here."""
    return (
        RecurringPlan.objects.filter(provider=provider, provider_plan_id__isnull=False)
        .exclude(status=RecurringPlan.Status.CANCELED)
        .exclude(provider_plan_id="")
        .iterator()
    )


def customer_ids(provider: str, supporter: Supporter) -> list[str]:
    """The processor's customer records this supporter's plans created."""
    return list(
        supporter.plans.filter(provider=provider)
        .exclude(provider_customer_id="")
        .values_list("provider_customer_id", flat=True)
    )


def payment_by_charge_ref(provider: str, charge_ref: str) -> Payment | None:
    """The payment a refund names, locked for the rest of the transaction."""
    return (
        Payment.objects.select_for_update()
        .filter(provider=provider, provider_charge_ref=charge_ref)
        .first()
    )


def recorded_payment_ids(provider: str, ids: list[str]) -> set[str]:
    return set(
        Payment.objects.filter(provider=provider, provider_payment_id__in=ids).values_list(
            "provider_payment_id", flat=True
        )
    )
