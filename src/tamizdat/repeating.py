"""Work that the worker process repeats every few seconds in a thread of its own: the lease
heartbeat (`leases`) and the clock of periodic jobs (`clock`)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from django.db import close_old_connections


def every(
    seconds: float,
    work: Callable[[], object],
    stopped: threading.Event,
    *,
    name: str,
    logger: logging.Logger,
    failure: str,
) -> threading.Thread:
    """Do `work` now and then every `seconds`, in a daemon thread called `name`, until `stopped`
    is set. A failure is logged as `failure` and the work is tried again next time: a database
    or cache away for a moment must not stop it for good."""

    def repeat() -> None:
        while not stopped.is_set():
            try:
                work()
            except Exception:
                logger.exception(failure)
            finally:
                # This thread's connection may have been closed by the database meanwhile.
                close_old_connections()
            stopped.wait(seconds)

    thread = threading.Thread(target=repeat, name=name, daemon=True)
    thread.start()
    return thread
