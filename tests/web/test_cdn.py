"""A publish tells the CDN the environment names (`TAMIZDAT_CDN`): Cloudflare's API, a
CloudFront distribution, Fastly's edge, each a real peer on loopback. The worker sends the
purge; a CDN that fails is asked again with growing waits, and never fails the publish."""

from __future__ import annotations

import json
import logging

import boto3
import pytest
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from tamizdat.web.purge import purge_urls
from tests.web.cdn_peer import peer, use_cdn
from tests.worker import let_time_pass, run_worker

pytestmark = pytest.mark.django_db

ARTICLE = "/en/politics/parliament-dissolved/"
ZONE = "0123456789abcdef0123456789abcdef"
CLOUDFLARE_SAYS_YES = json.dumps({"success": True, "errors": [], "result": {"id": ZONE}}).encode()
# The story, its section and the home page above it, with their feeds, in both languages.
CHANGED = {
    path.format(code)
    for path in ("/{}/", "/{}/feed/", "/{}/politics/", "/{}/politics/feed/")
    for code in ("en", "ru")
} | {ARTICLE, ARTICLE.replace("/en/", "/ru/")}


def publish_new_title(site, title: str) -> None:
    article = site.sections["politics"].get_children().get(slug="parliament-dissolved").specific
    article.title = title
    article.save_revision().publish()


def purge_tasks() -> list[DBTaskResult]:
    return list(
        DBTaskResult.objects.filter(task_path=purge_urls.module_path).order_by("enqueued_at")
    )


def test_cloudflare_is_told_every_changed_address_with_the_api_token(
    client, site, settings, monkeypatch
):
    with peer(CLOUDFLARE_SAYS_YES) as cloudflare:
        use_cdn(
            settings,
            monkeypatch,
            TAMIZDAT_CDN="cloudflare",
            TAMIZDAT_CLOUDFLARE_ZONE_ID=ZONE,
            TAMIZDAT_CLOUDFLARE_API_TOKEN="cf-token",
            TAMIZDAT_CLOUDFLARE_API_URL=f"{cloudflare.url}/client/v4",
        )
        publish_new_title(site, "Parliament dissolved, elections called")

    (call,) = cloudflare.calls
    assert (call.method, call.path) == ("POST", f"/client/v4/zones/{ZONE}/purge_cache")
    assert call.headers["Authorization"] == "Bearer cf-token"
    files = call.json()["files"]  # type: ignore[index]
    assert sorted(files) == sorted(f"http://testserver{path}" for path in CHANGED)
    assert "elections called" in client.get(ARTICLE).content.decode()


def test_fastly_is_sent_purge_at_the_sites_address_with_its_key(site, settings, monkeypatch):
    with peer(b'{"status": "ok"}') as edge:
        # Fastly answers for the site's own address; here its edge is the peer.
        use_cdn(
            settings,
            monkeypatch,
            base_url=edge.url,
            TAMIZDAT_CDN="fastly",
            TAMIZDAT_FASTLY_API_TOKEN="fastly-key",
        )
        publish_new_title(site, "Parliament dissolved, elections called")

    assert {call.method for call in edge.calls} == {"PURGE"}
    assert sorted(call.path for call in edge.calls) == sorted(CHANGED)
    assert {(call.headers["Host"], call.headers["Fastly-Key"]) for call in edge.calls} == {
        ("testserver", "fastly-key")
    }


def test_cloudfront_gets_one_invalidation_of_the_changed_paths(
    site, settings, monkeypatch, s3_peer
):
    # boto3 finds the API's address in its own variable (CloudFront's own in production).
    monkeypatch.setenv("AWS_ENDPOINT_URL_CLOUDFRONT", s3_peer)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    cloudfront = boto3.client("cloudfront", aws_access_key_id="test", aws_secret_access_key="test")
    origin = {
        "Id": "nodes",
        "DomainName": "news.example.org",
        "CustomOriginConfig": {
            "HTTPPort": 80,
            "HTTPSPort": 443,
            "OriginProtocolPolicy": "https-only",
        },
    }
    distribution = cloudfront.create_distribution(
        DistributionConfig={
            "CallerReference": "newsroom",
            "Comment": "",
            "Enabled": True,
            "Origins": {"Quantity": 1, "Items": [origin]},
            "DefaultCacheBehavior": {
                "TargetOriginId": "nodes",
                "ViewerProtocolPolicy": "redirect-to-https",
                "MinTTL": 0,
                "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
            },
        }
    )["Distribution"]["Id"]
    use_cdn(
        settings,
        monkeypatch,
        TAMIZDAT_CDN="cloudfront",
        TAMIZDAT_CLOUDFRONT_DISTRIBUTION_ID=distribution,
        TAMIZDAT_CLOUDFRONT_ACCESS_KEY="test",
        TAMIZDAT_CLOUDFRONT_SECRET_KEY="test",
    )
    publish_new_title(site, "Parliament dissolved, elections called")

    (made,) = cloudfront.list_invalidations(DistributionId=distribution)["InvalidationList"][
        "Items"
    ]
    batch = cloudfront.get_invalidation(DistributionId=distribution, Id=made["Id"])
    assert sorted(batch["Invalidation"]["InvalidationBatch"]["Paths"]["Items"]) == sorted(CHANGED)


@pytest.mark.django_db(transaction=True)
def test_a_failing_cdn_is_asked_again_until_it_purges_and_the_publish_goes_on(
    client, site, settings, monkeypatch, queued, caplog
):
    with peer(CLOUDFLARE_SAYS_YES) as cloudflare, peer() as proxy:
        use_cdn(
            settings,
            monkeypatch,
            TAMIZDAT_PURGE_LOCATIONS=proxy.url,
            TAMIZDAT_CDN="cloudflare",
            TAMIZDAT_CLOUDFLARE_ZONE_ID=ZONE,
            TAMIZDAT_CLOUDFLARE_API_TOKEN="cf-token",
            TAMIZDAT_CLOUDFLARE_API_URL=cloudflare.url,
        )
        cloudflare.statuses = [503, 502]  # down for two attempts, then back
        assert client.get(ARTICLE)["X-Cache"] == "miss"
        publish_new_title(site, "Parliament dissolved, elections called")
        # Readers of the nodes see the change at once; the CDN is told by the worker.
        assert "elections called" in client.get(ARTICLE).content.decode()
        assert cloudflare.calls == []

        waits = []
        for _ in range(5):  # bounded: retrying for ever fails the test instead of hanging
            run_worker()
            if not DBTaskResult.objects.filter(status=TaskResultStatus.READY).exists():
                break
            waits += let_time_pass()

    assert [call.status for call in cloudflare.calls] == [503, 502, 200]
    assert [round(wait.total_seconds()) for wait in waits] == [10, 20]
    # The proxy purged the first time and is not asked again.
    assert sorted(call.path for call in proxy.calls) == sorted(CHANGED)
    assert [task.args_kwargs["args"][1] for task in purge_tasks()] == [
        ["purge0", "cdn"],
        ["cdn"],
        ["cdn"],
    ]
    assert {task.status for task in purge_tasks()} == {TaskResultStatus.SUCCESSFUL}
    warnings = [r.getMessage() for r in caplog.records if r.name == "tamizdat.web.purge"]
    assert len(warnings) == 2 and all(w.startswith("Purging cdn failed") for w in warnings)


@pytest.mark.django_db(transaction=True)
def test_a_cdn_down_for_longer_than_its_copies_live_is_given_up(
    site, settings, monkeypatch, queued, caplog
):
    with peer() as edge:
        use_cdn(settings, monkeypatch, base_url=edge.url, TAMIZDAT_CDN="fastly")
        edge.statuses = [500] * 20
        publish_new_title(site, "Parliament dissolved, elections called")
        waits = []
        for _ in range(10):
            run_worker()
            if not DBTaskResult.objects.filter(status=TaskResultStatus.READY).exists():
                break
            waits += let_time_pass()

    # CDN copies live 300 s: asked at 0, 10, 30, 70 and 150 s, and not at 310 s.
    assert [round(wait.total_seconds()) for wait in waits] == [10, 20, 40, 80]
    assert [task.status for task in purge_tasks()][-1] == TaskResultStatus.FAILED
    (given_up,) = [
        r for r in caplog.records if r.name == "tamizdat.web.purge" and r.levelno == logging.ERROR
    ]
    assert given_up.getMessage() == "Giving up purging cdn after 5 attempts"
