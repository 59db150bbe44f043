"""`tamizdat demo` builds a whole newsroom once and leaves it alone the second time."""

import os
import re
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.utils import timezone
from taggit.models import Tag

from tamizdat.news.models import ArticlePage, Author, SectionPage
from tamizdat.prompts.models import CampaignVariant, EventCount
from tamizdat.support.models import Contribution, Payment, PlanChange, RecurringPlan

pytestmark = pytest.mark.django_db


def test_demo_newsroom_loads_once_and_every_article_renders(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STATIC_ROOT = tmp_path / "static"
    first = StringIO()
    call_command("demo", "--no-serve", stdout=first)
    assert "Loaded 49 articles and 15 translations." in first.getvalue()
    assert "Log in as:     admin / " in first.getvalue()

    english = ArticlePage.objects.live().filter(locale__language_code="en")
    russian = ArticlePage.objects.live().filter(locale__language_code="ru")
    assert english.count() >= 40
    assert russian.count() >= 10
    assert SectionPage.objects.filter(locale__language_code="en").count() >= 4
    assert Author.objects.filter(locale__language_code="ru").count() >= 4
    assert Tag.objects.count() > 10
    # Each language's campaign comes with its A/B variant, so the results page has two arms.
    assert sorted(
        CampaignVariant.objects.values_list("key", "campaign__locale__language_code")
    ) == [
        ("b", "en"),
        ("b", "ru"),
    ]
    for article in [*english, *russian]:
        assert article.lead_image.credit, article
        assert article.lead_image.description, article
    # Rendering draws image renditions, so a sample of pages stands for the rest; the Russian
    # ones include tag links with Cyrillic slugs.
    for article in [*english[:3], *russian[:3]]:
        response = client.get(article.url)
        assert response.status_code == 200, article.url
        for tag in article.tags.all():
            assert (
                client.get(f"{article.get_parent().get_parent().url}tags/{tag.slug}/").status_code
                == 200
            )

    # A reader of the demo can reach older stories of a section.
    politics = client.get("/en/politics/").content.decode()
    older = re.search(r'rel="next" href="(\?page=\d+)"', politics)
    assert older is not None
    assert client.get(f"/en/politics/{older[1]}").status_code == 200

    # Demo supporters make the funding goal and the campaign results show real figures.
    home = client.get("/en/").content.decode()
    assert re.search(r"\$[1-9][\d,]* of \$10,000 raised this month", home), "goal meter at $0"
    assert Contribution.objects.exclude(campaign="").exists()
    assert RecurringPlan.objects.filter(status="active").count() > 100
    # A year and a half of history for the dashboard: every kind of MRR movement, payments in
    # each of the 18 months, renewals, refunds, both rails and several currencies.
    kinds = set(PlanChange.objects.values_list("kind", flat=True))
    assert {"new", "reactivation", "expansion", "contraction", "churn"} <= kinds
    months = {
        timezone.localtime(paid).strftime("%Y-%m")
        for paid in Payment.objects.values_list("paid_at", flat=True)
    }
    assert len(months) == 18
    assert Payment.objects.filter(kind="renewal").count() > 500
    assert Payment.objects.filter(refunded_amount__gt=0).exists()
    assert set(Payment.objects.values_list("provider", flat=True)) == {"stripe", "bank"}
    assert set(Payment.objects.values_list("currency", flat=True)) >= {"USD", "EUR", "GBP"}
    client.force_login(User.objects.get(username="admin"))
    dashboard = client.get("/admin/").content.decode()
    assert "Reader revenue" in dashboard
    assert dashboard.count('<div class="tz-chart__drawing">') == 10
    client.logout()
    history = (Payment.objects.count(), PlanChange.objects.count())
    long_ago = timezone.localdate() - timedelta(days=400)
    assert EventCount.objects.filter(day__lt=long_ago).exists()  # the campaigns' counters too

    again = StringIO()
    call_command("demo", "--no-serve", stdout=again)
    assert "already loaded" in again.getvalue()
    assert (Payment.objects.count(), PlanChange.objects.count()) == history
    assert ArticlePage.objects.count() == english.count() + russian.count()


def test_every_machine_prints_the_same_working_demo_login_and_never_a_stale_one(
    client, settings, tmp_path
):
    from tamizdat.management.commands.demo import admin_login

    settings.DATA_DIR = tmp_path / "node-a"
    first = admin_login()
    username, password = first.split(" / ")
    signed_in = client.post("/admin/login/", {"username": username, "password": password})
    assert (signed_in.status_code, signed_in["Location"]) == (302, "/admin/")
    client.logout()
    # Another machine of the site: its own data directory, the same database and secret key.
    settings.DATA_DIR = tmp_path / "node-b"
    assert admin_login() == first
    assert not (tmp_path / "node-a").exists() and not (tmp_path / "node-b").exists()

    staff = User.objects.get(username="admin")
    staff.set_password("a passphrase of the editor's own")
    staff.save()
    changed = admin_login()
    assert password not in changed
    assert "tamizdat changepassword admin" in changed


def test_without_its_card_processor_the_demo_offers_bank_transfer_and_says_why(
    settings, tmp_path, monkeypatch
):
    from tamizdat.management.commands.demo import Command

    # A localstripe that cannot be imported, first on the processor's path: it fails to start
    # as it would where the package is missing or broken.
    shadow = tmp_path / "shadow" / "localstripe"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text('raise ImportError("this localstripe is broken")\n')
    monkeypatch.setenv("PYTHONPATH", str(shadow.parent))
    monkeypatch.delenv("TAMIZDAT_STRIPE_SECRET_KEY", raising=False)
    settings.STRIPE_SECRET_KEY = ""
    settings.DATA_DIR = tmp_path
    out, err = StringIO(), StringIO()

    assert Command(stdout=out, stderr=err)._start_card_processor("127.0.0.1", 8000) == ""
    log = tmp_path / "stripe-peer.log"
    assert err.getvalue().strip() == (
        "The demo card processor did not start (ImportError: this localstripe is broken; "
        f"its log: {log}), so the demo offers bank transfer only."
    )
    assert "this localstripe is broken" in log.read_text()
    # The server it hands over to is not told of a card processor.
    assert "TAMIZDAT_STRIPE_SECRET_KEY" not in os.environ


def test_a_demo_with_a_stripe_account_configured_keeps_it(settings, tmp_path):
    from tamizdat.management.commands.demo import Command

    settings.STRIPE_SECRET_KEY = "sk_test_the_newsrooms_own"
    settings.DATA_DIR = tmp_path
    line = Command(stdout=StringIO(), stderr=StringIO())._start_card_processor("127.0.0.1", 8000)
    assert line == "Card payments: through the Stripe account configured here\n"
    assert not (tmp_path / "stripe-peer.log").exists()  # no processor of its own was started
