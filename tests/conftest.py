import os

import pytest
from django.core.cache import cache

from tests import factories

# Playwright's sync API runs an event loop in the test thread; the Django ORM calls made by the
# same tests are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def newsroom(db, tmp_path, settings) -> factories.Newsroom:
    settings.MEDIA_ROOT = tmp_path / "media"
    return factories.newsroom()


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
