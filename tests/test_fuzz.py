"""Every public form and endpoint, driven with generated input: no answer is a server error.

Seeded and repeatable (see the profiles in conftest.py): `make test` runs a short profile,
`make fuzz` a long one.
"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import quote

import pytest
import stripe
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from tamizdat.payments.stripe.events import HANDLERS
from tests.revenue import WEBHOOK_SECRET, form_data

pytestmark = pytest.mark.django_db(transaction=True)

# Text as an attacker sends it: any code point, NUL and superscript digits included.
junk = st.text(max_size=40)
digits_or_junk = st.one_of(st.integers(-5, 10**6).map(str), junk)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | junk,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(junk, children, max_size=4),
    max_leaves=12,
)
FORM_FIELDS = [
    "frequency", "currency", "amount_once", "amount_month", "amount_year", "other_once",
    "other_month", "other_year", "cover_fees", "anonymous", "email", "name", "method",
    "campaign", "variant", "website", "altcha", "action",
]  # fmt: skip


def no_server_error(response: Any, what: object) -> None:
    assert response.status_code < 500, (response.status_code, what)


@pytest.fixture
def reader() -> Client:
    return Client(raise_request_exception=False)


@given(changes=st.dictionaries(st.sampled_from(FORM_FIELDS), digits_or_junk, max_size=6))
def test_contribution_form(rails, reader, changes):
    data = form_data(amount="25")
    data.update(changes)
    no_server_error(reader.post("/en/support/contribute/", data), data)


@given(currency=junk, page=digits_or_junk, query=junk)
def test_reading_pages_search_and_pagination(site, reader, currency, page, query):
    for path, params in [
        ("/en/support/", {"currency": currency}),
        ("/en/search/", {"q": query, "page": page}),
        ("/en/politics/", {"page": page}),
        ("/en/politics/parliament-dissolved/", {"page": page}),
        ("/ru/reach/", {"page": page}),
        ("/mirrors.json", {"q": query}),
    ]:
        no_server_error(reader.get(path, params), (path, params))


@given(body=st.one_of(json_values.map(json.dumps), st.binary(max_size=300).map(repr)))
def test_counter_endpoint(site, reader, body):
    response = reader.post("/prompts/events/", body, content_type="text/plain;charset=UTF-8")
    no_server_error(response, body)


def signed_post(reader: Client, text: str, signed_at: int) -> Any:
    header = stripe.WebhookSignature.generate_signature_header(
        text, WEBHOOK_SECRET, timestamp=signed_at
    )
    return reader.post(
        "/payments/webhook/stripe/",
        data=text,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=header,
    )


events = st.fixed_dictionaries(
    {"id": st.one_of(junk, st.text("abc_", min_size=1)), "type": st.sampled_from(sorted(HANDLERS))},
    optional={"created": json_values, "data": st.fixed_dictionaries({"object": json_values})},
)


@pytest.fixture
def stripe_webhooks(settings) -> None:
    # Set once, outside the examples: each assignment stacks another settings override.
    settings.STRIPE_SECRET_KEY = "sk_test_tamizdat"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET


@given(body=st.one_of(json_values, events), skew=st.integers(-1000, 1000))
def test_webhook_with_a_valid_signature(site, stripe_webhooks, reader, body, skew):
    no_server_error(signed_post(reader, json.dumps(body), int(time.time()) + skew), body)


@given(token=junk, email=junk)
def test_magic_links_and_their_request(site, reader, token, email):
    segment = quote(token, safe="") or "x"
    for path in [f"/en/support/manage/{segment}/", f"/en/support/confirm/{segment}/"]:
        no_server_error(reader.get(path), path)
        no_server_error(reader.post(path), path)
    for path in [f"/en/support/thanks/{segment}/", f"/en/support/canceled/{segment}/"]:
        no_server_error(reader.get(path), path)
    no_server_error(reader.post("/en/support/manage/", {"email": email}), email)
