"""Logs an operator can search: JSON lines with the request's id, and a bad setting refused
at start with one line naming it."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from io import StringIO

import pytest

from tamizdat.web.logs import JsonFormatter, RequestIdFilter

pytestmark = [pytest.mark.django_db, pytest.mark.engine_neutral]


@pytest.fixture
def json_lines():
    """What the console handler would write with TAMIZDAT_LOG_FORMAT=json."""
    written = StringIO()
    handler = logging.StreamHandler(written)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger("tamizdat")
    logger.addHandler(handler)
    yield lambda: [json.loads(line) for line in written.getvalue().splitlines()]
    logger.removeHandler(handler)


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
    assert line["level"] == "ERROR" and "cache" in line["message"]
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
