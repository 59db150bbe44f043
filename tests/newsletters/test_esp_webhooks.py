"""An e-mail service's signed bounce and complaint webhooks (Mailgun's documented payload)
suppress the address; an unsigned or wrongly signed one is refused, and a service that is not
configured is not there."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import pytest

from tamizdat.newsletters.models import Subscriber
from tests.newsletters.conftest import subscribe

pytestmark = pytest.mark.django_db

SIGNING_KEY = "mailgun-signing-key-for-tests"
URL = "/newsletters-esp/mailgun/tracking/"


@pytest.fixture
def mailgun(settings):
    settings.ANYMAIL = {"MAILGUN_WEBHOOK_SIGNING_KEY": SIGNING_KEY}


def event(recipient: str, kind: str = "failed", key: str = SIGNING_KEY) -> str:
    timestamp, token = str(int(time.time())), "a8ce0edb2dd8301dee6c2405235584e45aa91d1e9f979f3de0"
    signature = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    return json.dumps(
        {
            "signature": {"timestamp": timestamp, "token": token, "signature": signature},
            "event-data": {
                "event": kind,
                "severity": "permanent",
                "reason": "bounce",
                "recipient": recipient,
                "timestamp": float(timestamp),
                "id": "G9Bn5sl1TC6nu79C8C0bwg",
                "message": {"headers": {"message-id": "issue-1.1@tamizdat.example"}},
                "delivery-status": {"code": 550, "message": "No such mailbox"},
            },
        }
    )


def test_a_signed_bounce_suppresses_the_address(newsletter, mailgun, client):
    subscribe(newsletter, "gone@example.org", "here@example.org")
    response = client.post(URL, event("Gone@example.org"), content_type="application/json")
    assert response.status_code == 200
    gone = Subscriber.objects.get(email="gone@example.org")
    assert gone.suppressed_at is not None and gone.suppression == "bounced"
    assert Subscriber.objects.get(email="here@example.org").suppressed_at is None


def test_a_signed_complaint_suppresses_the_address(newsletter, mailgun, client):
    subscribe(newsletter, "annoyed@example.org")
    client.post(URL, event("annoyed@example.org", "complained"), content_type="application/json")
    assert Subscriber.objects.get().suppression == "complained"


def test_an_unsigned_or_forged_webhook_is_refused(newsletter, mailgun, client):
    subscribe(newsletter, "ada@example.org")
    forged = event("ada@example.org", key="not-the-key")
    assert client.post(URL, forged, content_type="application/json").status_code == 400
    unsigned = json.loads(event("ada@example.org"))
    del unsigned["signature"]
    response = client.post(URL, json.dumps(unsigned), content_type="application/json")
    assert response.status_code == 400
    assert Subscriber.objects.get().suppressed_at is None


def test_a_service_not_configured_is_not_there(newsletter, settings, client):
    settings.ANYMAIL = {}
    for url in (URL, "/newsletters-esp/nosuch/tracking/"):
        response = client.post(url, event("a@example.org"), content_type="application/json")
        assert response.status_code in (302, 404)  # any unknown address: to a language's 404
        assert client.get(response.get("Location", url)).status_code == 404
