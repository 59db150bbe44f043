"""The worker's clock: scheduled pages go live (and expired ones come down) within a minute of
their time, once however many workers tick."""

import datetime
import signal
import threading
from http import HTTPStatus

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tamizdat import clock
from tests.worker import run_worker

# The worker closes connections between tasks, as it must in production: outside a test's
# transaction.
pytestmark = pytest.mark.django_db(transaction=True)

ARTICLE = "/en/politics/budget-passed/"


def test_a_period_is_claimed_by_one_worker_only():
    hour = timezone.now().replace(minute=0, second=0, microsecond=0)
    assert clock.run_due(hour) == ["publish_scheduled", "choose_read_more", "maintain_database"]
    # Other workers ticking later in the same minute find it taken.
    assert clock.run_due(hour + datetime.timedelta(seconds=10)) == []
    assert clock.run_due(hour + datetime.timedelta(seconds=59)) == []
    assert clock.run_due(hour + datetime.timedelta(minutes=1)) == [
        "publish_scheduled",
        "choose_read_more",
    ]
    assert clock.run_due(hour + datetime.timedelta(hours=1)) == [
        "publish_scheduled",
        "choose_read_more",
        "maintain_database",
    ]


def test_scheduled_page_goes_live_and_expires_through_the_worker(
    client, site, queued, time_machine
):
    time_machine.move_to(timezone.now(), tick=False)
    article = site.sections["politics"].get_children().get(slug="budget-passed").specific
    article.unpublish()
    article.title = "Budget passed at night"
    article.go_live_at = timezone.now() + datetime.timedelta(minutes=5)
    article.expire_at = timezone.now() + datetime.timedelta(hours=2)
    article.save_revision().publish()
    run_worker()
    assert client.get(ARTICLE).status_code == HTTPStatus.NOT_FOUND

    time_machine.shift(datetime.timedelta(minutes=5, seconds=30))
    run_worker()
    response = client.get(ARTICLE)
    assert response.status_code == HTTPStatus.OK
    assert "Budget passed at night" in response.content.decode()
    assert "Budget passed at night" in client.get("/en/politics/").content.decode()

    time_machine.shift(datetime.timedelta(hours=2))
    run_worker()
    assert client.get(ARTICLE).status_code == HTTPStatus.NOT_FOUND


@pytest.fixture
def own_signal_handlers():
    """The worker takes SIGINT and SIGTERM for a graceful stop; the test run gets them back."""
    taken = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)}
    yield
    for number, handler in taken.items():
        signal.signal(number, handler)


def test_a_running_worker_keeps_the_clock_and_stops_it_on_exit(
    client, site, queued, time_machine, own_signal_handlers
):
    article = site.sections["politics"].get_children().get(slug="budget-passed").specific
    article.unpublish()
    article.go_live_at = timezone.now() + datetime.timedelta(minutes=5)
    article.save_revision().publish()
    time_machine.move_to(timezone.now() + datetime.timedelta(minutes=6))
    DBTaskResult.objects.all().delete()  # what the publish queued (index updates) is not tested

    # Not a batch: nothing is queued when it starts, so only its clock can give it the one task
    # it runs before it exits.
    call_command(
        "worker", max_tasks=1, interval=0.1, startup_delay=False, reload=False, verbosity=0
    )
    assert client.get(ARTICLE).status_code == HTTPStatus.OK
    ticking = [thread for thread in threading.enumerate() if thread.name == "clock"]
    for thread in ticking:
        thread.join(timeout=5)
    assert not any(thread.is_alive() for thread in ticking)
