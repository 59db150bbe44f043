"""Issues go out once per recipient, at the configured pace, through a real SMTP server that
may refuse for a while or reject an address for good."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone, translation
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from tamizdat.newsletters import links, sending
from tamizdat.newsletters.models import Delivery, Issue, Subscriber, Subscription
from tamizdat.newsletters.tasks import send_issue
from tests.newsletters.conftest import body, issue_of, subscribe
from tests.worker import let_time_pass, run_worker


def recipients(smtp) -> list[str]:
    return sorted(message["To"] for message in smtp.messages)


@pytest.mark.django_db(transaction=True)
def test_a_refusing_server_delays_the_issue_and_each_gets_it_once(site, newsletter, smtp, queued):
    emails = [f"r{n}@example.org" for n in range(5)]
    subscribe(newsletter, *emails)
    issue = issue_of(newsletter, site)
    smtp.refuse = 3  # a busy server: "451, try again later", three times
    sending.start(issue)
    for _ in range(10):
        run_worker()
        if Issue.objects.get().state == Issue.State.SENT:
            break
        let_time_pass()
    assert smtp.refused == 3
    assert recipients(smtp) == emails
    assert Issue.objects.get().progress() == {"sent": 5, "waiting": 0, "failed": 0}
    # The waits before trying again were those of the receipts, not a busy loop.
    retries = DBTaskResult.objects.filter(task_path=send_issue.module_path)
    assert retries.count() <= 6


def test_a_recipient_rejected_for_good_is_suppressed(site, newsletter, smtp, start):
    subscribe(newsletter, "ada@example.org", "gone@example.org", "boris@example.org")
    smtp.unknown = {"gone@example.org"}
    start(issue_of(newsletter, site))
    assert recipients(smtp) == ["ada@example.org", "boris@example.org"]
    failed = Delivery.objects.get(state=Delivery.State.FAILED)
    assert failed.subscriber.email == "gone@example.org"
    assert failed.error.startswith("550")
    gone = Subscriber.objects.get(email="gone@example.org")
    assert gone.suppressed_at is not None and gone.suppression == "rejected"
    assert Issue.objects.get().progress() == {"sent": 2, "waiting": 0, "failed": 1}
    start(issue_of(newsletter, site, subject="Next"))
    assert Delivery.objects.filter(issue__subject="Next").count() == 2


@pytest.mark.django_db(transaction=True)
def test_the_hourly_rate_holds_the_rest_for_later(site, newsletter, smtp, queued, settings):
    settings.NEWSLETTER_RATE = {"hour": 2}
    subscribe(newsletter, "a@example.org", "b@example.org", "c@example.org")
    sending.start(issue_of(newsletter, site))
    run_worker()
    assert len(smtp.messages) == 2
    [later] = DBTaskResult.objects.filter(status=TaskResultStatus.READY)
    assert later.run_after > timezone.now() + timezone.timedelta(minutes=55)
    assert Issue.objects.get().progress()["waiting"] == 1


def test_an_issue_goes_over_one_connection_to_the_mail_server(site, newsletter, smtp, start):
    # Also after a recipient the server rejects for good.
    subscribe(newsletter, *[f"c{n}@example.org" for n in range(6)])
    smtp.unknown = {"c2@example.org"}
    start(issue_of(newsletter, site))
    assert len(smtp.messages) == 5
    assert len(smtp.connections) == 1


def test_the_pace_per_second(site, newsletter, smtp, start, settings):
    settings.NEWSLETTER_RATE = {"second": 20}
    subscribe(newsletter, *[f"p{n}@example.org" for n in range(10)])
    started = timezone.now()
    start(issue_of(newsletter, site))
    assert len(smtp.messages) == 10
    assert (timezone.now() - started).total_seconds() >= 9 / 20


def test_nothing_half_sent_from_a_bad_issue(site, newsletter, smtp, start):
    subscribe(newsletter, "a@example.org")
    empty = Issue.objects.create(newsletter=newsletter, subject="Empty")
    with translation.override("ru"), pytest.raises(sending.NotSendable) as refused:
        start(empty)
    assert refused.value.messages == ["В выпуске нет ни статей, ни вступления: отправлять нечего."]
    issue = issue_of(newsletter, site)
    with pytest.raises(sending.NotSendable):
        sending.schedule(issue, timezone.now() - timezone.timedelta(minutes=1))
    assert smtp.messages == []
    assert not Delivery.objects.exists()
    assert set(Issue.objects.values_list("state", flat=True)) == {"draft"}
    start(issue)
    with pytest.raises(sending.NotSendable):
        start(issue)  # never twice
    assert len(smtp.messages) == 1


@pytest.mark.django_db(transaction=True)
def test_a_scheduled_issue_goes_out_at_its_time(site, newsletter, smtp, queued):
    subscribe(newsletter, "a@example.org")
    issue = issue_of(newsletter, site)
    sending.schedule(issue, timezone.now() + timezone.timedelta(hours=2))
    run_worker()
    assert smtp.messages == []
    let_time_pass()
    run_worker()
    run_worker()
    assert recipients(smtp) == ["a@example.org"]


def test_the_days_articles_are_filled_in_when_sending_begins(site, newsletter, smtp, start):
    subscribe(newsletter, "a@example.org")
    old = site.article("culture", "Last month's story", hours_ago=24 * 30)
    issue = Issue.objects.create(
        newsletter=newsletter, subject="Today", article_choice=Issue.Articles.DAY
    )
    start(issue)
    text = body(smtp.messages[0])
    assert "Theatre reopens" in text and "Budget passed" in text
    assert old.title not in text
    assert issue.articles.count() == 4


@pytest.mark.django_db(transaction=True)
def test_readers_who_unsubscribe_while_the_issue_goes_out_are_not_sent_it(
    site, newsletter, smtp, start, monkeypatch
):
    # All three are claimed in one batch; while the first message is being handed over, the
    # two others leave through their mails' one-click links.
    readers = subscribe(newsletter, "ada@example.org", "boris@example.org", "clara@example.org")
    monkeypatch.setattr(sending, "RECHECK_SECONDS", 0.0)

    def first_arrived(envelope) -> None:
        if len(smtp.messages) == 0:
            for reader in readers:
                if reader.email not in envelope.rcpt_tos:
                    leaving = links.unsubscribe_url(reader, newsletter)
                    Client().post(leaving, {"List-Unsubscribe": "One-Click"})

    smtp.on_message = first_arrived
    start(issue_of(newsletter, site))
    assert len(smtp.messages) == 1
    assert Issue.objects.get().progress() == {"sent": 1, "waiting": 0, "failed": 0}
    assert Subscription.objects.filter(unsubscribed_at__isnull=False).count() == 2


@pytest.mark.parametrize("introduction", ["Доброе утро.", "Длинная строка. " * 80])
def test_each_reader_gets_their_own_copy_of_one_message(
    site, newsletter_ru, smtp, start, introduction
):
    # The copies are made from one message. The second issue has a line too long for a mail,
    # so its parts are encoded and each copy is built whole: the same copies either way.
    newsletter_ru.sender_name = "Утренний курьер"
    newsletter_ru.save()
    readers = subscribe(newsletter_ru, "ada@example.org", "boris@example.org")
    issue = Issue.objects.create(
        newsletter=newsletter_ru, subject="Сегодня", introduction=introduction
    )
    start(issue)
    assert recipients(smtp) == ["ada@example.org", "boris@example.org"]
    for reader, mail in zip(readers, sorted(smtp.messages, key=lambda m: m["To"]), strict=True):
        leaving = links.unsubscribe_url(reader, newsletter_ru)
        assert mail["Subject"] == "Сегодня"
        assert mail["From"].addresses[0].display_name == "Утренний курьер"
        assert mail["Message-ID"] == f"<issue-{issue.pk}.{reader.pk}@tamizdat.example>"
        assert str(mail["List-Unsubscribe"]).strip() == f"<{leaving}>"
        assert leaving in body(mail) and f'href="{leaving}"' in body(mail, "html")
        assert introduction.strip() in body(mail)
        assert mail["Date"] is not None
        encoded = mail.get_body(("html",))["Content-Transfer-Encoding"] == "quoted-printable"
        assert encoded == (len(introduction) > 998)
    leaving = links.unsubscribe_url(readers[0], newsletter_ru)
    Client().post(leaving, {"List-Unsubscribe": "One-Click"})
    assert Subscription.objects.get(subscriber=readers[0]).unsubscribed_at is not None
    assert Subscription.objects.get(subscriber=readers[1]).unsubscribed_at is None
