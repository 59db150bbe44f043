"""The worker's repeating threads (lease heartbeat, clock): a failure is logged and tried again,
and the thread ends when the worker stops."""

import logging
import threading

from tamizdat import repeating
from tests.waiting import wait_for


def test_work_that_fails_is_tried_again_until_the_worker_stops(caplog):
    rounds: list[int] = []

    def flaky() -> None:
        rounds.append(len(rounds))
        if len(rounds) == 1:
            raise ConnectionError("the database is away for a moment")

    stopped = threading.Event()
    thread = repeating.every(
        0, flaky, stopped, name="test", logger=logging.getLogger("test"), failure="could not"
    )
    wait_for(lambda: len(rounds) >= 3, "three rounds, the first one failing")
    stopped.set()
    thread.join(timeout=5)
    assert not thread.is_alive()
    assert [record.getMessage() for record in caplog.records] == ["could not"]
    assert caplog.records[0].exc_info[0] is ConnectionError
