"""Subscribers are covered by the export, the shredding on request and the retention that
serve supporters; consent is kept with its time and language only."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from tamizdat.newsletters import privacy
from tamizdat.newsletters.models import Delivery, Subscriber, Subscription
from tamizdat.support import privacy as support_privacy
from tests import factories
from tests.newsletters.conftest import issue_of, subscribe

pytestmark = pytest.mark.django_db


def test_a_subscriber_is_exported_and_forgotten_on_request(site, newsletter, smtp, start, capsys):
    subscribe(newsletter, "ada@example.org", "boris@example.org")
    start(issue_of(newsletter, site))
    call_command("export_supporter", "--email", "Ada@example.org")
    exported = json.loads(capsys.readouterr().out)["newsletters"]
    assert exported["email"] == "ada@example.org"
    assert exported["issues_received"] == 1
    [consent] = exported["subscriptions"]
    assert set(consent) == {"newsletter", "consented", "consent_language", "unsubscribed"}
    assert consent["consent_language"] == "en"

    call_command("shred", "--email", "ada@example.org")
    assert list(Subscriber.objects.values_list("email", flat=True)) == ["boris@example.org"]
    # The issue's figures stay whole, naming nobody.
    assert Delivery.objects.filter(state="sent").count() == 2
    assert Delivery.objects.filter(subscriber__isnull=True).count() == 1


def test_a_supporter_shredded_takes_their_subscriptions_along(site, newsletter):
    supporter = factories.supporter("giver@example.org")
    subscribe(newsletter, "giver@example.org")
    assert support_privacy.export(supporter)["newsletters"]["email"] == "giver@example.org"
    support_privacy.shred(supporter, factories.TEST_ACTOR)
    assert not Subscriber.objects.exists()


def test_those_who_left_long_ago_are_forgotten_by_the_retention(site, newsletter, settings, capsys):
    _, left, recent, bounced = subscribe(
        newsletter, "stayed@example.org", "left@example.org", "recent@example.org", "x@example.org"
    )
    long_ago = timezone.now() - timedelta(days=settings.SUPPORT_RETENTION_DAYS + 1)
    Subscription.objects.filter(subscriber=left).update(unsubscribed_at=long_ago)
    Subscription.objects.filter(subscriber=recent).update(unsubscribed_at=timezone.now())
    Subscriber.objects.filter(pk=bounced.pk).update(suppressed_at=long_ago, suppression="bounced")
    Subscriber.objects.update(created_at=long_ago)
    cutoff = support_privacy.retention_cutoff()
    assert {s.email for s in privacy.lapsed(cutoff)} == {"left@example.org", "x@example.org"}
    call_command("shred", "--lapsed")
    assert "Subscribers forgotten: 2" in capsys.readouterr().out
    assert set(Subscriber.objects.values_list("email", flat=True)) == {
        "stayed@example.org",
        "recent@example.org",
    }


def test_consent_keeps_its_time_and_language_and_nothing_else():
    fields = {field.name for field in Subscription._meta.get_fields()}
    assert fields == {
        "id",
        "subscriber",
        "newsletter",
        "consented_at",
        "consent_language",
        "unsubscribed_at",
    }
    subscriber_fields = {field.name for field in Subscriber._meta.concrete_fields}
    assert subscriber_fields == {
        "id",
        "email",
        "language",
        "created_at",
        "suppressed_at",
        "suppression",
    }
