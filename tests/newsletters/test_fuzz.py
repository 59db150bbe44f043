"""The newsletters' public endpoints, driven with generated input: no answer is a server error.
Seeded and repeatable, like `tests/test_fuzz.py`."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from tamizdat.newsletters import links
from tests.newsletters.conftest import subscribe

pytestmark = pytest.mark.django_db(transaction=True)

junk = st.text(max_size=60)
FIELDS = ["email", "newsletters", "website", "action", "language", "List-Unsubscribe"]


def no_server_error(response, what: object) -> None:
    assert response.status_code < 500, (response.status_code, what)


@pytest.fixture
def reader() -> Client:
    return Client(raise_request_exception=False)


@given(
    data=st.dictionaries(
        st.sampled_from(FIELDS), st.one_of(junk, st.lists(junk, max_size=3)), max_size=5
    ),
    language=st.sampled_from(["en", "ru"]),
)
def test_sign_up_form(newsletter, smtp, reader, data, language):
    no_server_error(reader.post(f"/{language}/newsletters/subscribe/", data), data)


@given(token=junk, data=st.dictionaries(st.sampled_from(FIELDS), junk, max_size=4))
def test_signed_links_with_junk_tokens(newsletter, reader, token, data):
    for name in ("confirm", "unsubscribe"):
        path = f"/en/newsletters/{name}/{quote(token, safe='')}/"
        no_server_error(reader.get(path), path)
        no_server_error(reader.post(path, data), (path, data))


@pytest.fixture
def subscriber(newsletter):
    return subscribe(newsletter, "fuzz@example.org")[0]


@given(data=st.dictionaries(st.sampled_from(FIELDS), st.one_of(junk, st.lists(junk)), max_size=5))
def test_preferences_with_a_valid_link_and_junk_choices(newsletter, subscriber, reader, data):
    path = links.unsubscribe_url(subscriber, newsletter).removeprefix("http://testserver")
    no_server_error(reader.post(path, data), data)


@given(slug=junk, number=st.one_of(st.integers(-5, 10**12).map(str), junk))
def test_archive_and_web_versions(newsletter, reader, slug, number):
    for path in (
        f"/en/newsletters/{quote(slug, safe='')}/",
        f"/en/newsletters/morning/{quote(number, safe='')}/",
    ):
        no_server_error(reader.get(path), path)
