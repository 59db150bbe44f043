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
import django
django.setup()
import tamizdat.wsgi
from django.urls import get_resolver
get_resolver().url_patterns
print(" ".join(sorted(name for name in ("boto3", "botocore") if name in sys.modules)))
"""


def test_a_web_process_does_not_load_boto3_for_services_it_does_not_use():
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
