"""The cross-process lock and the one-winner `add` on Django's file cache, whose own `add`
looks and then writes, so that two processes can both win it."""

from __future__ import annotations

import multiprocessing

import pytest

from tamizdat.web import locks

pytestmark = pytest.mark.engine_neutral

PROCESSES = 8


def _race(key: str, start: multiprocessing.synchronize.Barrier, won: multiprocessing.Queue) -> None:
    start.wait()
    won.put(locks.add_once(key, 1, 60))


@pytest.fixture
def file_cache(settings, tmp_path):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "cache"),
        }
    }


@pytest.mark.parametrize("round_", range(3))
def test_of_processes_adding_one_key_at_once_exactly_one_wins(file_cache, round_):
    context = multiprocessing.get_context("fork")
    start = context.Barrier(PROCESSES)
    won = context.Queue()
    racers = [
        context.Process(target=_race, args=(f"used-solution-{round_}", start, won))
        for _ in range(PROCESSES)
    ]
    for racer in racers:
        racer.start()
    results = [won.get(timeout=30) for _ in racers]
    for racer in racers:
        racer.join(timeout=30)
    assert sorted(results) == [False] * (PROCESSES - 1) + [True]
    # Once won, the key stays taken for the next caller too.
    assert locks.add_once(f"used-solution-{round_}", 1, 60) is False


def test_the_lock_is_held_by_one_caller_at_a_time(file_cache):
    with (
        locks.held_by_one("render:/en/", 30) as first,
        locks.held_by_one("render:/en/", 30) as second,
    ):
        assert (first, second) == (True, False)
    with locks.held_by_one("render:/en/", 30) as again:
        assert again is True
