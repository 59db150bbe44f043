"""A reader subscribes with double opt-in, receives an issue through a real SMTP server, and
leaves with one click (RFC 8058); a link scanner's GET changes nothing."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import signing
from django.utils import timezone

from tamizdat.newsletters import links, sending
from tamizdat.newsletters.models import Subscriber, Subscription
from tests.newsletters.conftest import body, issue_of, links_in


def confirmation_link(message) -> str:
    found = re.search(r"http://testserver(/\S+/newsletters/confirm/\S+/)", body(message))
    assert found, body(message)
    return found.group(1)


def unsubscribe_path(message) -> str:
    header = str(message["List-Unsubscribe"]).strip()
    assert header.startswith("<http://testserver/") and header.endswith(">"), header
    return header[len("<http://testserver") : -1]


@pytest.mark.django_db(transaction=True)
def test_subscribe_confirm_receive_and_leave_with_one_click(site, newsletter, smtp, client):
    response = client.post(
        "/en/newsletters/subscribe/", {"email": " Ada@Example.org ", "newsletters": newsletter.pk}
    )
    assert response.status_code == 200
    assert b"Check your e-mail" in response.content
    assert response["Cache-Control"] == "private, no-store"
    assert not Subscriber.objects.exists()  # nothing stored before the reader confirms
    [confirmation] = smtp.messages
    assert confirmation["To"] == "ada@example.org"
    assert "The Morning Courier" in confirmation["Subject"]
    link = confirmation_link(confirmation)

    # A mail scanner opening the link subscribes nobody; the reader's button does.
    assert client.get(link).status_code == 200
    assert not Subscriber.objects.exists()
    response = client.post(link)
    assert response.status_code == 200
    assert b"You are subscribed" in response.content
    subscription = Subscription.objects.get()
    assert subscription.subscriber.email == "ada@example.org"
    assert subscription.consent_language == "en"
    assert subscription.consented_at is not None

    issue = issue_of(newsletter, site)
    assert sending.start(issue) == 1
    [_, mail] = smtp.messages
    assert mail["To"] == "ada@example.org"
    assert mail["Subject"] == "Today"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert {part.get_content_type() for part in mail.walk()} >= {"text/plain", "text/html"}
    assert "Parliament dissolved" in body(mail) and "Parliament dissolved" in body(mail, "html")
    assert "<img" not in body(mail, "html")  # nothing to load, nothing that counts opens
    assert all(url.startswith("http://testserver/") for url in links_in(mail)), links_in(mail)
    issue.refresh_from_db()
    assert issue.state == "sent"
    assert issue.progress() == {"sent": 1, "waiting": 0, "failed": 0}

    # A link scanner follows the unsubscribe address: nothing changes.
    path = unsubscribe_path(mail)
    page = client.get(path)
    assert page.status_code == 200
    assert b"Unsubscribe from The Morning Courier" in page.content
    assert Subscription.objects.get().unsubscribed_at is None

    # The mailbox's one-click unsubscribe, as RFC 8058 says it posts.
    response = client.post(
        path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    assert Subscription.objects.get().unsubscribed_at is not None
    sending.start(issue_of(newsletter, site, subject="Tomorrow"))
    assert len(smtp.messages) == 2  # no further mail


def test_the_same_answer_whether_subscribed_or_not(site, newsletter, smtp, client):
    data = {"email": "boris@example.org", "newsletters": newsletter.pk}
    first = client.post("/en/newsletters/subscribe/", data)
    client.post(confirmation_link(smtp.messages[0]))
    again = client.post("/en/newsletters/subscribe/", data)
    assert again.status_code == first.status_code == 200
    assert again.content == first.content
    assert len(smtp.messages) == 2


def test_confirmation_mails_are_bounded_per_address(site, newsletter, smtp, client):
    data = {"email": "target@example.org", "newsletters": newsletter.pk}
    answers = [client.post("/en/newsletters/subscribe/", data).status_code for _ in range(6)]
    assert len(smtp.messages) == 3
    assert answers[3:] == [429, 429, 429]
    refused = client.post("/en/newsletters/subscribe/", data)
    assert b"Please try again tomorrow" in refused.content


def test_a_flood_from_one_sender_is_bounded(site, newsletter, smtp, client):
    for n in range(15):
        client.post(
            "/en/newsletters/subscribe/",
            {"email": f"n{n}@example.org", "newsletters": newsletter.pk},
        )
    assert len(smtp.messages) == 10


def test_the_honeypot_mails_nobody(site, newsletter, smtp, client):
    data = {"email": "bot@example.org", "newsletters": newsletter.pk, "website": "x"}
    assert client.post("/en/newsletters/subscribe/", data).status_code == 200
    assert smtp.messages == []


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"email": "not an address"}, "Введите правильный адрес электронной почты."),
        ({"email": "a@example.org", "newsletters": ""}, "Выберите хотя бы одну рассылку."),
        ({"email": "a@example.org", "newsletters": "99999"}, "Выберите хотя бы одну рассылку."),
        ({"email": "a@example.org", "newsletters": "x"}, "Выберите хотя бы одну рассылку."),
    ],
)
def test_bad_input_gets_a_clear_error_in_the_readers_language(
    site, newsletter, newsletter_ru, smtp, client, data, error
):
    data = {"newsletters": newsletter_ru.pk, **data}
    response = client.post("/ru/newsletters/subscribe/", data)
    assert response.status_code == 400
    assert error in response.content.decode()
    assert smtp.messages == []


def test_a_newsletter_of_another_language_cannot_be_chosen(site, newsletter, newsletter_ru, client):
    data = {"email": "a@example.org", "newsletters": newsletter.pk}
    assert client.post("/ru/newsletters/subscribe/", data).status_code == 400


def test_expired_and_tampered_links_are_refused(site, newsletter, smtp, client, time_machine):
    client.post(
        "/en/newsletters/subscribe/", {"email": "c@example.org", "newsletters": newsletter.pk}
    )
    link = confirmation_link(smtp.messages[0])
    tampered = link.replace("/confirm/", "/confirm/x")
    response = client.post(tampered)
    assert response.status_code == 400
    assert b"This link does not work" in response.content
    assert client.post("/en/newsletters/unsubscribe/1.2:forged/").status_code == 400
    time_machine.move_to(timezone.now() + timedelta(seconds=links.CONFIRM_SECONDS + 60))
    assert client.post(link).status_code == 400
    assert not Subscriber.objects.exists()


def test_preferences_change_what_one_receives(site, newsletter, smtp, client):
    other = newsletter.__class__.objects.create(name="Evening", slug="evening", language="en")
    client.post(
        "/en/newsletters/subscribe/",
        {"email": "d@example.org", "newsletters": [newsletter.pk, other.pk]},
    )
    client.post(confirmation_link(smtp.messages[0]))
    subscriber = Subscriber.objects.get()
    path = links.unsubscribe_url(subscriber, newsletter).removeprefix("http://testserver")
    response = client.post(path, {"action": "save", "newsletters": [other.pk], "language": "ru"})
    assert response.status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.language == "ru"
    active = Subscription.objects.filter(unsubscribed_at__isnull=True)
    assert [s.newsletter_id for s in active] == [other.pk]
    bad = client.post(path, {"action": "save", "language": "xx"})
    assert bad.status_code == 400
    client.post(path, {"action": "all"})
    assert not Subscription.objects.filter(unsubscribed_at__isnull=True).exists()


def test_a_signed_link_names_only_what_it_was_made_for():
    token = links.unsubscribe_token(1, 2)
    assert signing.Signer(salt=links.UNSUBSCRIBE_SALT).unsign(token) == "1.2"
    assert links.request_from_token(token) is None
