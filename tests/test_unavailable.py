"""A read-only database: every write path answers 503 with a message in the reader's language,
and nothing is kept."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator

import pytest
from django.db import connection

from tamizdat.support.models import Supporter
from tests.prompts import factories
from tests.revenue import form_data, solve_pow

pytestmark = pytest.mark.django_db(transaction=True)


@contextlib.contextmanager
def read_only_database() -> Iterator[None]:
    """The database turns read-only under the site (a standby after failover, a full disk)."""
    on, off = {
        "sqlite": ("PRAGMA query_only = ON", "PRAGMA query_only = OFF"),
        "postgresql": (
            "SET default_transaction_read_only = on",
            "SET default_transaction_read_only = off",
        ),
    }[connection.vendor]
    with connection.cursor() as cursor:
        cursor.execute(on)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(off)


def assert_unavailable(response, words: str) -> None:
    assert response.status_code == 503
    assert response["Retry-After"]
    assert words in response.content.decode()


def test_every_write_path_answers_503_in_the_readers_language(rails, client, admin_user):
    campaign = factories.campaign()
    report = {"campaign": campaign.pk, "variant": "base", "language": "en", "event": "click"}
    with read_only_database():
        form = form_data(amount=25, altcha=solve_pow())
        assert_unavailable(
            client.post("/en/support/contribute/", form), "We cannot save anything right now"
        )
        form = form_data(amount=25, email="chitatel@example.org", altcha=solve_pow())
        assert_unavailable(
            client.post("/ru/support/contribute/", form), "Сейчас мы не можем ничего сохранить"
        )
        counted = client.post(
            "/prompts/events/", json.dumps(report), content_type="text/plain;charset=UTF-8"
        )
        assert counted.status_code == 503
        login = client.post("/admin/login/", {"username": "admin", "password": "password"})
        assert_unavailable(login, "We cannot save anything right now")
    assert not Supporter.objects.exists()
