"""What staff do in the admin: write a campaign with a variant, set the goal and the rates, and
read the results from impressions to revenue."""

import datetime
import re

import pytest
from django.utils import timezone
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text

from tamizdat.prompts.models import Campaign, EventCount, ExchangeRate, FundingGoal
from tests import factories as ledger_rows
from tests.prompts import factories

pytestmark = pytest.mark.django_db

ARTICLE = "/en/politics/parliament-dissolved/"


@pytest.fixture
def staff(client, admin_user):
    client.force_login(admin_user)
    return client


def campaign_form(**changes):
    data = {
        "name": "Spring drive",
        "in_banner": "on",
        "in_appeal": "on",
        "headline": "Enjoying ad-free content?",
        "body": rich_text("<p>Running the newsroom costs {monthly_cost} a month.</p>"),
        "appeal_body": rich_text("<p>Independent journalism depends on its readers.</p>"),
        "thank_you": rich_text(""),
        "show_goal": "on",
        "currency": "USD",
        "default_frequency": "month",
        "monthly_amounts": "10*, 20",
        "priority": "1",
        "target_tags": "elections",
        "after_article_views": "0",
        "max_impressions_per_day": "3",
        "dismiss_days": "3",
        "snooze_days": "7",
        "variants": inline_formset(
            [
                {
                    "key": "b",
                    "headline": "Reading us every day?",
                    "body": rich_text(""),
                    "appeal_body": rich_text(""),
                    "monthly_amounts": "5*, 20",
                }
            ]
        ),
        "action-publish": "publish",
    }
    data.update(changes)
    return nested_form_data(data)


def test_staff_write_a_campaign_with_a_variant_and_publish_it(staff, site):
    response = staff.post("/admin/snippets/prompts/campaign/add/?locale=en", campaign_form())
    assert response.status_code == 302, response.content.decode()[:3000]

    campaign = Campaign.objects.get()
    assert campaign.live and campaign.locale.language_code == "en"
    assert [variant.key for variant in campaign.variants.all()] == ["b"]
    assert [tag.name for tag in campaign.target_tags.all()] == ["elections"]
    html = staff.logout() or staff.get(ARTICLE).content.decode()
    assert "Reading us every day?" in html and "Enjoying ad-free content?" in html
    assert 'data-daily-cap="3"' in html


def test_the_admin_refuses_amounts_the_form_does_not_offer_and_clashing_keys(staff, site):
    data = campaign_form(monthly_amounts="7*, 20")
    data["variants-0-key"] = "base"
    response = staff.post("/admin/snippets/prompts/campaign/add/?locale=en", data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Choose among the amounts offered (Support → Amounts): 5, 10, 20." in page
    assert "“base” names the campaign" in page
    assert Campaign.objects.count() == 0

    response = staff.post(
        "/admin/snippets/prompts/campaign/add/?locale=en",
        campaign_form(currency="XYZ", dismiss_days="0"),
    )
    page = response.content.decode()
    assert "Not an ISO 4217 currency code." in page
    assert "Ensure this value is greater than or equal to 1." in page
    assert Campaign.objects.count() == 0


def test_the_goal_is_typed_in_main_units_and_kept_in_minor_units(staff, site):
    url = staff.get("/admin/settings/prompts/fundinggoal/")["Location"]
    response = staff.post(
        url,
        {
            "currency": "USD",
            "amount": "10000",
            "monthly_running_cost": "12500.50",
            "ads_off_since": "2022-03-01",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    goal = FundingGoal.current()
    assert (goal.amount, goal.monthly_running_cost, goal.currency) == (1_000_000, 1_250_050, "USD")
    assert 'value="10000.00"' in staff.get(url).content.decode()

    response = staff.post(url, {"currency": "JPY", "amount": "1500.5", "monthly_running_cost": "0"})
    assert "More decimals than this currency has." in response.content.decode()
    assert FundingGoal.current().currency == "USD"


def test_exchange_rates_are_a_dated_table(staff, site):
    response = staff.post(
        "/admin/snippets/prompts/exchangerate/add/",
        {"base": "eur", "quote": "USD", "rate": "1.0825", "valid_from": "2026-01-01"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    rate = ExchangeRate.objects.get()
    assert (rate.base, rate.quote, str(rate.rate.normalize())) == ("EUR", "USD", "1.0825")
    response = staff.post(
        "/admin/snippets/prompts/exchangerate/add/",
        {"base": "USD", "quote": "USD", "rate": "1", "valid_from": "2026-01-01"},
    )
    assert "Choose two different currencies." in response.content.decode()
    listing = staff.get("/admin/snippets/prompts/exchangerate/").content.decode()
    assert "1.0825" in listing


def gift_through(campaign: Campaign, variant: str, amount: int, currency: str) -> None:
    ledger_rows.gift(
        f"{variant}{amount}{currency}@example.org",
        amount=amount,
        currency=currency,
        campaign=str(campaign.pk),
        variant=variant,
    )


def test_results_from_impressions_to_revenue_per_campaign_and_variant(staff, site):
    factories.goal(amount=1_000_000)
    factories.rate("EUR", "USD", "1.10", datetime.date(2020, 1, 1))
    campaign = factories.campaign(variants=({"key": "b"},))
    today = timezone.localdate()
    counts = {
        ("base", "impression"): 1000,
        ("base", "click"): 50,
        ("base", "checkout"): 10,
        ("b", "impression"): 800,
        ("b", "click"): 80,
        ("b", "checkout"): 20,
    }
    for (variant, event), count in counts.items():
        EventCount.objects.create(
            campaign=campaign, variant=variant, language="en", day=today, event=event, count=count
        )
    EventCount.objects.create(
        campaign=campaign, variant="b", language="ru", day=today, event="impression", count=200
    )
    EventCount.objects.create(  # before the period shown
        campaign=campaign,
        variant="b",
        language="en",
        day=today - datetime.timedelta(days=40),
        event="impression",
        count=99_999,
    )
    gift_through(campaign, "base", 2500, "USD")
    gift_through(campaign, "b", 1000, "USD")
    gift_through(campaign, "b", 2000, "EUR")

    page = staff.get("/admin/campaigns/results/").content.decode()
    start = page.index('<table class="listing">')
    table = page[start : page.index("</table>", start)]
    rows = [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip()
        for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)[1:]
    ]
    assert rows == [
        "Spring drive (en) The campaign&#x27;s own copy 1000 50 0 10 1 0.1% $25",
        "b 1000 80 0 20 2 0.2% €20, $10 ≈ $32",
    ]
    assert "raised this month" in page  # the goal meter sits on top

    older = staff.get(
        "/admin/campaigns/results/",
        {"first": (today - datetime.timedelta(days=45)).isoformat(), "last": today.isoformat()},
    ).content.decode()
    assert "100999" in older


def test_results_and_the_dashboard_panel_are_for_staff(client, site, django_user_model):
    factories.goal()
    editor = django_user_model.objects.create_user("editor", password="x", is_staff=True)
    from django.contrib.auth.models import Permission

    editor.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(editor)
    # Wagtail sends a user without the permission back to the dashboard, with a message.
    refused = client.get("/admin/campaigns/results/")
    assert (refused.status_code, refused["Location"]) == (302, "/admin/")
    assert "Campaign results" not in client.get("/admin/reports/").content.decode()
    editor.user_permissions.add(Permission.objects.get(codename="view_campaign"))
    assert client.get("/admin/campaigns/results/").status_code == 200
    dashboard = client.get("/admin/").content.decode()
    assert "Funding goal" in dashboard
    assert "$0 of $10,000 raised this month" in dashboard


def test_a_gift_credited_to_a_campaign_without_a_variant_counts_for_its_base_arm(db):
    from tamizdat.prompts import revenue
    from tests import factories as ledger_rows

    now = timezone.now()
    ledger_rows.gift("r1@example.org", amount=500, at=now, campaign="7", variant="")
    ledger_rows.gift("r2@example.org", amount=700, at=now, campaign="7", variant="base")
    ledger_rows.gift("r3@example.org", amount=900, at=now, campaign="7", variant="b")
    found = revenue.conversions(
        ["7"], now - datetime.timedelta(days=1), now + datetime.timedelta(1)
    )
    assert {key: (c.contributions, c.revenue) for key, c in found.items()} == {
        ("7", "base"): (2, {"USD": 1200}),
        ("7", "b"): (1, {"USD": 900}),
    }
