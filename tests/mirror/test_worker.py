"""The worker exports and pushes after publishing, once for a burst, and retries a bucket that
failed at the next run."""

from __future__ import annotations

import pytest
from django_tasks_db.models import DBTaskResult

from tamizdat.mirror.models import Address
from tamizdat.mirror.targets import Target
from tamizdat.mirror.tasks import make_copies
from tests.worker import let_time_pass, run_worker

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.scenario]


def test_a_burst_of_publishes_makes_one_copy_pushed_to_every_bucket(
    site, settings, tmp_path, s3_peer, buckets, public_bucket, queued
):
    settings.MIRROR_DIR = tmp_path / "copy"
    settings.MIRROR_JOBS = 1
    public_bucket("news")
    settings.MIRROR_TARGETS = [
        Target(name="moto", endpoint=s3_peer, bucket="news", access_key="t", secret_key="t"),
        Target(name="later", endpoint=s3_peer, bucket="later", access_key="t", secret_key="t"),
    ]
    for number in range(3):
        site.article("culture", f"Burst {number}", hours_ago=0.1)
    tasks = DBTaskResult.objects.filter(task_path=make_copies.module_path)
    assert tasks.count() == 1

    let_time_pass()  # the debounce wait is over
    run_worker()
    assert (tmp_path / "copy/en/culture/burst-2/index.html").exists()
    assert buckets.head_object(Bucket="news", Key="en/culture/burst-2/index.html")
    assert Address.objects.get(target="moto").last_pushed_at
    assert "NoSuchBucket" in Address.objects.get(target="later").last_error

    # The bucket that failed gets its copy at the next run.
    buckets.create_bucket(Bucket="later")
    site.article("culture", "Next day", hours_ago=0.05)
    let_time_pass()  # the debounce wait is over
    run_worker()
    assert buckets.head_object(Bucket="later", Key="en/culture/next-day/index.html")
    assert Address.objects.get(target="later").last_error == ""
