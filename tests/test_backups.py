"""`tamizdat backup` and `tamizdat restore`: a round trip keeps every contribution and every
upload, on SQLite and on PostgreSQL alike."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from tamizdat.mirror.models import Address
from tamizdat.support.models import Contribution, Payment
from tests import factories, servers

# The backup reads the database from outside the test's transaction.
pytestmark = pytest.mark.django_db(transaction=True)


def test_a_round_trip_keeps_every_contribution_and_upload(settings, tmp_path: Path):
    settings.MEDIA_ROOT = tmp_path / "media"
    (tmp_path / "media" / "original_images").mkdir(parents=True)
    photo = tmp_path / "media" / "original_images" / "lead.jpg"
    photo.write_bytes(b"not really a photo")
    for amount in (500, 2500, 10_000):
        factories.paid(factories.contribution(amount=amount))
    kept = sorted(Contribution.objects.values_list("reference", "amount", "status"))

    call_command("backup", str(tmp_path / "backup"), stdout=StringIO())
    # After the backup: one more gift, two lost, and an upload gone.
    factories.paid(factories.contribution(amount=700))
    Payment.objects.filter(contribution__amount__in=(500, 2500)).delete()
    Contribution.objects.filter(amount__in=(500, 2500)).delete()
    photo.unlink()

    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", str(tmp_path / "backup"))
    call_command("restore", str(tmp_path / "backup"), "--yes", stdout=StringIO())
    assert sorted(Contribution.objects.values_list("reference", "amount", "status")) == kept
    assert Payment.objects.count() == 3
    assert photo.read_bytes() == b"not really a photo"


def test_bad_folders_get_one_clear_line(tmp_path: Path):
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "something").write_text("x")
    with pytest.raises(CommandError, match="is not an empty folder"):
        call_command("backup", str(tmp_path / "used"))
    with pytest.raises(CommandError, match="holds no Tamizdat backup"):
        call_command("restore", str(tmp_path / "used"), "--yes")


@pytest.mark.scenario
@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite keeps its connections open")
def test_a_running_server_shows_the_restored_data_on_its_kept_connections(tmp_path: Path):
    Address.objects.create(url="https://before.example.net/")
    call_command("backup", str(tmp_path / "backup"), stdout=StringIO())
    Address.objects.create(url="https://after.example.net/")
    with servers.tamizdat(tmp_path, workers=1) as base:

        def listed() -> str:
            # A session's cookie passes the page cache by: each answer is read from the database.
            return servers.fetch(f"{base}/mirrors.json", Cookie="sessionid=x").read().decode()

        # The worker's threads open their connections on these requests and keep them.
        assert all("after.example.net" in listed() for _ in range(8))
        call_command("restore", str(tmp_path / "backup"), "--yes", stdout=StringIO())
        after_restore = [listed() for _ in range(8)]
    assert all("before.example.net" in text for text in after_restore)
    assert not any("after.example.net" in text for text in after_restore)
