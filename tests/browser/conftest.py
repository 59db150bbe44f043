from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Browser, Page

STAFF_PASSWORD = "a long editor password"


@pytest.fixture
def reading_site(site):
    """The shared small newsroom, named for what browser tests do with it."""
    return site


def console_errors(
    page: Page, origin: str | None = None, forgive: set[str] | None = None
) -> list[str]:
    """The console errors and uncaught exceptions of `page`, in a list that fills as the test
    goes; with `origin`, only those of pages on that origin (not a payment processor's); a
    failed load of an address in `forgive` is left out. A Content-Security-Policy violation
    shows up here too."""
    errors: list[str] = []

    def ours(url: str) -> bool:
        return origin is None or url.startswith(origin)

    def note(message) -> None:
        url = message.location.get("url", "")
        forgiven = forgive is not None and url in forgive and "Failed to load" in message.text
        if message.type == "error" and ours(url) and not forgiven:
            errors.append(message.text)

    page.on("console", note)
    page.on("pageerror", lambda error: ours(page.url) and errors.append(str(error)))
    return errors


@pytest.fixture
def editor(db) -> User:
    return User.objects.create_superuser("editor", "editor@example.org", STAFF_PASSWORD)


@pytest.fixture
def admin(browser: Browser, live_server, editor, newsroom) -> Iterator[Page]:
    """A signed-in staff member's tab; at the end, no page it visited may have logged an
    error. The newsroom exists before the editor signs in, as in a running newsroom (the
    article preview of an editor who signed in before the site existed shows nothing)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    errors = console_errors(page, forgive=_unsaved_drafts(page))
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "editor")
    page.fill("#id_password", STAFF_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/admin/")
    yield page
    context.close()
    assert errors == []


def _unsaved_drafts(page: Page) -> set[str]:
    """Addresses where Wagtail's background save of an open form was refused. It answers 400
    while a required field is still empty: its way of saying "not saved yet", which the
    browser logs as a failed load."""
    refused: set[str] = set()

    def note(response) -> None:
        request = response.request
        is_json = "application/json" in request.headers.get("accept", "")
        if response.status == 400 and request.method == "POST" and is_json:
            refused.add(response.url)

    page.on("response", note)
    return refused
