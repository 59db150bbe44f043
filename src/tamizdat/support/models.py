"""The ledger: supporters, their contributions, recurring plans, payments and refunds.

Every amount is an integer in the currency's minor unit next to its ISO 4217 code. The ledger is
ours but the truth is the processor's: rows change only through `ledger.py`, whose state machines
move forward only, so a late or repeated webhook never undoes what a newer one said.
"""

from __future__ import annotations

import datetime
import secrets

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from . import money

REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud to a bank


def new_reference() -> str:
    """A short, unguessable reference a supporter can copy into a bank transfer."""
    body = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(10))
    return f"TZ-{body[:5]}-{body[5:]}"


def normalize_email(email: str) -> str:
    return email.strip().lower()


class Frequency(models.TextChoices):
    ONCE = "once", _("Once")
    MONTH = "month", _("Monthly")
    YEAR = "year", _("Annual")


RECURRING = (Frequency.MONTH, Frequency.YEAR)


class AmountSet(models.Model):
    """Suggested amounts, default, minimum and maximum for one currency and frequency."""

    currency = money.CurrencyField(_("currency"), help_text="ISO 4217, e.g. USD")
    frequency = models.CharField(_("frequency"), max_length=5, choices=Frequency.choices)
    suggested = models.JSONField(_("suggested amounts"), default=list)
    default_amount = models.PositiveIntegerField(_("default amount"))
    minimum = models.PositiveIntegerField(_("minimum"))
    maximum = models.PositiveIntegerField(_("maximum"))
    active = models.BooleanField(_("offered"), default=True)

    class Meta:
        verbose_name = _("amounts")
        verbose_name_plural = _("amounts")
        ordering = ["currency", "frequency"]
        constraints = [
            models.UniqueConstraint(fields=["currency", "frequency"], name="unique_amount_set")
        ]

    def __str__(self) -> str:
        return f"{self.currency} · {self.get_frequency_display()}"

    def clean(self) -> None:
        if not 0 < self.minimum <= self.maximum:
            raise ValidationError({"maximum": _("The maximum must not be below the minimum.")})
        amounts = [*self.suggested, self.default_amount]
        if any(not self.minimum <= amount <= self.maximum for amount in amounts):
            raise ValidationError(
                {"suggested": _("Suggested and default amounts must lie between the limits.")}
            )


class Supporter(models.Model):
    """A person who gave: only what receipts and the processor need, nothing else."""

    # Wagtail's reference index ("used by" in the admin) is of no use for ledger rows,
    # and keeping it up to date was most of what writing a row cost.
    wagtail_reference_index_ignore = True

    email = models.EmailField(_("e-mail"), unique=True)
    name = models.CharField(_("name"), max_length=100, blank=True)
    language = models.CharField(_("language"), max_length=8, default="en")
    anonymous = models.BooleanField(
        _("anonymous"), default=False, help_text=_("Never name this supporter in public.")
    )
    created_at = models.DateTimeField(_("first gave"), auto_now_add=True)
    shredded_at = models.DateTimeField(_("personal data shredded"), null=True, blank=True)

    class Meta:
        verbose_name = _("supporter")
        verbose_name_plural = _("supporters")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.email


class Contribution(models.Model):
    """One "Continue" on the contribution form: a one-time gift or the start of a plan."""

    wagtail_reference_index_ignore = True  # as for supporters

    class Status(models.TextChoices):
        HELD = "held", _("Waiting for e-mail confirmation")
        PENDING = "pending", _("Waiting for payment")
        PAID = "paid", _("Paid")
        EXPIRED = "expired", _("Not completed")

    reference = models.CharField(
        _("reference"), max_length=16, unique=True, default=new_reference, editable=False
    )
    supporter = models.ForeignKey(
        Supporter,
        on_delete=models.PROTECT,
        related_name="contributions",
        verbose_name=_("supporter"),
    )
    frequency = models.CharField(_("frequency"), max_length=5, choices=Frequency.choices)
    amount = models.PositiveIntegerField(_("amount"), help_text=_("In minor units (cents)."))
    fee_amount = models.PositiveIntegerField(_("fees covered"), default=0)
    currency = money.CurrencyField(_("currency"))
    provider = models.CharField(_("payment method"), max_length=20)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.PENDING
    )
    language = models.CharField(_("language"), max_length=8, default="en")
    campaign = models.CharField(_("campaign"), max_length=64, blank=True, db_index=True)
    variant = models.CharField(_("variant"), max_length=64, blank=True)
    provider_session_id = models.CharField(
        _("processor's checkout id"), max_length=255, blank=True, db_index=True
    )
    created_at = models.DateTimeField(_("started"), auto_now_add=True, db_index=True)
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)

    class Meta:
        verbose_name = _("contribution")
        verbose_name_plural = _("contributions")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.reference

    @property
    def total(self) -> int:
        return self.amount + self.fee_amount

    @property
    def is_recurring(self) -> bool:
        return self.frequency in RECURRING

    def display_total(self) -> str:
        return money.format_money(self.total, self.currency, self.language)

    def total_plain(self) -> str:
        return money.format_plain(self.total, self.currency)


class RecurringPlan(models.Model):
    """Monthly or annual support. The processor owns the renewal schedule; this mirrors it."""

    wagtail_reference_index_ignore = True  # as for supporters

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        PAST_DUE = "past_due", _("Payment failed, retrying")
        CANCELED = "canceled", _("Canceled")

    supporter = models.ForeignKey(
        Supporter, on_delete=models.PROTECT, related_name="plans", verbose_name=_("supporter")
    )
    contribution = models.OneToOneField(
        Contribution, on_delete=models.PROTECT, related_name="plan", verbose_name=_("started by")
    )
    provider = models.CharField(_("payment method"), max_length=20)
    provider_plan_id = models.CharField(
        _("processor's subscription id"), max_length=255, unique=True, null=True, blank=True
    )
    provider_customer_id = models.CharField(
        _("processor's customer id"), max_length=255, blank=True
    )
    amount = models.PositiveIntegerField(_("amount"), help_text=_("Charged every period."))
    currency = money.CurrencyField(_("currency"))
    interval = models.CharField(
        _("interval"),
        max_length=5,
        choices=[(Frequency.MONTH.value, _("month")), (Frequency.YEAR.value, _("year"))],
    )
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.ACTIVE, db_index=True
    )
    current_period_end = models.DateTimeField(_("next renewal"), null=True, blank=True)
    # The processor's time of the newest fact applied; older facts no longer change the state.
    state_as_of = models.DateTimeField(null=True, blank=True, editable=False)
    # Bumped on every change a supporter asks for, so each change has its own idempotency key.
    revision = models.PositiveIntegerField(default=0, editable=False)
    cancel_reason = models.TextField(_("reason for canceling"), blank=True)
    canceled_at = models.DateTimeField(_("canceled"), null=True, blank=True)
    created_at = models.DateTimeField(_("started"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("recurring plan")
        verbose_name_plural = _("recurring plans")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        # In the language of whoever reads it (staff in the admin), not the supporter's.
        amount = money.format_money(self.amount, self.currency, get_language() or "en")
        return f"{amount} / {self.get_interval_display()}"

    def display_amount(self) -> str:
        return money.format_money(self.amount, self.currency, self.supporter.language)

    @property
    def is_manageable(self) -> bool:
        """A supporter may change, re-card or cancel it: not canceled, and known to the
        processor (whose subscription the change goes to)."""
        return self.status != self.Status.CANCELED and bool(self.provider_plan_id)

    @property
    def next_payment_at(self) -> datetime.datetime | None:
        """When the processor charges it next: the current period's end, none once canceled."""
        return None if self.status == self.Status.CANCELED else self.current_period_end


class Payment(models.Model):
    """Money that came in: a one-time gift, a plan's first payment or a renewal."""

    wagtail_reference_index_ignore = True  # as for supporters

    class Kind(models.TextChoices):
        ONCE = "once", _("One-time")
        FIRST = "first", _("First of a plan")
        RENEWAL = "renewal", _("Renewal")

    supporter = models.ForeignKey(
        Supporter, on_delete=models.PROTECT, related_name="payments", verbose_name=_("supporter")
    )
    contribution = models.ForeignKey(
        Contribution,
        on_delete=models.PROTECT,
        related_name="payments",
        null=True,
        blank=True,
        verbose_name=_("contribution"),
    )
    plan = models.ForeignKey(
        RecurringPlan,
        on_delete=models.PROTECT,
        related_name="payments",
        null=True,
        blank=True,
        verbose_name=_("plan"),
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    provider = models.CharField(_("payment method"), max_length=20)
    provider_payment_id = models.CharField(_("processor's payment id"), max_length=255)
    # What a refund names: Stripe's PaymentIntent (for an invoice, the invoice's).
    provider_charge_ref = models.CharField(max_length=255, blank=True, db_index=True)
    amount = models.PositiveIntegerField(_("amount"))
    currency = money.CurrencyField(_("currency"))
    paid_at = models.DateTimeField(_("paid"), db_index=True)
    refunded_amount = models.PositiveIntegerField(_("refunded"), default=0)
    refunded_at = models.DateTimeField(_("refunded at"), null=True, blank=True, db_index=True)
    # Set once the mail server accepted the receipt; until then a sender holds a claim that
    # lapses (ledger.RECEIPT_CLAIM), so a sender that died never keeps the receipt from going.
    receipt_sent_at = models.DateTimeField(_("receipt sent"), null=True, blank=True)
    receipt_claimed_at = models.DateTimeField(_("receipt being sent since"), null=True, blank=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-paid_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "provider_payment_id"], name="unique_provider_payment"
            )
        ]

    def __str__(self) -> str:
        amount = money.format_money(self.amount, self.currency, get_language() or "en")
        return f"{self.receipt_number} {amount}"

    @property
    def receipt_number(self) -> str:
        return f"{self.paid_at:%Y}-{self.pk:06d}"

    @property
    def reference(self) -> str:
        """The reference the reader saw when giving (a renewal: that of its plan's first gift)."""
        contribution = self.contribution or (self.plan.contribution if self.plan else None)
        return contribution.reference if contribution else ""

    @property
    def net_amount(self) -> int:
        return self.amount - self.refunded_amount

    def display_amount(self) -> str:
        return money.format_money(self.amount, self.currency, self.supporter.language)


class PlanChange(models.Model):
    """One change of what a plan brings in each month, as the ledger applied it: the plan's
    history, from which the dashboard reads MRR and its movement at any past moment.

    Amounts are twelve months' worth (a monthly plan's charge × 12, an annual plan's charge),
    so that annual plans divide into months without rounding; a plan brings in nothing while
    it is not active (payment failed, or canceled), as for the funding goal.
    """

    wagtail_reference_index_ignore = True  # as for supporters

    class Kind(models.TextChoices):
        NEW = "new", _("New")
        REACTIVATION = "reactivation", _("Reactivation")
        EXPANSION = "expansion", _("Expansion")
        CONTRACTION = "contraction", _("Contraction")
        CHURN = "churn", _("Churn")
        # The plan changed interval at the same yearly value: no movement.
        NONE = "none", _("No movement")

    plan = models.ForeignKey(
        RecurringPlan, on_delete=models.PROTECT, related_name="changes", verbose_name=_("plan")
    )
    supporter = models.ForeignKey(
        Supporter, on_delete=models.PROTECT, related_name="+", verbose_name=_("supporter")
    )
    at = models.DateTimeField(_("at"), db_index=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    currency = money.CurrencyField(_("currency"))
    interval = models.CharField(_("interval"), max_length=5)
    active = models.BooleanField(_("active"))
    yearly = models.BigIntegerField(_("twelve months' worth, after"))
    yearly_change = models.BigIntegerField(_("change of twelve months' worth"))
    # When the plan's next change came: this one's terms held from `at` until then (null:
    # they hold still), so the plans' state at a moment is a range, not a newest-per-plan.
    until = models.DateTimeField(_("until"), null=True, blank=True)

    class Meta:
        verbose_name = _("plan change")
        verbose_name_plural = _("plan changes")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["plan", "at"], name="plan_change_plan_at")]

    def __str__(self) -> str:
        return f"{self.plan_id} {self.kind} {self.at:%Y-%m-%d}"


def yearly_value(amount: int, interval: str) -> int:
    """Twelve months' worth of a plan's charge, in minor units."""
    return amount * 12 if interval == Frequency.MONTH else amount


class DayTotal(models.Model):
    """Payments summed per day (in the newsroom's time zone, `zone`), currency, rail, kind and
    language, refunds on the day of the payment they return: kept by the ledger with each
    payment and refund (`summaries.py`, which says why days and not hours)."""

    wagtail_reference_index_ignore = True  # as for supporters

    zone = models.CharField(max_length=64)
    day = models.DateField()
    currency = money.CurrencyField()
    provider = models.CharField(max_length=20)
    kind = models.CharField(max_length=8, choices=Payment.Kind.choices)
    # The language the supporter gave in: a renewal's is its plan's first gift's.
    language = models.CharField(max_length=8)
    payments = models.PositiveIntegerField(default=0)
    amount = models.BigIntegerField(default=0)
    refunded = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["zone", "day", "currency", "provider", "kind", "language"],
                name="unique_day_total",
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.currency} {self.provider} {self.kind} {self.language}"


class GivingSpan(models.Model):
    """When a supporter first and last gave (payments not wholly refunded), and last gave
    through an annual plan, for the retention cohorts; kept by the ledger (`summaries.py`)."""

    wagtail_reference_index_ignore = True  # as for supporters

    supporter = models.OneToOneField(
        Supporter, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    first_at = models.DateTimeField(db_index=True)
    last_at = models.DateTimeField()
    last_annual_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return f"{self.supporter_id} {self.first_at:%Y-%m-%d}–{self.last_at:%Y-%m-%d}"
