"""Campaigns on reading pages: what ships with a page, for whom it is the same, and when the
cached copies are retired."""

import datetime
import re

import pytest
from django.utils import timezone

from tamizdat.prompts import campaigns
from tamizdat.web.purge import purge_every_page
from tests import factories as ledger_rows
from tests.prompts import factories

pytestmark = pytest.mark.django_db

ARTICLE = "/en/politics/parliament-dissolved/"


def html_of(client, url: str = ARTICLE) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def campaign_ids(html: str, placement: str) -> list[str]:
    slot = re.search(
        rf'<[a-z]+ class="prompt-slot prompt-slot--{placement}.*?</(aside|section)>', html, re.S
    )
    return re.findall(r'data-campaign="(\d+)"', slot.group(0)) if slot else []


def test_article_carries_banner_appeal_and_the_rules_for_the_browser(client, site):
    factories.goal(amount=1_000_000, running_cost=1_250_000)
    campaign = factories.campaign(
        max_impressions_per_day=4, after_article_views=2, dismiss_days=5, snooze_days=9
    )
    html = html_of(client)

    assert campaign_ids(html, "banner") == [str(campaign.pk)]
    assert campaign_ids(html, "appeal") == [str(campaign.pk)]
    assert (
        f'data-campaign="{campaign.pk}" data-starts="" data-ends="" data-after-views="2" '
        'data-daily-cap="4" data-dismiss-days="5" data-snooze-days="9"'
    ) in html
    # The copy quotes the goal settings, written for the page's language.
    assert "We switched off ads on 1 March 2022." in html
    assert "costs $12,500 a month" in html
    assert "$0 of $10,000 raised this month" in html
    assert "Not ready to support today?" in html and "Remind me later" in html
    # Without JavaScript the banner is a plain link to the support page.
    assert '<p class="prompt-plain">Enjoying ad-free content? <a href="/en/support/">' in html
    # The script that decides is first-party and deferred, and knows it is on an article.
    assert re.search(r'<script src="/static/prompts/prompts.js" defer [^>]*data-article>', html)


def test_the_same_article_is_byte_identical_for_every_reader(client, site, time_machine):
    # The clock stands still: the goal's figure names the minute it was read, and two renders
    # on either side of a minute's turn differ by it whoever reads them.
    time_machine.move_to(timezone.now(), tick=False)
    factories.goal()
    factories.campaign(variants=({"key": "b", "headline": "Like reading without ads?"},))
    first = client.get(ARTICLE)
    assert first["X-Cache"] == "miss"
    client.cookies["tamizdat.prompts"] = "dismissed"
    client.cookies["csrftoken"] = "x" * 32
    client.cookies["sessionid_other"] = "abc"
    other_reader = {
        "Accept-Language": "ru",
        "User-Agent": "Other/1.0",
        "DNT": "1",
        "X-Forwarded-For": "203.0.113.9",
        "Referer": "https://example.org/",
    }
    second = client.get(ARTICLE, headers=other_reader)
    assert second["X-Cache"] == "hit"
    cache_control = second["Cache-Control"]
    assert "public" in cache_control and "s-maxage" in cache_control
    assert not second.cookies and "Set-Cookie" not in second
    assert first.content == second.content
    # Rendered afresh (the cache emptied), still the same bytes: nothing depends on the reader.
    from django.core.cache import cache

    cache.clear()
    third = client.get(ARTICLE, headers=other_reader)
    assert third["X-Cache"] == "miss"
    assert third.content == first.content


def test_each_language_shows_its_own_campaigns(client, site):
    english = factories.campaign("en", headline="Enjoying ad-free content?")
    russian = factories.campaign("ru", headline="Нравится читать без рекламы?")
    en_html = html_of(client)
    ru_html = html_of(client, "/ru/politics/parliament-dissolved/")
    assert campaign_ids(en_html, "banner") == [str(english.pk)]
    assert campaign_ids(ru_html, "banner") == [str(russian.pk)]
    assert "Нравится читать без рекламы?" in ru_html
    assert "Поддержать нас" in ru_html and "Support us" not in ru_html


def test_targeting_by_section_and_tag(client, site):
    politics = factories.campaign(name="Politics", sections=[site.sections["politics"]])
    elections = factories.campaign(name="Elections", tags=["elections"])
    everywhere = factories.campaign(name="Everywhere", priority=0)

    article = html_of(client)  # politics, tagged "elections"
    assert set(campaign_ids(article, "banner")) == {
        str(politics.pk),
        str(elections.pk),
        str(everywhere.pk),
    }
    culture = html_of(client, "/en/culture/theatre-reopens/")  # tagged "elections" too
    assert set(campaign_ids(culture, "banner")) == {str(elections.pk), str(everywhere.pk)}
    budget = html_of(client, "/en/politics/budget-passed/")
    assert set(campaign_ids(budget, "banner")) == {str(politics.pk), str(everywhere.pk)}
    section = html_of(client, "/en/politics/")
    assert set(campaign_ids(section, "banner")) == {str(politics.pk), str(everywhere.pk)}
    home = html_of(client, "/en/")
    assert campaign_ids(home, "banner") == [str(everywhere.pk)]
    # The appeal belongs to articles only.
    assert campaign_ids(home, "appeal") == []


def test_a_translated_campaign_targets_the_translated_section(client, site):
    english = factories.campaign(name="Politics", sections=[site.sections["politics"]])
    russian = english.copy_for_translation(site.ru)
    russian.live = True
    russian.save()
    html = html_of(client, "/ru/politics/parliament-dissolved/")
    assert campaign_ids(html, "banner") == [str(russian.pk)]


def test_priority_schedule_drafts_and_placement(client, site):
    now = timezone.now()
    low = factories.campaign(name="Low", priority=1)
    high = factories.campaign(name="High", priority=5)
    factories.campaign(name="Ended", priority=9, ends_at=now - datetime.timedelta(minutes=1))
    soon = factories.campaign(
        name="Starts within the cache's lifetime",
        priority=3,
        starts_at=now + datetime.timedelta(minutes=30),
    )
    factories.campaign(name="Next month", priority=9, starts_at=now + datetime.timedelta(days=30))
    factories.campaign(name="Draft", priority=9, live=False)
    appeal_only = factories.campaign(name="Appeal only", priority=2, in_banner=False)

    html = html_of(client)
    # At most three per placement, highest priority first; the browser checks the dates.
    assert campaign_ids(html, "banner") == [str(high.pk), str(soon.pk), str(low.pk)]
    assert campaign_ids(html, "appeal") == [str(high.pk), str(soon.pk), str(appeal_only.pk)]
    assert f'data-starts="{soon.starts_at.isoformat()}"' in html


def test_publishing_a_campaign_change_purges_cached_pages(client, site):
    campaign = factories.campaign(headline="Enjoying ad-free content?")
    assert client.get(ARTICLE)["X-Cache"] == "miss"
    assert client.get(ARTICLE)["X-Cache"] == "hit"

    campaign.headline = "Reading us every day?"
    campaign.save_revision().publish()
    response = client.get(ARTICLE)
    assert response["X-Cache"] == "miss"
    assert "Reading us every day?" in response.content.decode()

    campaign.unpublish()
    response = client.get(ARTICLE)
    assert response["X-Cache"] == "miss"
    assert "Reading us every day?" not in response.content.decode()


def test_a_saved_campaign_shows_on_the_next_request_after_any_time(client, site, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    campaign = factories.campaign(headline="Enjoying ad-free content?")
    # Minutes past the cache's default timeout, within the page cache's hour and past it: the
    # copy last saved always shows, and a retired copy never comes back.
    for step, minutes in enumerate((6, 10, 6, 61, 6)):
        headline = f"Reading us every day? ({step})"
        campaign.headline = headline
        campaign.save_revision().publish()
        assert headline in html_of(client), step
        time_machine.shift(datetime.timedelta(minutes=minutes))
        assert headline in html_of(client), step


def test_changing_the_goal_or_a_rate_purges_cached_pages(client, site):
    factories.campaign()
    factories.goal(amount=1_000_000)
    assert "of $10,000" in html_of(client)
    assert client.get(ARTICLE)["X-Cache"] == "hit"
    factories.goal(amount=1_200_000)
    response = client.get(ARTICLE)
    assert response["X-Cache"] == "miss"
    assert "of $12,000" in response.content.decode()
    factories.rate("EUR", "USD", "1.1", datetime.date(2024, 1, 1))
    assert client.get(ARTICLE)["X-Cache"] == "miss"


def test_changing_suggested_amounts_purges_the_embedded_forms(client, site):
    from tamizdat.support.models import AmountSet

    amounts = AmountSet.objects.get(currency="USD", frequency="once")  # made by a migration
    factories.campaign()
    assert client.get(ARTICLE)["X-Cache"] == "miss"
    assert client.get(ARTICLE)["X-Cache"] == "hit"
    amounts.suggested = [700, 1300, 2900]
    amounts.default_amount = 1300
    amounts.save()
    response = client.get(ARTICLE)
    assert response["X-Cache"] == "miss"
    assert "$13" in response.content.decode()


def test_no_goal_no_meter_and_campaign_may_hide_it(client, site):
    factories.campaign()
    assert "goal-meter" not in html_of(client)
    factories.goal()
    factories.campaign(name="Quiet", show_goal=False, priority=9)
    html = html_of(client)
    banner = html[html.index('data-prompt-slot="banner"') : html.index("</aside>")]
    first = banner[: banner.index('class="prompt-campaign"', banner.index("prompt-campaign") + 1)]
    assert "goal-meter" not in first  # the "Quiet" campaign comes first and has no meter
    assert "goal-meter" in banner


def test_pages_without_a_campaign_carry_no_prompt_markup(client, site):
    html = html_of(client)
    assert "prompt-slot" not in html
    # The script still runs: it counts article views and reads a supporter's mark.
    assert "/static/prompts/prompts.js" in html


def test_candidates_are_bounded(site):
    for index in range(6):
        factories.campaign(name=f"Campaign {index}", priority=index)
    page = site.sections["politics"].get_children().first().specific
    found = campaigns.candidates(campaigns.BANNER, page, "en")
    assert [campaign.priority for campaign in found] == [5, 4, 3]


def test_the_embedded_form_is_the_reader_revenue_form_once_per_arm(client, site):
    campaign = factories.campaign(
        opens_overlay=True,
        default_frequency="month",
        monthly_amounts="10*, 20",
        variants=({"key": "b", "monthly_amounts": "5, 20*", "default_frequency": "year"},),
    )
    html = html_of(client)
    ids = re.findall(r'<form class="contribution" id="([^"]+)"', html)
    # Banner overlay and appeal, each for the campaign's own copy and its variant.
    assert ids == [
        f"banner-{campaign.pk}-base-form",
        f"banner-{campaign.pk}-b-form",
        f"appeal-{campaign.pk}-base-form",
        f"appeal-{campaign.pk}-b-form",
    ]
    assert html.count('action="/en/support/contribute/"') == 4
    assert len(re.findall(r"<script[^>]+support/contribution\.js", html)) == 1
    assert len(re.findall(r"<link[^>]+support/support\.css", html)) == 1
    assert len(set(re.findall(r'\sid="([^"]+)"', html))) == len(re.findall(r'\sid="', html))
    # Each form records the campaign and arm, and starts where the arm wants.
    appeal_b = html[html.index(f'id="appeal-{campaign.pk}-b-form"') :]
    appeal_b = appeal_b[: appeal_b.index("</form>")]
    assert f'name="campaign" value="{campaign.pk}"' in appeal_b
    assert 'name="variant" value="b"' in appeal_b
    assert re.search(r'name="frequency" id="[^"]+" value="year" checked', appeal_b)
    monthly = re.findall(r'name="amount_month" id="[^"]+" value="(USD:\d+)"( checked)?', appeal_b)
    assert monthly == [("USD:500", ""), ("USD:2000", " checked")]
    appeal_base = html[html.index(f'id="appeal-{campaign.pk}-base-form"') :]
    appeal_base = appeal_base[: appeal_base.index("</form>")]
    assert re.search(r'name="frequency" id="[^"]+" value="month" checked', appeal_base)


def test_pages_with_the_form_may_send_it_to_the_processor(client, site, settings):
    settings.STRIPE_SECRET_KEY = "sk_test_123"
    settings.STRIPE_CHECKOUT_ORIGIN = "https://checkout.stripe.com"
    factories.campaign(in_banner=False)

    def form_action(url: str) -> str:
        csp = client.get(url)["Content-Security-Policy"]
        return next(part for part in csp.split(";") if "form-action" in part).strip()

    assert form_action(ARTICLE) == "form-action 'self' https://checkout.stripe.com"
    assert client.get(ARTICLE)["X-Cache"] == "hit"
    assert form_action(ARTICLE) == "form-action 'self' https://checkout.stripe.com"
    assert form_action("/en/") == "form-action 'self'"  # no appeal, no form


def test_the_support_page_shows_the_goal_and_no_prompt(client, site):
    factories.goal(amount=1_000_000)
    factories.campaign()
    page = client.get("/en/support/").content.decode()
    assert "$0 of $10,000 raised this month" in page
    assert 'aria-label="Funding goal"' in page
    assert "prompt-slot" not in page
    russian = client.get("/ru/support/").content.decode()
    assert "Собрано 0\xa0$ из 10\xa0000\xa0$ в этом месяце" in russian


def test_a_demo_processor_is_said_to_move_no_money_beside_the_card_choice(client, site, settings):
    settings.STRIPE_SECRET_KEY = "sk_test_123"
    card = 'id="support-method-stripe" value="stripe" checked'
    notice = "Card: a demo processor, no money moves. Pay with the test card 4242 4242 4242 4242."
    page = client.get("/en/support/").content.decode()
    assert card + ">" in page and notice not in page  # a real processor says nothing of it

    # A change of settings comes with a restart, whose `tamizdat serve` purges every page.
    settings.STRIPE_DEMO = True
    purge_every_page()
    page = client.get("/en/support/").content.decode()
    assert f'{card} aria-describedby="support-method-stripe-notice">' in page
    assert f'<p class="hint" id="support-method-stripe-notice">{notice}</p>' in page
    russian = client.get("/ru/support/").content.decode()
    assert "Карта: демонстрационный платёжный сервис, деньги не списываются." in russian


def test_rendered_campaigns_follow_every_change_without_the_page_cache(
    client, site, settings, time_machine
):
    """The banner and the appeal are kept rendered between pages; a page rendered anew (here
    for a signed-in editor, whom the page cache never serves) still shows every change."""
    settings.STRIPE_SECRET_KEY = "sk_test_123"
    settings.STRIPE_CHECKOUT_ORIGIN = "https://checkout.stripe.com"
    time_machine.move_to(datetime.datetime(2026, 3, 14, 16, 5, tzinfo=datetime.UTC), tick=False)
    client.cookies[settings.SESSION_COOKIE_NAME] = ""
    factories.goal(amount=1_000_000)
    campaign = factories.campaign(headline="Enjoying ad-free content?")
    for _ in range(2):  # rendered, then from what was kept
        response = client.get(ARTICLE)
        assert "X-Cache" not in response
        html = response.content.decode()
        assert campaign_ids(html, "banner") == campaign_ids(html, "appeal") == [str(campaign.pk)]
        assert "$0 of $10,000 raised this month" in html
        # The appeal's form may still go on to the processor, and brings its assets once.
        policy = response["Content-Security-Policy"]
        assert "form-action 'self' https://checkout.stripe.com" in policy
        assert len(re.findall(r"<script[^>]+support/contribution\.js", html)) == 1

    campaign.headline = "Reading us every day?"
    campaign.save_revision().publish()
    assert "Reading us every day?" in html_of(client)
    factories.goal(amount=1_200_000)
    assert "$0 of $12,000 raised this month" in html_of(client)
    # A later figure, once the one shown is no longer fresh.
    ledger_rows.gift("giver@example.org", amount=250_000, currency="USD", at=timezone.now())
    time_machine.shift(datetime.timedelta(minutes=6))
    assert "$2,500 of $12,000 raised this month" in html_of(client)
    # A campaign whose end passes leaves the page with no publish in between.
    campaign.ends_at = timezone.now() + datetime.timedelta(minutes=1)
    campaign.save_revision().publish()
    assert campaign_ids(html_of(client), "banner") == [str(campaign.pk)]
    time_machine.shift(datetime.timedelta(minutes=2))
    assert "prompt-slot" not in html_of(client)
