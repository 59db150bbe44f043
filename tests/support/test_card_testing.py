"""A card-testing bot hammers the contribution form from many loopback addresses; the defence
keeps it away from the card processor while a normal reader still gets through."""

from __future__ import annotations

import http.client
import random
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest
import stripe
from django.core import mail
from django.test import Client

from tamizdat.support import defence
from tamizdat.support.models import Contribution, Payment
from tests.revenue import form_data, solve_pow

pytestmark = pytest.mark.django_db(transaction=True)

ATTEMPTS = 500

# A flood of requests tests the defence's counters, which live in the cache, not the
# database: such tests run on SQLite only.
flood = pytest.mark.scenario


def post_from(ip: str, port: int, path: str, data: dict[str, str]) -> tuple[int, str]:
    """POST like a script would, from a given loopback address."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=(ip, 0))
    try:
        connection.request(
            "POST",
            path,
            body=urllib.parse.urlencode(data),
            headers={"Content-Type": "application/x-www-form-urlencoded", "Host": "localhost"},
        )
        response = connection.getresponse()
        response.read()
        return response.status, response.getheader("Location") or ""
    finally:
        connection.close()


def bot_attempts() -> list[tuple[str, dict[str, str]]]:
    """What card testers send: small odd amounts, a new address each time, most without the
    proof of work, some replaying one solution they harvested, some that fill every field,
    and a few that pay the proof of work every time."""
    rng = random.Random(500)
    harvested = solve_pow()
    attempts = []
    for n in range(ATTEMPTS):
        kind = rng.choices(["plain", "replay", "honeypot", "solver"], [60, 20, 10, 10])[0]
        data = form_data(
            amount=rng.choice(["2", "3.17", "5", "2.01"]), email=f"cardholder{n}@mail.example"
        )
        if kind == "replay":
            data["altcha"] = harvested
        elif kind == "honeypot":
            data["website"] = "http://spam.example"
        elif kind == "solver":
            data["altcha"] = solve_pow()
        attempts.append((f"127.0.{n % 5}.{10 + n % 50}", data))
    return attempts


@flood
def test_a_burst_of_500_bot_attempts_barely_reaches_stripe_and_a_reader_still_gives(
    rails, client, settings
):
    # Only the bot's solvers pay for their attempts; the third start raises the guard.
    settings.SUPPORT_BURST_STARTS = 3
    port = urlsplit(rails.base_url).port
    attempts = bot_attempts()
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(
            pool.map(lambda a: post_from(a[0], port, "/en/support/contribute/", a[1]), attempts)
        )

    reached = stripe.checkout.Session.list(limit=100).data
    print(f"bot attempts that reached the processor: {len(reached)} of {ATTEMPTS}")
    assert len(reached) <= settings.SUPPORT_BURST_STARTS
    assert all(status in (302, 303, 429) for status, _ in results)
    assert defence.guarded()  # card payments are guarded for a while
    assert not Payment.objects.exists()
    # Confirmation e-mails went only to the addresses the bot typed, one each.
    recipients = [tuple(m.to) for m in mail.outbox]
    assert len(recipients) == len(set(recipients))

    # A reader whose browser did the (now harder) proof of work goes straight to the checkout.
    reader = form_data(amount="25", email="reader@example.org", altcha=solve_pow())
    status, location = post_from("127.0.0.1", port, "/en/support/contribute/", reader)
    assert status == 303 and location.startswith(rails.peer.base_url)
    assert rails.peer.pay_checkout(rails.session_id(location)).status == 303
    rails.peer.wait_idle()
    contribution = Contribution.objects.get(supporter__email="reader@example.org")
    assert contribution.status == Contribution.Status.PAID


def test_while_guarded_every_reader_can_still_pay_by_card(rails, client, settings):
    harvested_before = solve_pow()
    for _ in range(settings.SUPPORT_BURST_REJECTS):
        defence.note_decline()
    assert defence.guarded()
    # Without JavaScript, or with a solution to an easier challenge: an e-mail confirmation
    # first, never a refusal.
    for altcha in ("", harvested_before):
        response = rails.contribute(client, pow=False, amount=25, altcha=altcha)
        assert response.status_code == 302 and "/check-email/" in response["Location"]
    # A solution to the harder challenge served now goes on to the processor.
    challenge = client.get("/en/support/challenge/").json()
    assert challenge["maxNumber"] == settings.SUPPORT_POW_MAX_NUMBER * defence.GUARD_POW_FACTOR
    response = rails.contribute(client, amount=25, email="other@example.org")
    assert response.status_code == 303 and response["Location"].startswith(rails.peer.base_url)
    # A bank transfer does not go to the card processor and stays open.
    bank = rails.contribute(client, method="bank", currency="EUR", amount=25)
    assert bank.status_code == 303


def cheap_attempt(n: int, harvested: str) -> dict[str, str]:
    """An attempt that costs its sender nothing: the honeypot filled, no proof of work, or a
    solution replayed."""
    data = form_data(amount="2", email=f"cardholder{n}@mail.example")
    kind = n % 3
    if kind == 0:
        data["website"] = "http://spam.example"
    elif kind == 1:
        data["altcha"] = harvested
    return data


@flood
def test_a_thousand_cheap_requests_never_pause_card_payments(rails, client, settings):
    harvested = solve_pow()
    rails.contribute(client, amount=25, email="first@example.org", altcha=harvested)
    one = Client(REMOTE_ADDR="10.1.1.1")
    for n in range(500):
        assert one.post("/en/support/contribute/", cheap_attempt(n, harvested)).status_code < 500
    for n in range(500):
        many = Client(REMOTE_ADDR=f"10.2.{n % 300 // 250}.{n % 300 % 250}")
        data = cheap_attempt(500 + n, harvested)
        assert many.post("/en/support/contribute/", data).status_code < 500
    assert not defence.guarded()
    # A reader from a fresh address, with JavaScript and without it, pays by card.
    reader = Client(REMOTE_ADDR="10.3.3.3")
    assert rails.give(reader, amount=25, email="reader@example.org").status == "paid"
    plain = rails.contribute(reader, pow=False, amount=25, email="plain@example.org")
    assert plain.status_code == 302 and "/check-email/" in plain["Location"]


def test_rate_limits_per_address_and_email(rails, client):
    same_email = [
        rails.contribute(client, amount=25, email="same@example.org").status_code for _ in range(7)
    ]
    assert same_email == [303] * 5 + [429] * 2
    # From another address, with a new e-mail address each time: the per-address limit.
    other = Client(REMOTE_ADDR="10.9.9.9")
    statuses = [
        rails.contribute(other, amount=25, email=f"r{n}@example.org").status_code for n in range(11)
    ]
    assert statuses == [303] * 10 + [429]


def test_behind_a_front_server_each_reader_has_their_own_limit(rails, settings):
    settings.SUPPORT_CLIENT_IP_HEADER = "HTTP_X_REAL_IP"
    # Every request comes from the front server's address; the header tells readers apart.
    busy = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP="203.0.113.7")
    statuses = [
        rails.contribute(busy, amount=25, email=f"r{n}@example.org").status_code for n in range(11)
    ]
    assert statuses == [303] * 10 + [429]
    another = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP="203.0.113.8")
    assert rails.contribute(another, amount=25, email="other@example.org").status_code == 303


def test_confirmation_mail_to_one_address_is_bounded_per_day(rails):
    # A stranger asks, from a new address each time, that one reader be mailed again and again.
    statuses = [
        rails.contribute(Client(REMOTE_ADDR=f"10.4.0.{n}"), pow=False, amount=25).status_code
        for n in range(5)
    ]
    assert statuses == [302] * 3 + [429] * 2
    assert [m.to for m in mail.outbox] == [["reader@example.org"]] * 3
