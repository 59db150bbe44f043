"""A web process loads only the libraries the newsroom uses: each one stays in the memory of
every worker for its whole life."""

from __future__ import annotations

import os
import subprocess
import sys

from django.conf import settings

# What a gunicorn worker loads before its first request: the apps, the site, every URL's view.
LOAD_THE_SITE = """
import sys
SDKS = ("boto3", "botocore", "stripe", "aiohttp")
import django
django.setup()
import tamizdat.wsgi
from django.urls import get_resolver
get_resolver().url_patterns
print(" ".join(sorted(name for name in SDKS if name in sys.modules)))
"""


def test_a_web_process_loads_no_sdk_of_a_service_before_it_calls_it():
    """boto3 for ESPs the newsroom does not use; Stripe's SDK (and the aiohttp it brings)
    until the first call to Stripe: 8 MiB of every worker that has not taken a card yet."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tamizdat.settings",
        "TAMIZDAT_DATA_DIR": str(settings.DATA_DIR),
    }
    result = subprocess.run(
        [sys.executable, "-c", LOAD_THE_SITE], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
