"""A reader signs up for a newsletter at the end of an article in Debian's Chromium, with and
without JavaScript, and confirms from the link in the mail that a real SMTP server received."""

from __future__ import annotations

import re

import pytest
from aiosmtpd.controller import Controller
from playwright.sync_api import Browser, expect

from tamizdat.news.models import ArticlePage
from tamizdat.newsletters.models import Newsletter, Subscription
from tests.browser.conftest import console_errors
from tests.newsletters.conftest import body
from tests.support.test_receipts import Sink, free_port, send_mail_to
from tests.waiting import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_a_reader_signs_up_under_an_article_and_confirms_from_the_mail(
    browser: Browser, live_server, reading_site, settings, javascript: bool
) -> None:
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    send_mail_to(settings, controller.port)
    Newsletter.objects.create(name="The Morning Courier", slug="morning", language="en")
    article = ArticlePage.objects.live().get(
        title="Parliament dissolved", locale__language_code="en"
    )
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    errors = console_errors(page)
    try:
        page.goto(f"{live_server.url}{article.url}")
        signup = page.get_by_role("region", name="Get our newsletter")
        signup.get_by_label("The Morning Courier").check()
        signup.get_by_label("Your e-mail address").fill("ada@example.org")
        signup.get_by_role("button", name="Subscribe").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Check your e-mail")
        wait_for(lambda: len(sink.messages) == 1, "the confirmation mail", timeout=10)
        assert not Subscription.objects.exists()  # nothing kept before the reader confirms

        # The mail names the newsroom's address; the test's server answers on another one.
        link = re.search(
            r"http://testserver(/\S+/newsletters/confirm/\S+/)", body(sink.messages[0])
        )
        assert link, body(sink.messages[0])
        page.goto(f"{live_server.url}{link.group(1)}")
        expect(page.get_by_role("main").get_by_role("listitem")).to_have_text("The Morning Courier")
        assert not Subscription.objects.exists()  # opening the link alone changes nothing
        page.get_by_role("button", name="Confirm").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("You are subscribed")
        subscription = Subscription.objects.get()
        assert subscription.subscriber.email == "ada@example.org"
        assert subscription.newsletter.slug == "morning"
    finally:
        context.close()
        controller.stop()
    assert errors == []
