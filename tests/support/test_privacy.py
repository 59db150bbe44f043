"""Donor privacy: a supporter is forgotten on request or once lapsed, here and at the
processor, while the newsroom's books keep every amount."""

from __future__ import annotations

import datetime
import json

import pytest
import stripe
import time_machine
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone

from tamizdat.payments.models import WebhookEvent
from tamizdat.support import ledger, privacy
from tamizdat.support.models import Payment, RecurringPlan, Supporter
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_supporter_who_asks_is_forgotten_here_and_at_stripe(rails, client, capsys):
    rails.give(client, frequency="month", currency="EUR", amount=5, email="Reader@Example.org")
    plan = RecurringPlan.objects.get()
    customer = plan.provider_customer_id

    call_command("export_supporter", "--email", "reader@example.org")
    exported = json.loads(capsys.readouterr().out)
    assert exported["email"] == "reader@example.org"
    assert [(p["amount"], p["currency"]) for p in exported["payments"]] == [(500, "EUR")]
    assert [c["status"] for c in exported["contributions"]] == ["paid"]
    assert exported["plans"][0]["processor_customer"] == customer

    # A running plan would go on charging someone who can no longer manage it.
    with pytest.raises(CommandError, match="running plan"):
        call_command("shred", "--email", "reader@example.org")
    assert Supporter.objects.get().shredded_at is None
    # The processor's webhooks named the supporter; another reader's stay as they were.
    rails.give(client, amount=10, email="someone-else@example.org")
    naming = set(
        WebhookEvent.objects.filter(payload__data__object__customer=customer).values_list(
            "event_id", flat=True
        )
    )
    assert naming
    others = WebhookEvent.objects.exclude(event_id__in=naming).exclude(type__startswith="customer.")
    others_before = {e.event_id: e.payload for e in others}

    ledger.cancel_plan(
        plan, reason="I moved to Tbilisi", as_of=timezone.now(), actor=factories.TEST_ACTOR
    )
    call_command("shred", "--email", "reader@example.org")
    # Stripe reports the deleted customer, details and all, after the shred: that event is
    # applied to nothing, and its body is not kept.
    rails.peer.wait_idle()
    assert WebhookEvent.objects.filter(type="customer.deleted").exists()

    supporter = Supporter.objects.get(pk=plan.supporter_id)
    assert supporter.shredded_at is not None
    assert supporter.email.endswith("@shredded.invalid") and supporter.name == ""
    assert RecurringPlan.objects.get().cancel_reason == ""
    with pytest.raises(stripe.InvalidRequestError):
        stripe.Customer.retrieve(customer)
    assert all(WebhookEvent.objects.get(event_id=event_id).payload == {} for event_id in naming)
    texts = [json.dumps(e.payload) for e in WebhookEvent.objects.all()]
    assert not any("reader@example.org" in text for text in texts)
    assert {e.event_id: e.payload for e in others.all()} == others_before
    # The books still add up: the payment and its amount stay.
    assert list(Payment.objects.filter(supporter=supporter).values_list("amount", "currency")) == [
        (500, "EUR")
    ]
    # A magic link can no longer be had for the old address.
    mail.outbox = []
    client.post("/en/support/manage/", {"email": "reader@example.org"})
    assert mail.outbox == []


def _supporter(email: str, paid_days_ago: int | None, plan_status: str | None = None) -> Supporter:
    """A supporter who started giving `paid_days_ago` days ago (never paid: long ago)."""
    started = timezone.now() - datetime.timedelta(days=paid_days_ago or 1000)
    with time_machine.travel(started, tick=False):
        if plan_status:
            return factories.plan(email, amount=500, status=plan_status).supporter
        if paid_days_ago is None:
            return factories.contribution(factories.supporter(email), provider="bank").supporter
        return factories.gift(email, amount=500, provider="bank").supporter


def test_lapsed_supporters_are_shredded_and_old_payloads_emptied(settings, capsys):
    settings.SUPPORT_RETENTION_DAYS = 365
    _supporter("gave-long-ago@example.org", paid_days_ago=400)
    _supporter("gave-lately@example.org", paid_days_ago=30)
    _supporter("never-paid-long-ago@example.org", paid_days_ago=None)
    _supporter("old-but-running@example.org", paid_days_ago=400, plan_status="active")
    _supporter("old-and-canceled@example.org", paid_days_ago=400, plan_status="canceled")
    long_ago = timezone.now() - datetime.timedelta(days=400)
    old = WebhookEvent.objects.create(
        provider="stripe",
        event_id="evt_old",
        type="checkout.session.completed",
        created=long_ago,
        payload={"customer_details": {"email": "a@example.org"}},
        processed_at=long_ago,
    )
    recent = WebhookEvent.objects.create(
        provider="stripe",
        event_id="evt_new",
        type="checkout.session.completed",
        created=timezone.now(),
        payload={"id": "evt_new"},
        processed_at=timezone.now(),
    )

    call_command("shred", "--lapsed", "--dry-run")
    assert "Would shred: 3 supporter(s)" in capsys.readouterr().out
    assert not Supporter.objects.filter(shredded_at__isnull=False).exists()

    call_command("shred", "--lapsed")
    assert "Shredded: 3 supporter(s)" in capsys.readouterr().out
    kept = set(Supporter.objects.filter(shredded_at__isnull=True).values_list("email", flat=True))
    assert kept == {"gave-lately@example.org", "old-but-running@example.org"}
    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.payload, recent.payload) == ({}, {"id": "evt_new"})
    # Shredding is done once: a second run finds nobody new.
    call_command("shred", "--lapsed")
    assert "Shredded: 0 supporter(s)" in capsys.readouterr().out
    assert privacy.lapsed(privacy.retention_cutoff()).count() == 0


def test_unknown_supporter_is_a_clear_error(db):
    unknown = r"no supporter or subscriber with the e-mail nobody@example\.org"
    with pytest.raises(CommandError, match=unknown):
        call_command("shred", "--email", "nobody@example.org")
    with pytest.raises(CommandError, match="no supporter"):
        call_command("export_supporter", "--email", "nobody@example.org")


def test_staff_export_and_shred_from_the_admin(client):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission

    staff = get_user_model().objects.create_superuser("editor", "editor@example.org", "pw")
    client.force_login(staff)
    who = _supporter("asks@example.org", paid_days_ago=10, plan_status="active")
    listing = client.get("/admin/snippets/support/supporter/").content.decode()
    assert f"/admin/support/supporters/{who.pk}/shred/" in listing

    exported = client.get(f"/admin/support/supporters/{who.pk}/export/")
    assert exported["Content-Disposition"] == f'attachment; filename="supporter-{who.pk}.json"'
    assert exported.json()["email"] == "asks@example.org"

    shred_url = f"/admin/support/supporters/{who.pk}/shred/"
    assert "has a running plan" in client.get(shred_url).content.decode()
    # Editing supporters is not enough to erase one.
    clerk = get_user_model().objects.create_user("clerk", "clerk@example.org", "pw")
    clerk.user_permissions.add(
        *Permission.objects.filter(codename__in=["access_admin", "change_supporter"])
    )
    client.force_login(clerk)
    client.post(shred_url)
    assert Supporter.objects.get(pk=who.pk).shredded_at is None
    assert shred_url not in client.get("/admin/snippets/support/supporter/").content.decode()
    client.force_login(staff)
    client.post(shred_url)
    assert Supporter.objects.get(pk=who.pk).email == "asks@example.org"

    RecurringPlan.objects.update(status=RecurringPlan.Status.CANCELED)
    assert client.post(shred_url).status_code == 302
    assert Supporter.objects.get(pk=who.pk).shredded_at is not None
    listing = client.get("/admin/snippets/support/supporter/").content.decode()
    assert shred_url not in listing and "asks@example.org" not in listing


def test_an_open_checkout_holds_the_shredding_back(db):
    factories.contribution(factories.supporter("paying-now@example.org"), amount=500)
    with pytest.raises(CommandError, match="open checkout"):
        call_command("shred", "--email", "paying-now@example.org")
    with time_machine.travel(datetime.timedelta(days=2)):  # the checkout has expired since
        call_command("shred", "--email", "paying-now@example.org")
    assert Supporter.objects.get().shredded_at is not None


def test_pages_reached_by_reference_alone_show_nothing_personal(client, settings):
    settings.BANK_TRANSFER = {"iban": "DE89 3704 0044 0532 0130 00", "currencies": ["EUR"]}
    who = ledger.supporter_for(
        "ada.reader@example.org", name="Ada Lovelace", language="en", anonymous=False
    )
    gift = factories.contribution(who, provider="bank", currency="EUR")
    held = factories.contribution(who, held=True)
    # Anyone holding a reference (a bank sees it in the transfer's memo) opens these.
    pages = [
        f"/en/support/canceled/{gift.reference}/",
        f"/en/support/thanks/{gift.reference}/",
        f"/en/support/transfer/{gift.reference}/",
        f"/en/support/check-email/{held.reference}/",
    ]
    for page in pages:
        response = client.get(page)
        html = response.content.decode()
        assert response.status_code == 200, page
        assert "ada.reader" not in html and "Ada Lovelace" not in html, page
