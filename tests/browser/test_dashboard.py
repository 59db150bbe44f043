"""The revenue dashboard in Chromium, in the admin's light and dark themes: it loads under the
admin's Content-Security-Policy with no console error, and axe finds nothing to fault."""

from __future__ import annotations

import datetime

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from playwright.sync_api import Browser, expect

from tests import factories
from tests.browser.conftest import STAFF_PASSWORD, console_errors
from tests.prompts import factories as prompt_factories

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def books(newsroom):
    prompt_factories.goal(amount=100_000, currency="USD")
    prompt_factories.rate("EUR", "USD", "1.10", datetime.date(2024, 1, 1))
    now = timezone.now()
    factories.plan("monthly@example.org", amount=1500, at=now - datetime.timedelta(days=70))
    factories.plan("annual@example.org", amount=12000, interval="year", at=now)
    factories.gift("once@example.org", amount=4200, currency="EUR", at=now)
    factories.gift("refunded@example.org", amount=2500, at=now, refunded=1000)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_dashboard_passes_axe_with_no_console_error(
    browser: Browser, live_server, editor, books, scheme: str
) -> None:
    context = browser.new_context(color_scheme=scheme, viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    errors = console_errors(page)
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "editor")
    page.fill("#id_password", STAFF_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/admin/")
    dashboard = page.locator(".tz-dashboard")
    expect(dashboard.get_by_role("heading", name="Reader revenue")).to_be_visible()
    expect(dashboard.get_by_role("img", name="MRR", exact=True)).to_be_visible()
    expect(page.locator(".tz-chart svg")).to_have_count(10)

    page.get_by_role("link", name="Last 12 months").click()
    expect(dashboard.locator("caption").first).to_contain_text("–")
    results = Axe().run(page)
    context.close()
    assert results.violations_count == 0, results.generate_report()
    assert errors == []
