"""`tamizdat demo` as a newcomer meets it, with its own card processor: the appeal under an
article → Card → the processor's hosted page → the thank-you page → the receipt in the demo's
mail folder → the plan changed through the receipt's link → the gift on the dashboard.

The demo runs as `make demo` runs it, in processes of its own, on a data directory of its own
(loading the newsroom takes about a minute)."""

from __future__ import annotations

import email
import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import console_errors
from tests.servers import free_port, wait_until_up
from tests.waiting import wait_for

# Loading the demo newsroom takes about a minute, more on a busy machine.
pytestmark = pytest.mark.timeout(600)

REPO = Path(__file__).resolve().parents[2]
ARTICLE = json.loads((REPO / "src/tamizdat/news/demo_data/articles_politics.json").read_text())[0]
# What the test process was configured with, which the demo must not inherit.
NOT_INHERITED = {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "PROMETHEUS_MULTIPROC_DIR"}


@dataclass(frozen=True)
class Demo:
    url: str
    data_dir: Path
    output: Path

    def printed(self) -> str:
        return self.output.read_text()

    def login(self) -> tuple[str, str]:
        found = re.search(r"Log in as:\s+(\S+) / (\S+)", self.printed())
        assert found, self.printed()
        return found[1], found[2]

    def mail(self) -> list[EmailMessage]:
        """Every message in the demo's mail folder (Django's file backend: one file per
        connection, messages separated by a line of 79 dashes)."""
        messages = []
        for path in sorted((self.data_dir / "mail").glob("*.log")):
            for chunk in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
                if chunk.strip():
                    messages.append(email.message_from_bytes(chunk, policy=policy.default))
        return messages


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Demo]:
    port = free_port()
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("TAMIZDAT_") and name not in NOT_INHERITED
    }
    data_dir = tmp_path / "var"
    env["TAMIZDAT_DATA_DIR"] = str(data_dir)
    env["TAMIZDAT_BASE_URL"] = f"http://127.0.0.1:{port}"
    output = tmp_path / "demo.log"
    with output.open("w") as log:
        # A session of its own, so that the web server, its worker and the card processor
        # all end with the test, whatever state it left them in.
        process = subprocess.Popen(
            [sys.executable, "-m", "tamizdat.cli", "demo", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_until_up(f"http://127.0.0.1:{port}/healthz", timeout=420)
        yield Demo(f"http://127.0.0.1:{port}", data_dir, output)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def dashboard_figures(page: Page, url: str) -> dict[str, str]:
    """This month's column of the dashboard's table of figures, by figure."""
    page.goto(f"{url}/admin/")
    rows = page.locator(".tz-figures tbody tr")
    expect(rows.first).to_be_visible()
    return {
        row.locator("th").inner_text(): row.locator("td").first.inner_text() for row in rows.all()
    }


def dollars(text: str) -> Decimal:
    return Decimal(re.sub(r"[^\d.]", "", text))


def test_a_newcomer_gives_by_card_on_the_demo_end_to_end(browser: Browser, demo: Demo) -> None:
    printed = demo.printed()
    processor = re.search(r"Card payments: a demo processor on (http://\S+), test card", printed)
    assert processor, printed
    assert f"Mail sent:     {demo.data_dir / 'mail'}/" in printed

    staff = browser.new_context(viewport={"width": 1400, "height": 1000})
    admin = staff.new_page()
    admin_errors = console_errors(admin)
    username, password = demo.login()
    admin.goto(f"{demo.url}/admin/login/")
    admin.fill("#id_username", username)
    admin.fill("#id_password", password)
    admin.get_by_role("button", name="Sign in").click()
    admin.wait_for_url("**/admin/")
    before = dashboard_figures(admin, demo.url)

    reader = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    errors = console_errors(reader, origin=demo.url)
    reader.goto(f"{demo.url}/en/{ARTICLE['section']}/{ARTICLE['slug']}/")
    # The form of the arm the campaign chose for this reader (each arm has its own).
    form = reader.locator('[data-prompt-slot="appeal"] form:visible').first
    expect(form.get_by_role("radio", name="Monthly")).to_be_checked()
    card = form.get_by_role("radio", name="Card")
    expect(card).to_be_checked()
    # Said before the reader pays anything, and tied to the choice for screen readers.
    expect(card).to_have_accessible_description(
        "Card: a demo processor, no money moves. Pay with the test card 4242 4242 4242 4242."
    )
    expect(form.locator(".contribution__total")).to_have_text("$10 / month")
    form.get_by_label("E-mail for your receipt").fill("newcomer@example.org")
    form.get_by_role("button", name="Continue").click()

    expect(reader).to_have_url(re.compile(re.escape(processor[1]) + "/checkout/"))
    expect(reader.locator("#test-mode")).to_contain_text("no money moves")
    reader.locator("#cardNumber").fill("4242 4242 4242 4242")
    reader.get_by_role("button", name="Pay").click()
    expect(reader.get_by_role("heading", level=1)).to_have_text("Thank you for your support")

    # The worker sends the receipt once the processor's webhook has recorded the payment.
    def receipt() -> EmailMessage | None:
        return next(
            (
                message
                for message in demo.mail()
                if message["To"] == "newcomer@example.org"
                and message["Subject"].startswith("Your receipt from")
            ),
            None,
        )

    found = wait_for(receipt, "the receipt in the demo's mail folder", 60)
    body = found.get_body(("plain",)).get_content()
    assert "$10" in body and "Card" in body
    link = re.search(r"http://\S+/support/manage/\S+/", body)
    assert link, body

    reader.goto(link[0])
    expect(reader.locator(".plan h3")).to_have_text("$10 · every month")
    reader.get_by_label("Amount (USD)").fill("20")
    reader.get_by_role("button", name="Change my plan").click()
    expect(reader.get_by_role("status")).to_contain_text("Your plan was changed")
    expect(reader.locator(".plan h3")).to_have_text("$20 · every month")
    assert errors == []

    after = dashboard_figures(admin, demo.url)
    supporters = "Active recurring supporters"
    assert int(after[supporters].replace(",", "")) == int(before[supporters].replace(",", "")) + 1
    assert dollars(after["MRR"]) == dollars(before["MRR"]) + 20
    staff.close()
    assert admin_errors == []
