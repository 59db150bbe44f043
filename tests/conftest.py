import os

import pytest
from django.conf import settings
from django.core.cache import caches
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from pytest_django import plugin as django_plugin

from tests import factories

# The Stripe peer (a real Stripe-API server on loopback), reader-revenue fixtures, the S3 peer
# and the task queue in the database (`queued`).
pytest_plugins = [
    "tests.stripe_peer.pytest_plugin",
    "tests.revenue",
    "tests.s3_peer",
    "tests.worker",
]

# Playwright's sync API runs an event loop in the test thread; the Django ORM calls made by the
# same tests are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# Property-based tests are seeded (derandomized) so that every run tries the same inputs: a short
# profile in the normal suite, a long one by hand (`make fuzz`). Examples share one test's
# client and database, so the function-scoped fixtures' check does not apply.
_fuzz_settings = {
    "derandomize": True,
    "database": None,
    "deadline": None,
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
}
hypothesis_settings.register_profile("short", max_examples=25, **_fuzz_settings)
hypothesis_settings.register_profile("long", max_examples=1500, **_fuzz_settings)
hypothesis_settings.load_profile(os.environ.get("TAMIZDAT_FUZZ_PROFILE", "short"))


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that commit (a live server, a worker thread) run after the rolled-back ones and
    find the rows migrations made (the page tree's root, the default amounts) restored.

    pytest-django orders committing tests last, but pytest's grouping of tests by their
    parametrised session fixtures (Playwright's browser) runs afterwards and moves the browser
    tests to the front; its order is applied once more here, stably. A committing test ends by
    emptying the database, so each one asks for the migrated rows back (serialized rollback).
    """
    for item in items:
        marker = item.get_closest_marker("django_db")
        commits = "live_server" in getattr(item, "fixturenames", ()) or (
            marker is not None and marker.kwargs.get("transaction", False)
        )
        if commits:
            restored = pytest.mark.django_db(transaction=True, serialized_rollback=True)
            item.add_marker(restored, append=False)
    django_plugin.pytest_collection_modifyitems(items)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup):
    """The migrated rows that committing tests get back (serialized rollback) are kept on the
    database connection's class as well as on the connection that made them: a test that runs
    in Playwright's context reaches the database through a connection object of its own, which
    would otherwise have nothing to restore and leave the tables empty."""
    from django.db import connections

    for connection in connections.all():
        contents = getattr(connection, "_test_serialized_contents", None)
        if contents is not None:
            type(connection)._test_serialized_contents = contents


@pytest.fixture(autouse=True)
def _empty_caches():
    """Every test starts with empty caches: pages, fragments, rate limits and renditions."""
    for alias in settings.CACHES:
        caches[alias].clear()


@pytest.fixture
def newsroom(db, tmp_path, settings) -> factories.Newsroom:
    settings.MEDIA_ROOT = tmp_path / "media"
    return factories.newsroom()


@pytest.fixture
def site(newsroom):
    """Two sections, two authors, four English stories, two of them translated into Russian."""
    newsroom.section("politics", "Politics", "Политика")
    newsroom.section("culture", "Culture", "Культура")
    newsroom.author("ada", "Ada Reporter")
    newsroom.author("boris", "Boris Writer")
    lead = newsroom.article(
        "politics",
        "Parliament dissolved",
        hours_ago=5,
        tags=("elections",),
        authors=("ada",),
        image=factories.photo("lead"),
    )
    related = newsroom.article(
        "politics", "Opposition prepares", hours_ago=8, tags=("elections",), image=factories.photo()
    )
    newsroom.article(
        "politics", "Budget passed", hours_ago=10, tags=("budget",), authors=("boris",)
    )
    newsroom.article("culture", "Theatre reopens", hours_ago=2, tags=("elections",))
    newsroom.translate(lead, "Парламент распущен")
    newsroom.translate(related, "Оппозиция готовится")
    return newsroom


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    # Debian's chromium, never a downloaded browser; without the background-networking flags it
    # tries to reach Google's hosts at start.
    return {
        **browser_type_launch_args,
        "executable_path": os.environ.get("TAMIZDAT_CHROMIUM", "/usr/bin/chromium"),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }
