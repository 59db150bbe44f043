"""The dashboard as the admin's home: for staff who may see revenue only, with its period
picker, its charts as inline SVG carrying their numbers, and its tables."""

import datetime
from xml.etree import ElementTree

import pytest
from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from tamizdat.prompts import goal
from tests import factories as rows
from tests.prompts import factories

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"


def staff_member(django_user_model, *permissions: str):
    user = django_user_model.objects.create_user("lead", "lead@example.org", "pw")
    group = Group.objects.create(name="Revenue")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    for codename in permissions:
        group.permissions.add(Permission.objects.get(codename=codename))
    user.groups.add(group)
    return user


@pytest.fixture
def ledger():
    factories.goal(amount=100_000, currency="USD")
    now = timezone.now()
    rows.plan("monthly@example.org", amount=1500, at=now - datetime.timedelta(days=40))
    rows.gift("once@example.org", amount=4200, at=now)


def test_staff_without_the_permission_get_the_plain_home(client, django_user_model, ledger):
    client.force_login(staff_member(django_user_model))
    page = client.get("/admin/").content.decode()
    assert "Reader revenue" not in page
    assert "tz-dashboard" not in page


def test_revenue_staff_get_the_dashboard_with_this_month_and_the_last(
    client, django_user_model, ledger
):
    client.force_login(staff_member(django_user_model, "view_dashboard"))
    response = client.get("/admin/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Reader revenue" in page
    progress = goal.compute()
    assert progress is not None and progress.raised == 1500 + 4200
    assert "$57 of $1,000 raised this month" in page
    this_month = timezone.localdate().strftime("%b %Y")
    assert f'<th scope="col">{this_month}</th>' in page
    assert "newsroom/dashboard.css" in page
    # No script of any kind comes with the dashboard and its charts.
    dashboard = page.split('<section class="tz-dashboard"', 1)[1].split("</section>", 1)[0]
    assert "<script" not in dashboard


def test_every_chart_is_valid_svg_with_a_name_a_description_and_its_numbers(
    client, django_user_model, ledger
):
    client.force_login(staff_member(django_user_model, "view_dashboard"))
    page = client.get("/admin/").content.decode()
    drawings = page.split('<div class="tz-chart__drawing">')[1:]
    assert len(drawings) == 10
    for drawing in drawings:
        svg = drawing.split("</div>", 1)[0]
        root = ElementTree.fromstring(svg)  # well-formed XML, or this raises
        assert root.tag == f"{SVG}svg"
        assert root.get("role") == "img"
        title = root.find(f"{SVG}title")
        desc = root.find(f"{SVG}desc")
        assert title is not None and root.get("aria-labelledby") == title.get("id")
        assert desc is not None and root.get("aria-describedby") == desc.get("id")
        assert root.find(f".//{SVG}script") is None
    mrr = next(d for d in drawings if ">MRR</title>" in d)
    # The MRR chart's last point is this month's $15, and the table under it says so.
    assert "$15" in mrr
    assert "<td>$15</td>" in mrr.split("</svg>", 1)[1]


def test_mrr_by_payment_method_and_by_campaign_beside_the_goal(client, django_user_model, ledger):
    drive = factories.campaign(name="Spring drive")
    rows.plan("bank@example.org", amount=2500, provider="bank", campaign=str(drive.pk))
    client.force_login(staff_member(django_user_model, "view_dashboard"))
    page = client.get("/admin/").content.decode()
    rails = page.split('id="tz-chart-mrr-rails"', 1)[1].split("</figure>", 1)[0]
    # This month: the $15 plan by card and the $25 one by bank transfer; last month the $15.
    assert "MRR by payment method, against the monthly goal of $1,000" in rails
    assert '<th scope="row">Bank transfer</th><td>$25</td><td>2.5%</td><td>$0</td>' in rails
    assert '<th scope="row">Card</th><td>$15</td><td>1.5%</td><td>$15</td><td>1.5%</td>' in rails
    assert '<th scope="row">All plans</th><td>$40</td><td>4.0%</td><td>$15</td>' in rails
    campaigns = page.split('id="tz-chart-mrr-campaigns"', 1)[1].split("</figure>", 1)[0]
    assert '<th scope="row">Spring drive</th><td>$25</td>' in campaigns
    assert '<th scope="row">No campaign</th><td>$15</td>' in campaigns
    ElementTree.fromstring(
        campaigns.split('<div class="tz-chart__drawing">', 1)[1].split("</div>", 1)[0]
    )


def test_a_chosen_period_and_nonsense(client, django_user_model, ledger):
    client.force_login(staff_member(django_user_model, "view_dashboard"))
    page = client.get("/admin/?first=2026-01&last=2026-03").content.decode()
    assert '<th scope="col">Jan 2026 – Mar 2026</th>' in page
    assert '<th scope="col">Oct 2025 – Dec 2025</th>' in page
    response = client.get("/admin/?first=soon&last=%00")
    assert response.status_code == 200
    assert "Enter a month such as 2026-03." in response.content.decode()


def test_the_dashboard_reads_in_russian(ledger):
    from django.utils import translation

    from tamizdat.newsroom import dashboard, periods, presenting

    with translation.override("ru"):
        page = presenting.page(dashboard.build(periods.this_month(), "ru"), "ru")
    assert page.charts[2].table.caption == "Движение MRR"
    assert page.figures[0].value == "15\xa0$"
    assert page.tables[0].caption.startswith("Удержание")
    charts = {chart.key: chart for chart in page.charts}
    assert charts["mrr-rails"].table.caption.startswith("MRR по способам оплаты")
    assert charts["mrr-campaigns"].table.rows[0][0] == "Без кампании"
