"""`tamizdat mirror push`: the copy on S3-compatible buckets (moto's server on loopback), read
back over HTTP the way a reader opens a raw object-store URL."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from tamizdat.mirror import export, push
from tamizdat.mirror.models import Address
from tamizdat.mirror.targets import Target
from tests.mirror.crawl import crawl

pytestmark = [pytest.mark.django_db, pytest.mark.scenario]


def target(s3_peer: str, name: str, bucket: str, prefix: str = "courier") -> Target:
    return Target(
        name=name,
        endpoint=s3_peer,
        bucket=bucket,
        prefix=prefix,
        access_key="test",
        secret_key="test",
    )


@pytest.fixture
def copy(site, tmp_path):
    export.export(tmp_path / "copy")
    return tmp_path / "copy"


def test_push_then_crawl_the_bucket_and_push_again_uploads_nothing(
    copy, s3_peer, buckets, public_bucket, settings
):
    public_bucket("news")
    settings.MIRROR_TARGETS = [target(s3_peer, "moto", "news")]
    call_command("mirror", "push", str(copy))

    result = crawl(f"{s3_peer}/news/courier/index.html")
    assert result.broken == [] and result.outside == [] and result.folders == []
    assert f"{s3_peer}/news/courier/en/politics/parliament-dissolved/index.html" in result.pages
    head = buckets.head_object(Bucket="news", Key="courier/en/index.html")
    assert head["ContentType"] == "text/html; charset=utf-8"
    assert head["CacheControl"] == push.PAGE_CACHE_CONTROL
    assert buckets.head_object(Bucket="news", Key="courier/static/news/site.css")[
        "ContentType"
    ].startswith("text/css")

    address = Address.objects.get(target="moto")
    assert address.url == f"{s3_peer}/news/courier/index.html"
    assert address.kind == Address.Kind.OBJECT_STORE and address.last_pushed_at
    assert address.last_error == ""

    (again,) = push.push(copy, settings.MIRROR_TARGETS)
    assert (again.uploaded, again.deleted) == (0, 0)

    # What the copy no longer holds goes from the bucket too.
    (copy / "en/tags/budget/index.html").unlink()
    (changed,) = push.push(copy, settings.MIRROR_TARGETS)
    assert (changed.uploaded, changed.deleted) == (0, 1)


def test_a_failing_target_does_not_stop_the_others_and_is_shown_in_the_admin(
    copy, s3_peer, buckets, settings
):
    buckets.create_bucket(Bucket="good")
    settings.MIRROR_TARGETS = [
        target(s3_peer, "missing-bucket", "no-such-bucket"),
        target(s3_peer, "unreachable", "good").__class__(
            name="unreachable",
            bucket="good",
            endpoint="http://127.0.0.1:9",
            access_key="x",
            secret_key="y",
        ),
        target(s3_peer, "good", "good", prefix=""),
    ]
    with pytest.raises(CommandError, match="failed for missing-bucket, unreachable"):
        call_command("mirror", "push", str(copy))
    assert buckets.head_object(Bucket="good", Key="index.html")
    failed = Address.objects.get(target="missing-bucket")
    assert "NoSuchBucket" in failed.last_error and failed.last_pushed_at is None
    assert Address.objects.get(target="unreachable").last_error
    assert Address.objects.get(target="good").last_error == ""


def test_push_without_targets_or_copy_is_one_clear_error(db, tmp_path, settings):
    settings.MIRROR_TARGETS = []
    with pytest.raises(CommandError, match="set TAMIZDAT_MIRROR_TARGETS"):
        call_command("mirror", "push", str(tmp_path))
    settings.MIRROR_TARGETS = [Target(name="a", bucket="b")]
    with pytest.raises(CommandError, match="holds no Tamizdat copy"):
        call_command("mirror", "push", str(tmp_path))
