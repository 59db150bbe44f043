from __future__ import annotations

import pytest
from playwright.sync_api import Page


@pytest.fixture
def reading_site(site):
    """The shared small newsroom, named for what browser tests do with it."""
    return site


def console_errors(page: Page, origin: str | None = None) -> list[str]:
    """The console errors and uncaught exceptions of `page`, in a list that fills as the test
    goes; with `origin`, only those of pages on that origin (not a payment processor's).
    A Content-Security-Policy violation shows up here too."""
    errors: list[str] = []

    def ours(url: str) -> bool:
        return origin is None or url.startswith(origin)

    page.on(
        "console",
        lambda message: (
            message.type == "error"
            and ours(message.location.get("url", ""))
            and errors.append(message.text)
        ),
    )
    page.on("pageerror", lambda error: ours(page.url) and errors.append(str(error)))
    return errors
