"""The start-up warning of a site on several machines whose mail would stay on one of them."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tamizdat import checks

pytestmark = pytest.mark.engine_neutral

ANY_REDIS = "redis://127.0.0.1:1/0"  # never connected to: the checks only read the settings


def start(tmp_path, **env: str) -> str:
    """What `tamizdat check` says at start with these settings."""
    checked = subprocess.run(
        [sys.executable, "-m", "tamizdat.cli", "check"],
        env={
            **{k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "TAMIZDAT_SMTP_URL")},
            "DJANGO_SETTINGS_MODULE": "tamizdat.settings",
            "TAMIZDAT_DATA_DIR": str(tmp_path),
            **env,
        },
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return checked.stdout + checked.stderr


def test_several_machines_without_a_mail_server_are_warned_at_start(tmp_path):
    said = start(tmp_path, REDIS_URL=ANY_REDIS)
    assert "tamizdat.W001" in said and "TAMIZDAT_SMTP_URL" in said


def test_several_machines_with_a_mail_server_or_one_machine_are_not(settings, tmp_path):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.CACHES = {**settings.CACHES, "default": {"BACKEND": "django_redis.cache.RedisCache"}}
    assert checks.mail_leaves_the_machine() == []
    assert "tamizdat.W001" not in start(tmp_path)
