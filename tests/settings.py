"""Settings for the test suite: the product's settings with a throwaway data directory."""

import os
import tempfile

# Each worker of a parallel run (pytest-xdist) gets a data directory of its own: the workers
# inherit the environment of the process that starts them, which has loaded these settings too.
if "PYTEST_XDIST_WORKER" in os.environ or "TAMIZDAT_DATA_DIR" not in os.environ:
    os.environ["TAMIZDAT_DATA_DIR"] = tempfile.mkdtemp(prefix="tamizdat-test-")
os.environ.setdefault("TAMIZDAT_BASE_URL", "http://testserver")

from tamizdat.settings import *  # noqa: F403

ALLOWED_HOSTS = ["*"]
# Tests read static files straight from the apps instead of a collected, hashed copy.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Background work runs at once, in the request that enqueued it; tests about the worker itself
# switch to the database backend and run the worker explicitly.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
# A live server answers concurrent requests (webhook deliveries) on threads of its own: each
# needs its own connection, which an in-memory SQLite database cannot give.
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": os.path.join(DATA_DIR, "test.sqlite3")}  # noqa: F405
