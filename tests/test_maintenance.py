"""Upkeep that keeps a large archive fast: no task queued that has nothing to do, finished
task records deleted after a while, SQLite's statistics kept and its log bounded."""

import datetime
import io
import os
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from taggit.models import Tag

from tamizdat import clock
from tamizdat.maintenance import maintain_database
from tests.worker import run_worker

# The worker closes connections between tasks, as it must in production: outside a test's
# transaction.
pytestmark = pytest.mark.django_db(transaction=True)
sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's own upkeep")


def test_a_publish_queues_no_purge_without_a_cache_to_purge(site, queued):
    article = site.sections["politics"].get_children().get(slug="budget-passed").specific
    article.title = "Budget passed after all"
    article.save_revision().publish()
    queued_tasks = set(DBTaskResult.objects.values_list("task_path", flat=True))
    assert queued_tasks == {
        "modelsearch.tasks.insert_or_update_object_task",
        "wagtail.tasks.update_reference_index_task",
    }


def test_finished_task_records_are_deleted_after_a_week(site, queued, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    article = site.sections["politics"].get_children().get(slug="budget-passed").specific
    article.save_revision().publish()
    run_worker()
    old = set(DBTaskResult.objects.values_list("pk", flat=True))
    assert old

    time_machine.shift(datetime.timedelta(days=6))
    article.save_revision().publish()
    run_worker()
    assert set(DBTaskResult.objects.values_list("pk", flat=True)) > old

    time_machine.shift(datetime.timedelta(days=1, hours=1))
    assert "maintain_database" in clock.run_due()
    run_worker()
    left = set(DBTaskResult.objects.values_list("pk", flat=True))
    assert not left & old
    # Six days old, and the hour's own maintenance task: kept.
    assert left


def analysed_tables() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")
        if not cursor.fetchone():
            return set()
        cursor.execute("SELECT DISTINCT tbl FROM sqlite_stat1")
        return {row[0] for row in cursor.fetchall()}


def drop_statistics() -> None:
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS sqlite_stat1")


@sqlite_only
def test_a_reader_never_waits_for_the_planners_statistics(client, site):
    # Analysing is the hourly upkeep's work, not a request's: the statistics that a page's
    # queries lack are still missing after it was served and its connection closed.
    drop_statistics()
    connection.close()
    assert client.get("/en/politics/").status_code == 200
    connection.close()
    assert analysed_tables() == set()


@sqlite_only
def test_a_wordpress_import_leaves_the_planner_its_statistics(site):
    drop_statistics()
    export = Path(__file__).parent / "archive" / "newsroom.wordpress.xml"
    call_command("import", "wordpress", str(export), stdout=io.StringIO(), stderr=io.StringIO())
    assert {"wagtailcore_page", "news_articlepage", "wagtailredirects_redirect"} <= (
        analysed_tables()
    )


@sqlite_only
def test_the_hourly_upkeep_cuts_the_write_ahead_log_back(site):
    log = connection.settings_dict["NAME"] + "-wal"
    assert os.path.getsize(log) > 0
    maintain_database.call()
    assert os.path.getsize(log) == 0


@sqlite_only
def test_the_hourly_upkeep_analyses_every_table(site):
    drop_statistics()
    maintain_database.call()
    assert {"wagtailcore_page", "news_articlepage", "taggit_tag", "news_author"} <= (
        analysed_tables()
    )


@sqlite_only
def test_the_hourly_upkeep_analyses_a_table_again_once_it_has_grown(site):
    maintain_database.call()
    Tag.objects.bulk_create(
        [Tag(name=f"Tag {number}", slug=f"tag-{number}") for number in range(500)]
    )
    maintain_database.call()
    with connection.cursor() as cursor:
        cursor.execute("SELECT stat FROM sqlite_stat1 WHERE tbl = 'taggit_tag'")
        counted = {int(row[0].split()[0]) for row in cursor.fetchall()}
    assert counted == {Tag.objects.count()}
