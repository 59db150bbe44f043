"""The operator's endpoints: /healthz, /readyz and /metrics, as a load balancer and
Prometheus reach them."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.utils import timezone

from tamizdat import clock
from tamizdat.mirror.models import Address
from tamizdat.mirror.targets import Target
from tamizdat.payments.models import WebhookEvent
from tamizdat.prompts.models import FundingGoal
from tamizdat.support import tasks
from tamizdat.support.tasks import send_confirmation, send_manage_link
from tests import factories, servers
from tests.s3_peer import MEDIA_BUCKET
from tests.worker import let_time_pass, run_worker

pytestmark = pytest.mark.django_db

TOKEN = "a-long-metrics-token"


def test_healthz_answers_a_probe_by_ip_over_plain_http(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/healthz", HTTP_HOST="10.1.2.3")
    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert response["Cache-Control"] == "no-store"


def test_readyz_names_each_part_and_fails_without_a_worker(client):
    response = client.get("/readyz", HTTP_HOST="10.1.2.3")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {"database": "ok", "migrations": "ok", "cache": "ok", "worker": "failing"},
    }
    clock.run_due()  # what a running worker's clock does every few seconds
    response = client.get("/readyz")
    assert (response.status_code, response.json()["status"]) == (200, "ok")
    assert response["Cache-Control"] == "no-store"


def test_readyz_says_which_part_is_unreachable_without_saying_where(client, settings):
    clock.run_due()
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://:secret@127.0.0.1:9/0",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 1},
        },
    }
    response = client.get("/readyz")
    assert response.status_code == 503
    # Named as the operator set it up: REDIS_URL.
    assert response.json()["checks"] == {
        "database": "ok",
        "migrations": "ok",
        "redis": "unreachable",
        "worker": "ok",
    }
    assert b"secret" not in response.content and b"127.0.0.1" not in response.content


def test_readyz_checks_the_media_bucket_when_media_are_in_one(client, settings, media_in_a_bucket):
    clock.run_due()
    settings.MEDIA_STORAGE = "s3"
    response = client.get("/readyz")
    assert response.status_code == 200
    assert list(response.json()["checks"]) == [
        "database",
        "migrations",
        "cache",
        "storage",
        "worker",
    ]
    media_in_a_bucket.delete_bucket(Bucket=MEDIA_BUCKET)  # gone, or no longer ours
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["storage"] == "unreachable"
    assert MEDIA_BUCKET.encode() not in response.content


def test_metrics_need_their_token(client, settings):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics").status_code == 404
    settings.METRICS_TOKEN = TOKEN
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer guess").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 200


def _scrape(client) -> str:
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response["Content-Type"].startswith("text/plain; version=")
    return response.content.decode()


def _value(text: str, name: str, **labels: str) -> float:
    """The sum of the samples `name{labels}` of an exposition (labels match whatever others
    they have); 0 where there are none yet."""
    total = 0.0
    for line in text.splitlines():
        found = re.match(r"^(\w+)(?:\{(.*)\})? (\S+)$", line)
        if not found or found[1] != name:
            continue
        have = dict(re.findall(r'(\w+)="([^"]*)"', found[2] or ""))
        if all(have.get(key) == value for key, value in labels.items()):
            total += float(found[3])
    return total


def test_metrics_count_pages_cache_hits_webhooks_and_the_goal(client, settings, site):
    settings.METRICS_TOKEN = TOKEN
    FundingGoal.objects.create(currency="USD", amount=1_000_000)
    before = _scrape(client)
    served = _value(before, "tamizdat_page_cache_lookups_total", result="hit")
    for _ in range(3):
        assert client.get("/en/politics/parliament-dissolved/").status_code == 200
    WebhookEvent.objects.create(
        provider="stripe",
        event_id="evt_1",
        type="checkout.session.completed",
        payload={},
        created="2026-12-01T00:00:00Z",
    )
    text = _scrape(client)
    assert _value(text, "tamizdat_page_cache_lookups_total", result="hit") == served + 2
    assert _value(text, "tamizdat_http_requests_total", view="page_cache", status="200") >= 2
    assert _value(text, "tamizdat_webhook_events", state="not_applied") == 1
    assert "tamizdat_tasks_oldest_waiting_seconds 0.0" in text
    assert "tamizdat_card_guard_raised 0.0" in text
    assert 'tamizdat_goal_target_minor_units{currency="USD"}' in text
    assert "parliament" not in text  # labels are view names, never what readers typed


@pytest.mark.django_db(transaction=True)
def test_metrics_say_which_mails_wait_which_are_retried_and_which_were_given_up(
    client, settings, newsroom, queued
):
    settings.METRICS_TOKEN = TOKEN
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", servers.free_port()  # no one there
    ada = factories.supporter("ada@example.org")
    send_manage_link.enqueue(ada.pk)
    send_manage_link.enqueue(ada.pk, attempt=tasks.ATTEMPTS)  # the last attempt of an older one
    run_worker()
    send_confirmation.enqueue(factories.contribution(ada, held=True).pk)
    text = _scrape(client)
    assert _value(text, "tamizdat_mail", kind="manage_link", state="retry_waiting") == 1
    assert _value(text, "tamizdat_mail", kind="manage_link", state="failed") == 1
    assert _value(text, "tamizdat_mail", kind="confirmation", state="waiting") == 1
    assert _value(text, "tamizdat_mail", kind="receipt", state="waiting") == 0

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # the server is back
    let_time_pass()
    run_worker()
    text = _scrape(client)
    assert _value(text, "tamizdat_mail", kind="manage_link", state="sent") == 1
    assert _value(text, "tamizdat_mail", kind="manage_link", state="retry_waiting") == 0
    assert _value(text, "tamizdat_mail", kind="confirmation", state="sent") == 1
    assert _value(text, "tamizdat_mail", state="waiting") == 0
    assert "ada@example.org" not in text


def test_metrics_give_each_mirror_bucket_its_last_push_and_what_waits(client, settings, queued):
    settings.METRICS_TOKEN = TOKEN
    settings.MIRROR_TARGETS = [Target("main", "copy"), Target("spare", "copy2"), Target("new", "c")]
    pushed_at = timezone.now()
    Address.objects.create(url="https://copy.example.net/", target="main", last_pushed_at=pushed_at)
    Address.objects.create(
        url="https://copy2.example.net/",
        target="spare",
        last_pushed_at=pushed_at,
        last_error="AccessDenied: Access Denied",
    )
    text = _scrape(client)
    # New addresses asked for one copy with them (runs of a burst are joined).
    assert _value(text, "tamizdat_mirror_copies_waiting") == 1
    assert _value(text, "tamizdat_mirror_push_failing", target="main") == 0
    assert _value(text, "tamizdat_mirror_push_failing", target="spare") == 1
    assert _value(text, "tamizdat_mirror_last_push_timestamp_seconds", target="main") == (
        pytest.approx(pushed_at.timestamp())
    )
    # Never pushed: an alert on the time since the last push fires for it too.
    assert 'tamizdat_mirror_last_push_timestamp_seconds{target="new"} 0.0' in text


@pytest.mark.scenario
@pytest.mark.django_db(transaction=True)
def test_metrics_sum_over_every_worker_of_a_served_node(tmp_path: Path):
    with servers.tamizdat(tmp_path, workers=3, TAMIZDAT_METRICS_TOKEN=TOKEN) as base:
        for _ in range(30):
            urllib.request.urlopen(f"{base}/robots.txt", timeout=5)
        asked = urllib.request.Request(
            f"{base}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}
        )
        # Whichever worker answers the scrapes, each sees all thirty.
        for _ in range(3):
            text = urllib.request.urlopen(asked, timeout=10).read().decode()
            assert _value(text, "tamizdat_http_requests_total", method="GET") == 30
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{base}/readyz", timeout=10)  # no worker is running
        assert json.loads(refused.value.read())["checks"]["database"] == "ok"
