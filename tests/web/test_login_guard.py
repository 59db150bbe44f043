"""Staff sign-in under a password-guessing attack: locked per account and per address, with a
clear message, nothing logged about who tried, and a way for another administrator to unlock."""

from __future__ import annotations

import logging
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/"
PASSWORD = "a long editor password"


@pytest.fixture
def editor():
    return get_user_model().objects.create_superuser("editor", "editor@example.org", PASSWORD)


def sign_in(client, password: str, username: str = "editor", ip: str = "203.0.113.7", **headers):
    return client.post(
        LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip, **headers
    )


def test_repeated_wrong_passwords_lock_the_account_then_an_admin_unlocks_it(
    client, editor, settings, caplog
):
    caplog.set_level(logging.DEBUG)
    for attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in(client, f"guess {attempt}").status_code == 200  # the form, with an error
    locked = sign_in(client, "last guess")
    assert locked.status_code == 429
    assert int(locked["Retry-After"]) == 15 * 60
    assert "Try again in 15 minutes" in locked.content.decode()
    # The right password from another address is refused too: the account itself is locked.
    assert sign_in(client, PASSWORD, ip="198.51.100.9").status_code == 429
    assert "203.0.113.7" not in caplog.text and "editor@example.org" not in caplog.text

    call_command("axes_reset_username", "editor", stdout=StringIO())
    call_command("axes_reset_ip", "203.0.113.7", stdout=StringIO())
    assert sign_in(client, PASSWORD).status_code == 302


def test_one_address_guessing_many_accounts_is_locked_in_the_admins_language(
    client, editor, settings
):
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "guess", username=f"someone{attempt}")
    locked = sign_in(client, PASSWORD, HTTP_ACCEPT_LANGUAGE="ru")
    assert locked.status_code == 429
    assert "Вход приостановлен" in locked.content.decode()
    # Another address still signs in.
    assert sign_in(client, PASSWORD, ip="198.51.100.9").status_code == 302


def test_django_admin_is_gone(client):
    assert client.get("/django-admin/", follow=True).status_code == 404
