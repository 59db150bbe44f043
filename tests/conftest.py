import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import caches
from django.core.files import File
from django.core.files.storage import default_storage
from django.test.signals import setting_changed
from django.test.utils import override_settings
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from pytest_django import plugin as django_plugin

from tests import factories, snapshots

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


@dataclass(frozen=True)
class Standard:
    """The standard newsroom as built once (`factories.newsroom`, then `factories.standard_site`):
    what each step changed in the migrated database, its objects' keys and its uploads."""

    newsroom: list[snapshots.TableChange]
    newsroom_keys: factories.Keys
    site: list[snapshots.TableChange]
    site_keys: factories.Keys
    media: Path


STANDARD = pytest.StashKey[Standard]()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker, request, tmp_path_factory):
    """The migrated rows that committing tests get back (serialized rollback) are kept on the
    database connection's class as well as on the connection that made them: a test that runs
    in Playwright's context reaches the database through a connection object of its own, which
    would otherwise have nothing to restore and leave the tables empty.

    Then the standard newsroom is built once and its rows kept (`tests.snapshots`), and the
    database goes back to its migrated state."""
    from django.db import connections

    for connection in connections.all():
        contents = getattr(connection, "_test_serialized_contents", None)
        if contents is not None:
            type(connection)._test_serialized_contents = contents

    media = tmp_path_factory.mktemp("standard-media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media):
        migrated = snapshots.read()
        newsroom = factories.newsroom()
        bare = snapshots.read()
        newsroom_keys = newsroom.keys()
        factories.standard_site(newsroom)
        built = snapshots.read()
        snapshots.apply(snapshots.change(built, migrated))
        _empty_every_cache()
    request.config.stash[STANDARD] = Standard(
        newsroom=snapshots.change(migrated, bare),
        newsroom_keys=newsroom_keys,
        site=snapshots.change(bare, built),
        site_keys=newsroom.keys(),
        media=media,
    )


def _empty_every_cache() -> None:
    for alias in settings.CACHES:
        caches[alias].clear()


@pytest.fixture(autouse=True)
def _empty_caches():
    """Every test starts with empty caches: pages, fragments, rate limits and renditions."""
    _empty_every_cache()


# Settings a test may change before asking for the newsroom that the newsroom's building does
# not read: the test's own uploads folder, and the live server's host name.
_SETTINGS_THE_BUILD_IGNORES = {"MEDIA_ROOT", "ALLOWED_HOSTS"}


@pytest.fixture(autouse=True)
def _changed_settings() -> Iterator[set[str]]:
    """The settings this test has changed so far."""
    changed: set[str] = set()

    def note(setting: str, **kwargs: object) -> None:
        changed.add(setting)

    setting_changed.connect(note, weak=False)
    yield changed
    setting_changed.disconnect(note)


def _as_built(request: pytest.FixtureRequest, changed: set[str]) -> Standard | None:
    """The newsroom as built once, if this test has changed no setting that its building
    reads (another task backend, mirror targets, a front cache): otherwise the test builds
    its own, as it would be built under its settings."""
    if changed - _SETTINGS_THE_BUILD_IGNORES:
        return None
    return request.config.stash[STANDARD]


@pytest.fixture
def newsroom(db, tmp_path, settings, request, _changed_settings) -> factories.Newsroom:
    settings.MEDIA_ROOT = tmp_path / "media"
    standard = _as_built(request, _changed_settings)
    if standard is None:
        return factories.newsroom()
    snapshots.apply(standard.newsroom)
    return factories.Newsroom.found(standard.newsroom_keys)


@pytest.fixture
def site(newsroom, request, _changed_settings):
    """Two sections, two authors, four English stories, two of them translated into Russian
    (`factories.standard_site`)."""
    standard = _as_built(request, _changed_settings)
    if standard is None:
        return factories.standard_site(newsroom)
    snapshots.apply(standard.site)
    for upload in sorted(p for p in standard.media.rglob("*") if p.is_file()):
        name = upload.relative_to(standard.media).as_posix()
        with upload.open("rb") as content:
            assert default_storage.save(name, File(content)) == name
    found = factories.Newsroom.found(standard.site_keys)
    newsroom.sections.update(found.sections)
    newsroom.sections_ru.update(found.sections_ru)
    newsroom.authors.update(found.authors)
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
