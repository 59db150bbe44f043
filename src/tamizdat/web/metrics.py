"""Prometheus metrics at `/metrics`, for the operator's monitoring and nobody else.

Two kinds of figures:
- What each web process sees (requests by view and status, their latency, page-cache hits,
  webhook deliveries: applied, duplicate, refused, rejected for their signature, postponed):
  counted in the process. Under `tamizdat serve` gunicorn's workers write them to files in
  `PROMETHEUS_MULTIPROC_DIR`, which the serving command sets, and a scrape sums them over
  every worker, so the figures do not depend on which worker answers.
- What the database knows (webhook events, tasks, receipts, mirror pushes, the goal, the
  card-testing guard): read at scrape time, so every node reports the same truth and no
  counter is lost when a process dies.

The endpoint answers 404 unless `TAMIZDAT_METRICS_TOKEN` is set, and 401 without that token as
a bearer token. No figure names a reader or a supporter.
"""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Callable, Iterator

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

REQUESTS = Counter(
    "tamizdat_http_requests",
    "HTTP responses by view, method and status.",
    ["view", "method", "status"],
)
LATENCY = Histogram(
    "tamizdat_http_request_duration_seconds",
    "Time to answer, by view.",
    ["view"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
PAGE_CACHE = Counter(
    "tamizdat_page_cache_lookups", "Anonymous page requests by page-cache result.", ["result"]
)
WEBHOOK_DELIVERIES = Counter(
    "tamizdat_webhook_deliveries",
    "Webhook deliveries by configured provider and what became of them.",
    ["provider", "outcome"],
)


def _view_name(request: HttpRequest, response: HttpResponse) -> str:
    """A bounded label: the URL pattern's name, never the path (which readers choose)."""
    match = getattr(request, "resolver_match", None)
    if match is not None:
        return match.view_name or "unnamed"
    if response.get("X-Cache") == "hit":
        return "page_cache"
    return "unresolved"


class RequestMetricsMiddleware:
    """Counts and times every response, page-cache hits included."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        view = _view_name(request, response)
        REQUESTS.labels(view, request.method or "", str(response.status_code)).inc()
        LATENCY.labels(view).observe(time.perf_counter() - started)
        cache_result = response.get("X-Cache")
        if cache_result in ("hit", "miss"):
            PAGE_CACHE.labels(cache_result).inc()
        return response


class DatabaseCollector(Collector):
    """Figures read from the database (and the shared cache) when Prometheus asks."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        yield from _webhooks()
        yield from _tasks()
        yield from _receipts()
        yield from _mail()
        yield from _mirror_pushes()
        yield from _goal()
        yield from _guard()


def _webhooks() -> Iterator[GaugeMetricFamily]:
    from tamizdat.payments.models import WebhookEvent

    family = GaugeMetricFamily(
        "tamizdat_webhook_events",
        "Stored webhook events: applied, refused (signed, but malformed) or not applied yet.",
        labels=["state"],
    )
    stored = WebhookEvent.objects.count()
    applied = WebhookEvent.objects.filter(processed_at__isnull=False).count()
    refused = WebhookEvent.objects.exclude(rejected="").count()
    family.add_metric(["applied"], applied)
    family.add_metric(["refused"], refused)
    family.add_metric(["not_applied"], stored - applied - refused)
    yield family


def _tasks() -> Iterator[GaugeMetricFamily]:
    from django.db.models import Count, Min
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    by_status = GaugeMetricFamily(
        "tamizdat_tasks", "Background tasks in the queue, by state.", labels=["status"]
    )
    counted = dict(
        DBTaskResult.objects.values_list("status").annotate(n=Count("id")).order_by("status")
    )
    for status in TaskResultStatus.values:
        by_status.add_metric([status.lower()], counted.get(status, 0))
    yield by_status
    oldest = DBTaskResult.objects.filter(status=TaskResultStatus.READY).aggregate(
        at=Min("enqueued_at")
    )["at"]
    age = (timezone.now() - oldest).total_seconds() if oldest else 0.0
    yield GaugeMetricFamily(
        "tamizdat_tasks_oldest_waiting_seconds",
        "How long the oldest task ready to run has waited; 0 when none waits.",
        value=age,
    )


def _receipts() -> Iterator[GaugeMetricFamily]:
    from tamizdat.support.models import Payment

    family = GaugeMetricFamily(
        "tamizdat_receipts", "Payments by whether their receipt was sent.", labels=["state"]
    )
    sent = Payment.objects.filter(receipt_sent_at__isnull=False).count()
    family.add_metric(["sent"], sent)
    family.add_metric(["not_sent"], Payment.objects.count() - sent)
    yield family


def _mail() -> Iterator[GaugeMetricFamily]:
    """Each kind of e-mail by where its tasks stand, over the task records kept
    (`TAMIZDAT_TASK_RESULTS_DAYS`): sent; waiting for a first attempt; waiting for another
    after the mail server failed; given up. A retry is a task of its own (`support.tasks`)."""
    from django.db.models import Count, Q
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from tamizdat.support import tasks

    family = GaugeMetricFamily(
        "tamizdat_mail",
        "E-mails by kind and state, over the task records kept.",
        labels=["kind", "state"],
    )
    senders = (
        tasks.send_receipt,
        tasks.send_manage_link,
        tasks.send_confirmation,
        tasks.send_transfer_details,
    )
    waiting = Q(status__in=(TaskResultStatus.READY, TaskResultStatus.RUNNING))
    retry = Q(args_kwargs__kwargs__attempt__gte=2)
    counted = {
        row["task_path"]: row
        for row in DBTaskResult.objects.filter(task_path__in=[t.module_path for t in senders])
        .values("task_path")
        .annotate(
            sent=Count("id", filter=Q(status=TaskResultStatus.SUCCESSFUL, return_value=True)),
            # A first attempt carries no attempt number, and a missing key matches no
            # comparison, negated or not: first attempts are the rest of those waiting.
            pending=Count("id", filter=waiting),
            retry_waiting=Count("id", filter=waiting & retry),
            failed=Count("id", filter=Q(status=TaskResultStatus.FAILED)),
        )
        .order_by("task_path")
    }
    for sender in senders:
        row = counted.get(sender.module_path, {})
        kind = sender.name.removeprefix("send_")
        row["waiting"] = row.get("pending", 0) - row.get("retry_waiting", 0)
        for state in ("sent", "waiting", "retry_waiting", "failed"):
            family.add_metric([kind, state], row.get(state, 0))
    yield family


def _mirror_pushes() -> Iterator[GaugeMetricFamily]:
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from tamizdat.mirror import tasks
    from tamizdat.mirror.models import Address

    yield GaugeMetricFamily(
        "tamizdat_mirror_copies_waiting",
        "Runs of the static copy and its push queued and not yet finished.",
        value=DBTaskResult.objects.filter(
            task_path=tasks.make_copies.module_path,
            status__in=(TaskResultStatus.READY, TaskResultStatus.RUNNING),
        ).count(),
    )

    failing = GaugeMetricFamily(
        "tamizdat_mirror_push_failing",
        "1 when the last push to this bucket failed.",
        labels=["target"],
    )
    pushed = GaugeMetricFamily(
        "tamizdat_mirror_last_push_timestamp_seconds",
        "When this bucket was last pushed successfully; 0 if never.",
        labels=["target"],
    )
    # Every bucket of TAMIZDAT_MIRROR_TARGETS, one never pushed too, so that an alert on the
    # time since the last push fires for it.
    recorded = {address.target: address for address in Address.objects.exclude(target="")}
    for target in settings.MIRROR_TARGETS:
        address = recorded.get(target.name)
        failing.add_metric([target.name], 1 if address and address.last_error else 0)
        last = address.last_pushed_at if address else None
        pushed.add_metric([target.name], last.timestamp() if last else 0)
    yield failing
    yield pushed


def _goal() -> Iterator[GaugeMetricFamily]:
    from tamizdat.prompts import goal

    progress = goal.current()
    if progress is None:
        return
    for name, value, text in (
        ("raised", progress.raised, "Raised this month towards the goal"),
        ("target", progress.goal, "This month's funding goal"),
    ):
        family = GaugeMetricFamily(
            f"tamizdat_goal_{name}_minor_units",
            f"{text}, in minor units of the goal's currency.",
            labels=["currency"],
        )
        family.add_metric([progress.currency], value)
        yield family


def _guard() -> Iterator[GaugeMetricFamily]:
    from tamizdat.support import defence

    yield GaugeMetricFamily(
        "tamizdat_card_guard_raised",
        "1 while the card-testing guard holds card payments to a harder check.",
        value=1 if defence.guarded() else 0,
    )


def exposition() -> bytes:
    """Every figure in Prometheus' text format."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        processes = CollectorRegistry()
        multiprocess.MultiProcessCollector(processes)
        per_process = generate_latest(processes)
    else:
        per_process = generate_latest(REGISTRY)
    database = CollectorRegistry()
    database.register(DatabaseCollector())
    return per_process + generate_latest(database)


def metrics(request: HttpRequest) -> HttpResponse:
    token = settings.METRICS_TOKEN
    if not token:
        return HttpResponse(status=404)
    given = request.headers.get("Authorization", "").removeprefix("Bearer ")
    if not hmac.compare_digest(given.encode(), token.encode()):
        response = HttpResponse(status=401)
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    response = HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)
    response["Cache-Control"] = "no-store"
    return response
