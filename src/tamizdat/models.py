"""The project's own bookkeeping, shared by every app."""

from __future__ import annotations

from django.db import models


class ClockTick(models.Model):
    """One run of a periodic job (see `clock`), claimed by whichever worker inserted it first:
    the unique pair is what makes a job run once per period across any number of workers."""

    job = models.CharField(max_length=100)
    slot = models.BigIntegerField(help_text="The period's number since the epoch.")
    claimed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "slot"], name="one_tick_per_slot")]

    def __str__(self) -> str:
        return f"{self.job} #{self.slot}"
