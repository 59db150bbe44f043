"""Logs an operator can search: JSON lines with the request's id, and a bad setting refused
at start with one line naming it."""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from io import StringIO

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings as configured

from tamizdat.support.tasks import send_manage_link
from tamizdat.web.logs import JsonFormatter, PlainFormatter, RequestIdFilter
from tests import factories, servers
from tests.worker import run_worker

pytestmark = [pytest.mark.django_db, pytest.mark.engine_neutral]

PLAIN = configured.LOGGING["formatters"]["plain"]["fmt"]


@contextmanager
def console(formatter: logging.Formatter) -> Iterator[StringIO]:
    """What the console handler writes with this formatter."""
    written = StringIO()
    handler = logging.StreamHandler(written)
    handler.setFormatter(formatter)
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("tamizdat")
    logger.addHandler(handler)
    try:
        yield written
    finally:
        logger.removeHandler(handler)


@pytest.fixture
def json_lines():
    """What the console handler would write with TAMIZDAT_LOG_FORMAT=json."""
    with console(JsonFormatter()) as written:
        yield lambda: [json.loads(line) for line in written.getvalue().splitlines()]


class RefusingRecipients:
    async def handle_RCPT(self, server, session, envelope, address, options) -> str:
        return f"550 5.1.1 <{address}>: Recipient address rejected: mailbox full"


@pytest.mark.django_db(transaction=True)
def test_a_mail_servers_refusal_is_logged_without_the_address_it_names(settings, queued):
    controller = Controller(RefusingRecipients(), hostname="127.0.0.1", port=servers.free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    factories.newsroom()
    try:
        with console(PlainFormatter(PLAIN)) as plain, console(JsonFormatter()) as as_json:
            supporter = factories.supporter("ada.reporter@example.org")
            send_manage_link.enqueue(supporter.pk)
            run_worker()
    finally:
        controller.stop()
    for written in (plain.getvalue(), as_json.getvalue()):
        assert f"send_manage_link({supporter.pk}) failed (attempt 1 of 8)" in written
        assert "Recipient address rejected" in written and "[e-mail address]" in written
        assert "ada.reporter" not in written and "example.org" not in written


def test_a_line_logged_during_a_request_carries_its_id(client, settings, json_lines):
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 1},
        },
    }
    response = client.get("/readyz", HTTP_X_REQUEST_ID="nginx-4f2a9c1b", REMOTE_ADDR="203.0.113.7")
    assert response["X-Request-ID"] == "nginx-4f2a9c1b"
    [line] = [line for line in json_lines() if line["logger"] == "tamizdat.web.health"]
    assert line["request_id"] == "nginx-4f2a9c1b"
    assert line["level"] == "ERROR" and "redis" in line["message"]
    assert "203.0.113.7" not in json.dumps(line)


def test_a_request_without_a_sane_id_gets_a_fresh_one(client):
    first = client.get("/healthz", HTTP_X_REQUEST_ID="<script>")["X-Request-ID"]
    second = client.get("/healthz")["X-Request-ID"]
    assert len(first) == 32 and first != second


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DATABASE_URL", "nonsense://user:hunter2@db/x"),
        ("REDIS_URL", "localhost:6379"),
        ("TAMIZDAT_LOG_FORMAT", "xml"),
        ("TAMIZDAT_LOGIN_FAILURE_LIMIT", "ten"),
        ("TAMIZDAT_MEDIA_STORAGE", "nfs"),
        ("TAMIZDAT_CDN", "akamai"),
        ("TAMIZDAT_METRICS_TOKEN", "hunter2"),
    ],
)
def test_a_malformed_setting_is_refused_in_one_line(tmp_path, variable, value):
    env = {**os.environ, "TAMIZDAT_DATA_DIR": str(tmp_path), variable: value}
    env["DJANGO_SETTINGS_MODULE"] = "tamizdat.settings"
    done = subprocess.run(
        [sys.executable, "-m", "tamizdat.cli", "check"], env=env, capture_output=True, text=True
    )
    assert done.returncode != 0
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("tamizdat: ") and variable in line
    assert "hunter2" not in line


@pytest.mark.scenario
@pytest.mark.django_db(transaction=True)
def test_the_servers_access_log_names_each_request_but_not_who_or_what_was_searched(tmp_path):
    with servers.tamizdat(tmp_path, workers=1) as base:
        servers.fetch(f"{base}/robots.txt?q=opposition")
        servers.fetch(f"{base}/payments/webhook/stripe/", data=b"{}")
        servers.fetch(f"{base}/a%22%20200%201%201ms%0A%22GET%20/forged")
    lines = (tmp_path / "server.log").read_text().splitlines()
    robots = [line for line in lines if '"GET /robots.txt"' in line]
    webhook = [line for line in lines if '"POST /payments/webhook/stripe/"' in line]
    assert len(robots) == 1 and re.fullmatch(r'"GET /robots.txt" 200 \d+ \d+ms', robots[0])
    assert len(webhook) == 1 and re.fullmatch(r'"POST \S+" 400 \d+ \d+ms', webhook[0])
    # Each line is those five fields alone: no address, no agent, no query.
    assert not any("opposition" in line for line in lines)
    # A path cannot end its field nor start a line of its own.
    assert not any(line.startswith('"GET /forged') for line in lines)
    [hostile] = [line for line in lines if "forged" in line]
    assert hostile.startswith(r'"GET /a\" 200 1 1ms\x0a\"GET /forged" 404 ')
