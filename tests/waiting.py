"""Waiting for something another process or thread does: poll a condition until it holds.

Tests never sleep for a fixed time in the hope that it is enough: they wait for what they
need to see, and fail after a deadline with what never happened. Time the product measures
itself (cache lifetimes, leases) is moved with time-machine instead.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_for(condition: Callable[[], T], what: str, timeout: float = 10) -> T:
    """The first true value `condition` returns, asked every few hundredths of a second; an
    assertion error naming `what` if it has returned none after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        assert time.monotonic() < deadline, f"{what}: not within {timeout:g} s"
        time.sleep(0.05)
    return value
