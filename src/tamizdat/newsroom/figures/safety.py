"""The card-testing defence as staff see it: attempts it blocked, and whether it is raised."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from tamizdat.support import defence


@dataclass(frozen=True)
class Safety:
    guarded: bool
    blocked: dict[str, int]  # per reason, over the days counted

    @property
    def total(self) -> int:
        return sum(self.blocked.values())


def safety(first: datetime.date, last: datetime.date) -> Safety:
    return Safety(guarded=defence.guarded(), blocked=defence.blocked_counts(first, last))
