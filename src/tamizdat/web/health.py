"""Health for load balancers and operators.

`/healthz` says the process answers and touches nothing else, so a slow database never takes
every node out of a load balancer at once. `/readyz` says whether this node can serve: the
database answers, its migrations are applied, Redis (or the file cache) answers, the media
bucket answers, and a worker ticked lately (scheduled pages, receipts). `probes` says how
they are reached. Nothing secret is shown: a failing part is named, and its error goes to the
log.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import storages
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

logger = logging.getLogger(__name__)

# A worker's clock claims a tick every minute (see `clock`); three missed minutes mean no
# worker is running.
WORKER_SILENCE = datetime.timedelta(minutes=3)

_migrated = False  # once true, true for the life of the process


def _database() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        return cursor.fetchone() == (1,)


def _migrations() -> bool:
    global _migrated
    if not _migrated:
        executor = MigrationExecutor(connection)
        _migrated = not executor.migration_plan(executor.loader.graph.leaf_nodes())
    return _migrated


def _cache() -> bool:
    cache.set("readyz", "ok", timeout=10)
    return cache.get("readyz") == "ok"


def _storage() -> bool:
    """The media bucket answers and may be used with the credentials given."""
    from storages.backends.s3 import S3Storage

    bucket = storages["default"]
    assert isinstance(bucket, S3Storage)  # TAMIZDAT_MEDIA_STORAGE=s3 configures no other
    bucket.connection.meta.client.head_bucket(Bucket=bucket.bucket_name)
    return True


def _worker() -> bool:
    from tamizdat.models import ClockTick

    return ClockTick.objects.filter(claimed_at__gte=timezone.now() - WORKER_SILENCE).exists()


def checks() -> dict[str, Callable[[], bool]]:
    """The parts this node needs, each named as the operator configured it: the cache is
    "redis" with `REDIS_URL` (else the data directory's "cache"), and media in a bucket are
    "storage" (media on the local disk need no check: the folder appears with the first
    upload)."""
    redis = settings.CACHES["default"]["BACKEND"] == "django_redis.cache.RedisCache"
    parts = {
        "database": _database,
        "migrations": _migrations,
        "redis" if redis else "cache": _cache,
    }
    if settings.MEDIA_STORAGE == "s3":
        parts["storage"] = _storage
    parts["worker"] = _worker
    return parts


def readiness() -> dict[str, str]:
    """Each part's state: "ok", "failing" (it answered wrong) or "unreachable" (it raised).
    The migrations and the worker are asked only of a reachable database."""
    states: dict[str, str] = {}
    for name, check in checks().items():
        if name in ("migrations", "worker") and states["database"] != "ok":
            states[name] = "unknown"
            continue
        try:
            states[name] = "ok" if check() else "failing"
        except Exception:  # the probe must answer whatever broke; the log says what
            logger.exception("Readiness check %r failed", name)
            states[name] = "unreachable"
    return states


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response


def healthz(request: HttpRequest) -> HttpResponse:
    return _no_store(HttpResponse("ok\n", content_type="text/plain"))


def readyz(request: HttpRequest) -> HttpResponse:
    states = readiness()
    ready = all(state == "ok" for state in states.values())
    body = {"status": "ok" if ready else "unavailable", "checks": states}
    return _no_store(JsonResponse(body, status=200 if ready else 503))
