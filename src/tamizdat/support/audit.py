"""Who changed the ledger, and how: every transition is kept in Wagtail's admin history.

A transition is logged with its actor: a staff member (shown as the history's user), a
processor's event, a command, or the reader or supporter on our own pages. The history then
answers "who marked this transfer received, and when" on the row's own page.

Log entries hold no personal data: amounts, states, the processor's ids and our references.
A supporter's cancellation note, in their own words, is never copied here.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from babel.dates import format_date
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from wagtail.log_actions import LogActionRegistry, LogFormatter, log

from . import money

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
    from django.utils.functional import Promise
    from wagtail.models import ModelLogEntry


@dataclass(frozen=True)
class Actor:
    """Who a ledger change is attributed to. `ref` says which event or command it was."""

    kind: str  # one of ACTOR_KINDS
    ref: str = ""
    user: AbstractBaseUser | AnonymousUser | None = None

    @classmethod
    def staff(cls, user: AbstractBaseUser | AnonymousUser) -> Actor:
        return cls("staff", user=user)

    @classmethod
    def processor(cls, provider: str, ref: str) -> Actor:
        """A processor's fact: `ref` is its event's id, or the object we asked it about."""
        return cls("processor", ref=f"{provider} {ref}")

    @classmethod
    def command(cls, name: str) -> Actor:
        return cls("command", ref=name)

    @classmethod
    def reader(cls) -> Actor:
        """A reader on the contribution form or the e-mail confirmation page."""
        return cls("reader")

    @classmethod
    def supporter(cls) -> Actor:
        """A supporter through their self-service link."""
        return cls("supporter")

    @classmethod
    def system(cls, ref: str) -> Actor:
        """Our own code on nobody's behalf (the demo's seed data, a migration)."""
        return cls("system", ref=ref)


ACTOR_KINDS: dict[str, Promise] = {
    "staff": _("by staff"),
    "processor": _("by the payment processor (%(ref)s)"),
    "command": _("by the command “%(ref)s”"),
    "reader": _("by the reader"),
    "supporter": _("by the supporter (self-service)"),
    "system": _("by Tamizdat (%(ref)s)"),
}


def record(instance: Model, action: str, actor: Actor, **details: Any) -> None:
    """Keep one transition of `instance` in its admin history."""
    log(
        instance,
        f"tamizdat.ledger.{action}",
        user=actor.user if actor.kind == "staff" else None,
        data={"actor": actor.kind, "ref": actor.ref, **details},
    )


def _amount(value: Any, currency: str) -> str:
    """An amount in the admin user's own language, not the supporter's."""
    return money.format_money(int(value), currency, get_language() or "en")


class LedgerFormatter(LogFormatter):
    """ "Marked paid · by the payment processor (stripe evt_123)", with the details."""

    def details(self, data: dict[str, Any], model: type[Model] | None) -> str:
        return ""

    def format_message(self, log_entry: ModelLogEntry) -> str:
        data = log_entry.data or {}
        actor = ACTOR_KINDS.get(data.get("actor", ""), "")
        parts = [str(self.message), self.details(data, log_entry.content_type.model_class())]
        if actor:
            parts.append(str(actor) % {"ref": data.get("ref", "")})
        return " · ".join(part for part in parts if part)


class AmountFormatter(LedgerFormatter):
    def details(self, data: dict[str, Any], model: type[Model] | None) -> str:
        if "amount" not in data:
            return ""
        text = _amount(data["amount"], data["currency"])
        if data.get("received_on"):
            received_on = datetime.date.fromisoformat(data["received_on"])
            text = str(_("%(amount)s received on %(date)s")) % {
                "amount": text,
                "date": format_date(received_on, "long", locale=get_language() or "en"),
            }
        if data.get("expected") not in (None, data["amount"]):
            text += " " + str(_("(%(expected)s expected)")) % {
                "expected": _amount(data["expected"], data["currency"])
            }
        return text


class RefundRequestFormatter(AmountFormatter):
    """ "Refund asked · €5 · duplicate gift · by staff": the staff member's reason too."""

    def details(self, data: dict[str, Any], model: type[Model] | None) -> str:
        amount = super().details(data, model)
        reason = data.get("reason", "")
        return f"{amount} · {reason}" if reason else amount


class ChangesFormatter(LedgerFormatter):
    """Each changed field under its name and with its values as the admin shows them
    ("status: active → canceled"), in the admin user's language."""

    def details(self, data: dict[str, Any], model: type[Model] | None) -> str:
        currency = data.get("currency", "")
        shown = []
        # By name: PostgreSQL's JSON keeps no order of its own.
        for name, (before, after) in sorted((data.get("changes") or {}).items()):
            field = _field(model, name)
            label = name  # a field since removed: its stored name is all there is
            if field is not None:
                label = str(field.verbose_name)
                if name in MONEY_FIELDS and currency:
                    before, after = _amount(before, currency), _amount(after, currency)
                else:
                    choices = dict(field.flatchoices)
                    before, after = choices.get(before, before), choices.get(after, after)
            shown.append(f"{label}: {before} → {after}")
        return "; ".join(shown)


# Changed fields that hold an amount in minor units of the row's currency.
MONEY_FIELDS = frozenset({"amount", "refunded_amount"})


def _field(model: type[Model] | None, name: str) -> Any:
    try:
        return model._meta.get_field(name) if model is not None else None
    except FieldDoesNotExist:
        return None


# (action, label, message, formatter): every transition the ledger makes.
ACTIONS: tuple[tuple[str, Promise, Promise, type[LedgerFormatter]], ...] = (
    ("start", _("Start"), _("Started"), AmountFormatter),
    ("release", _("Release"), _("E-mail confirmed, sent on to pay"), LedgerFormatter),
    ("checkout", _("Checkout"), _("Checkout opened at the processor"), LedgerFormatter),
    ("paid", _("Paid"), _("Marked paid"), LedgerFormatter),
    ("expired", _("Expire"), _("Marked not completed"), LedgerFormatter),
    ("received", _("Transfer received"), _("Bank transfer marked received"), AmountFormatter),
    ("payment", _("Payment"), _("Payment recorded"), AmountFormatter),
    ("plan", _("Plan"), _("Plan started"), AmountFormatter),
    ("plan_state", _("Plan changed"), _("Plan changed"), ChangesFormatter),
    ("cancel", _("Cancel"), _("Plan canceled"), LedgerFormatter),
    ("refund_request", _("Refund asked"), _("Refund asked"), RefundRequestFormatter),
    ("refund", _("Refund"), _("Refund recorded"), ChangesFormatter),
    ("shred", _("Shred"), _("Personal data shredded"), LedgerFormatter),
)


def register_actions(actions: LogActionRegistry) -> None:
    for name, label, message, formatter in ACTIONS:
        formatter_class = type(
            f"{name.title()}Formatter", (formatter,), {"label": label, "message": message}
        )
        actions.register_action(f"tamizdat.ledger.{name}")(formatter_class)
