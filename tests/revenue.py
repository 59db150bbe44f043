"""Fixtures and helpers for reader-revenue tests: the Stripe peer wired to a live Tamizdat,
form data as a reader would send it, and a proof-of-work solver like the form's script."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import altcha
import pytest
from django.core import mail
from django.test import Client

from tamizdat.support import defence
from tamizdat.support.models import Contribution

WEBHOOK_SECRET = "whsec_tamizdat_tests"
POW_MAX_NUMBER = 2_000


def solve_pow() -> str:
    """A fresh solution to a fresh challenge, as the form's script would send it."""
    challenge = defence.new_challenge()
    solution = altcha.solve_challenge_v1(
        challenge["challenge"], challenge["salt"], challenge["algorithm"], challenge["maxNumber"]
    )
    assert solution is not None
    payload = {
        "algorithm": challenge["algorithm"],
        "challenge": challenge["challenge"],
        "number": solution.number,
        "salt": challenge["salt"],
        "signature": challenge["signature"],
    }
    return base64.b64encode(json.dumps(payload).encode()).decode()


def form_data(**overrides: Any) -> dict[str, str]:
    frequency = overrides.pop("frequency", "once")
    currency = overrides.pop("currency", "USD")
    amount = overrides.pop("amount", None)
    data = {
        "frequency": frequency,
        "currency": currency,
        "email": "reader@example.org",
        "method": "stripe",
        "campaign": "",
        "variant": "",
        "website": "",
        "altcha": "",
    }
    if amount is not None:
        data[f"other_{frequency}"] = str(amount)
    data.update({k: str(v) for k, v in overrides.items()})
    return data


@dataclass
class Rails:
    """Tamizdat on a live server with Stripe (the peer) and bank transfer switched on."""

    peer: Any
    base_url: str

    def contribute(self, client: Client, language: str = "en", pow: bool = True, **fields: Any):
        data = form_data(**fields)
        if pow and data["method"] == "stripe" and not fields.get("altcha"):
            data["altcha"] = solve_pow()
        return client.post(f"/{language}/support/contribute/", data)

    def session_id(self, checkout_url: str) -> str:
        return urlsplit(checkout_url).path.rsplit("/", 1)[-1]

    def give(self, client: Client, card: str = "4242424242424242", **fields: Any) -> Contribution:
        """Fill in the form, pay on the hosted page, wait for the webhooks."""
        response = self.contribute(client, **fields)
        assert response.status_code == 303, response.content.decode()[:2000]
        assert response["Location"].startswith(self.peer.base_url)
        paid = self.peer.pay_checkout(self.session_id(response["Location"]), card)
        assert paid.status in (303, 402), paid.body
        self.peer.wait_idle()
        return Contribution.objects.get(provider_session_id=self.session_id(response["Location"]))


@pytest.fixture
def rails(settings, stripe_peer_reset, live_server) -> Iterator[Rails]:
    peer = stripe_peer_reset
    settings.STRIPE_SECRET_KEY = peer.api_key
    settings.STRIPE_API_BASE = peer.base_url
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_CHECKOUT_ORIGIN = peer.base_url
    settings.BANK_TRANSFER = {
        "account_holder": "Tamizdat Media Foundation",
        "iban": "DE89 3704 0044 0532 0130 00",
        "bic": "COBADEFFXXX",
        "bank_name": "Test Bank",
        "currencies": ["EUR", "USD", "GBP"],
    }
    settings.SUPPORT_POW_MAX_NUMBER = POW_MAX_NUMBER
    settings.BASE_URL = live_server.url
    peer.add_webhook(f"{live_server.url}/payments/webhook/stripe/", WEBHOOK_SECRET)
    mail.outbox = []
    yield Rails(peer=peer, base_url=live_server.url)
    peer.reset()  # no delivery or retry of this test's events reaches the next test
