"""The one interface every payment provider implements (the pretix pattern).

A provider turns a contribution into money through its own rail and reports back through
webhooks; the ledger's rules (tamizdat.support.ledger) stay the same whichever rail paid.
Sanctions can cut a newsroom off from one processor overnight, so a new rail is one more class
here, registered in `registry.py`, and nothing else changes. Providers know the ledger's small
interface (`tamizdat.support.ledger`) and nothing else of the reader-revenue app; that app
knows this module and the registry, and nothing of a provider's internals.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from django.utils.functional import Promise

    from tamizdat.support.ledger import Actor, Contribution, Payment, RecurringPlan, Supporter


class ProviderError(Exception):
    """The processor refused or could not be reached; nothing was changed in the ledger."""


class InvalidWebhook(Exception):
    """A webhook whose signature or body does not check out."""


class MalformedEvent(Exception):
    """A correctly signed event whose body is not what its type promises (a field missing, or
    of the wrong kind): refused, and kept by its id so that its redeliveries end."""


class NotSupported(ProviderError):
    pass


@dataclass(frozen=True)
class ReturnUrls:
    success: str  # where the processor sends the reader after paying
    cancel: str  # where "back" on the processor's page goes


@dataclass(frozen=True)
class Redirect:
    """Send the reader to this address (the processor's hosted page, or our own)."""

    url: str


@dataclass(frozen=True)
class ParsedEvent:
    """A verified webhook: the processor's id, type and time, and its body."""

    id: str
    type: str
    created: datetime
    payload: dict[str, Any]
    # Why a signed event cannot be applied, found while reading it; empty when it can be.
    problem: str = ""


@dataclass
class ReconcileReport:
    checked: int = 0
    repaired: list[str] = field(default_factory=list)
    drift: list[str] = field(default_factory=list)


class PaymentProvider(ABC):
    identifier: ClassVar[str]
    verbose_name: ClassVar[str | Promise]
    # Card rails are what card testers abuse; the card-testing defence guards only these.
    takes_cards: ClassVar[bool] = False
    frequencies: ClassVar[tuple[str, ...]] = ("once",)
    # A rail whose money staff see arrive and record by hand (a bank transfer): the admin lists
    # its waiting contributions and offers `mark_received` on each.
    recorded_by_staff: ClassVar[bool] = False

    @abstractmethod
    def is_enabled(self) -> bool:
        """Configured and offered to readers."""

    def supports(self, currency: str, frequency: str) -> bool:
        return frequency in self.frequencies

    def notice(self) -> str:
        """What the reader should know about this rail before choosing it, said beside it on
        the form (a demo processor where no money moves); empty for most rails."""
        return ""

    @abstractmethod
    def start_payment(self, contribution: Contribution, urls: ReturnUrls) -> Redirect:
        """Begin a one-time payment; or for monthly/annual, the processor's recurring plan."""

    def sync_contribution(self, contribution: Contribution) -> None:  # noqa: B027
        """Ask the processor about a contribution now (the reader came back before the
        webhook did); by default, wait for the webhook."""

    def parse_webhook(self, body: bytes, headers: Mapping[str, str]) -> ParsedEvent:
        raise InvalidWebhook(f"{self.identifier} sends no webhooks")

    def apply_event(self, event: ParsedEvent) -> None:  # noqa: B027
        """Apply a verified event to the ledger; runs inside the transaction that stores it."""

    def mark_received(
        self, contribution: Contribution, amount: int, received_on: date, actor: Actor
    ) -> Payment:
        """Staff saw the money for `contribution` arrive (rails `recorded_by_staff` only)."""
        raise NotSupported

    def change_plan(self, plan: RecurringPlan, amount: int, interval: str, actor: Actor) -> None:
        raise NotSupported

    def start_card_update(self, plan: RecurringPlan, urls: ReturnUrls) -> Redirect:
        raise NotSupported

    def cancel_plan(self, plan: RecurringPlan, reason: str, actor: Actor) -> None:
        raise NotSupported

    def refund(self, payment: Payment, amount: int, reason: str, actor: Actor) -> None:
        """Give `amount` of `payment` back through this rail and record it in the ledger
        (`ledger.ask_refund`, then `ledger.record_refund`); asking twice for the same refund
        refunds once."""
        raise NotSupported

    def shred(self, supporter: Supporter) -> None:  # noqa: B027
        """Delete what the processor keeps about this person, where it allows."""

    def reconcile(self, since: datetime, until: datetime, repair: bool) -> ReconcileReport:
        """Compare the ledger with the processor's objects of [since, until) and report drift;
        with `repair`, apply the processor's state the way its webhooks would, so a late
        webhook changes nothing twice. By default there is nothing to compare with (a rail
        whose payments staff record by hand)."""
        return ReconcileReport()
