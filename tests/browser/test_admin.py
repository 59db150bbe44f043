"""An editor's and a revenue lead's day in the admin, in Chromium under the site's real
Content-Security-Policy: every page these flows visit must log no console error."""

from __future__ import annotations

import datetime
import re

from django.utils import timezone
from playwright.sync_api import Page, expect

from tamizdat.news.models import ArticlePage, Author
from tests import factories
from tests.worker import run_worker


def press(button) -> None:
    """Press a button from the keyboard, as the admin's sticky action bar may cover it."""
    button.focus()
    button.press("Enter")


def choose_in_modal(page: Page, name: str) -> None:
    modal = page.locator(".modal-dialog")
    modal.get_by_role("link", name=name).click()
    expect(modal).to_be_hidden()


def add_block(page: Page, name: str) -> None:
    """Add a block at the end of the body, and wait until it is there. A click on the block
    menu while the menu of the previous insert was still fading out added nothing, once, on a
    busy machine: as an editor would, the test then opens the menu again."""
    blocks = page.locator("[data-contentpath=body] [data-streamfield-child]")
    before = blocks.count()
    for attempt in range(2):
        press(page.locator("[data-contentpath=body]").get_by_title("Insert a block").last)
        # Each insert button has a menu of its own; wait until the last one has faded out.
        option = page.locator("[role=option]:visible", has_text=re.compile(f"^{name}$"))
        expect(option).to_have_count(1)
        option.click()
        try:
            expect(blocks).to_have_count(before + 1, timeout=5_000)
            return
        except AssertionError:
            if attempt:
                raise


def test_editor_writes_previews_and_publishes_an_article_with_every_block(
    admin: Page, live_server, site
) -> None:
    factories.photo("Harbour", credit="AP / TASS")
    factories.photo("Square at night", credit="Reuters")
    section = site.sections["politics"]
    admin.goto(f"{live_server.url}/admin/pages/add/news/articlepage/{section.pk}/")
    admin.fill("#id_title", "Night session ends")
    admin.fill("#id_standfirst", "Deputies left the chamber at dawn.")

    lead = admin.locator("[data-contentpath=lead_image]")
    lead.get_by_role("button", name="Choose an image").click()
    choose_in_modal(admin, "Harbour")
    expect(lead).to_contain_text("Harbour")
    admin.fill("#id_lead_image_alt", "Boats in the harbour at dawn")

    press(admin.get_by_role("button", name="Add byline"))
    press(admin.locator("#id_article_authors-0-author-chooser").get_by_role("button").first)
    choose_in_modal(admin, "Ada Reporter")

    add_block(admin, "Paragraph")
    admin.locator("[data-contentpath=body] [role=textbox]").click()
    admin.keyboard.type("The session lasted eleven hours.")
    # Once the form is valid, Wagtail saves the draft in the background and the new page's
    # form becomes its edit form. Blocks are added after that: under load, a block added
    # while it happened was seen missing.
    admin.wait_for_url(re.compile(r"/admin/pages/\d+/edit/"))
    add_block(admin, "Subheading")
    admin.fill("#body-1-value", "What comes next")
    add_block(admin, "Photo")
    admin.locator("#body-2-value-image-chooser").get_by_role("button").first.click()
    choose_in_modal(admin, "Square at night")
    add_block(admin, "Quote")
    admin.fill("#body-3-value-text", "We will be back.")
    admin.fill("#body-3-value-attribution", "A deputy")
    add_block(admin, "Video or outside post")
    admin.fill("#body-4-value-url", "https://youtu.be/Lm4pQ8zR2Xc")
    admin.fill("#body-4-value-title", "The vote on film")

    tags = admin.locator("[data-contentpath=tags] .tagit-new input")
    for tag in ("elections", "parliament"):
        tags.fill(tag)
        tags.press("Enter")

    admin.get_by_role("button", name="Toggle preview").click()
    preview = admin.frame_locator("#w-preview-iframe")
    # The preview renders after Wagtail's debounced save of the form: slow on a busy machine.
    expect(preview.get_by_role("heading", level=1)).to_have_text(
        "Night session ends", timeout=20_000
    )
    expect(preview.locator(".article__byline")).to_contain_text("Ada Reporter")
    expect(preview.locator("blockquote")).to_contain_text("We will be back.")

    admin.get_by_role("button", name="More actions").click()
    admin.get_by_role("button", name="Publish").click()
    expect(admin.locator(".messages")).to_contain_text("published")

    article = ArticlePage.objects.get(slug="night-session-ends")
    assert article.live
    assert article.lead_image.title == "Harbour"
    assert [author.name for author in article.authors] == ["Ada Reporter"]
    assert sorted(tag.name for tag in article.tags.all()) == ["elections", "parliament"]
    assert [block.block_type for block in article.body] == [
        "paragraph",
        "subheading",
        "photo",
        "quote",
        "external_media",
    ]
    reader = admin.context.new_page()
    reader.goto(f"{live_server.url}/en/politics/night-session-ends/")
    expect(reader.locator(".article__lead-image img")).to_have_attribute(
        "alt", "Boats in the harbour at dawn"
    )
    expect(reader.locator(".article__photo figcaption")).to_contain_text("Reuters")
    reader.close()


def test_a_scheduled_article_goes_live_through_the_worker(
    admin: Page, live_server, site, time_machine, queued
) -> None:
    article = site.sections["politics"].get_children().get(slug="budget-passed").specific
    article.unpublish()
    go_live = timezone.localtime() + datetime.timedelta(minutes=10)
    admin.goto(f"{live_server.url}/admin/pages/{article.pk}/edit/")
    admin.fill("#id_title", "Budget passed after midnight")
    admin.get_by_role("button", name="Toggle status").click()
    admin.get_by_role("button", name="Set schedule").click()
    schedule = admin.get_by_role("dialog")
    schedule.locator("#id_go_live_at").fill(go_live.strftime("%Y-%m-%d %H:%M"))
    # From the keyboard: the date picker's calendar may still cover the button.
    press(schedule.get_by_role("button", name="Save schedule"))
    admin.get_by_role("button", name="More actions").click()
    admin.get_by_role("button", name="Publish").click()
    expect(admin.locator(".messages")).to_contain_text("scheduled")

    reader = admin.context.new_page()
    run_worker()
    assert reader.goto(f"{live_server.url}/en/politics/budget-passed/").status == 404

    time_machine.move_to(go_live + datetime.timedelta(seconds=30))
    run_worker()
    reader.goto(f"{live_server.url}/en/politics/budget-passed/")
    expect(reader.get_by_role("heading", level=1)).to_have_text("Budget passed after midnight")
    reader.close()


def test_a_translation_names_the_translated_author_and_tells_when_its_source_changed(
    admin: Page, live_server, site
) -> None:
    ada = site.authors["ada"]
    ada_ru = ada.copy_for_translation(site.ru)
    ada_ru.name = "Ада Репортёр"
    ada_ru.save()
    Author.objects.create(locale=site.ru, slug="vera", name="Вера Корреспондент")
    article = site.article("politics", "Ports reopen", authors=("ada",))

    admin.goto(f"{live_server.url}/admin/pages/{article.pk}/edit/")
    header_actions = admin.get_by_role("navigation", name="Actions", exact=True)
    header_actions.get_by_role("button", name="Actions").click()
    header_actions.get_by_role("link", name="Translate").click()
    admin.get_by_label("Русский").check()
    admin.get_by_role("button", name="Submit").click()
    expect(admin.locator(".messages")).to_contain_text("created")
    translation = article.get_translation(site.ru).specific

    # The copy's byline already reads in Russian on the reading page.
    translation.title = "Порты открываются"
    translation.save_revision().publish()
    reader = admin.context.new_page()
    reader.goto(f"{live_server.url}/ru/politics/ports-reopen/")
    expect(reader.locator(".article__byline")).to_contain_text("Ада Репортёр")

    # The translator switches the byline in the chooser.
    admin.goto(f"{live_server.url}/admin/pages/{translation.pk}/edit/")
    expect(admin.locator(".help-warning")).to_have_count(0)  # up to date so far
    chooser = admin.locator("#id_article_authors-0-author-chooser")
    chooser.get_by_role("button", name="Actions").click()
    chooser.get_by_role("button", name="Choose another author").click()
    choose_in_modal(admin, "Вера Корреспондент")
    admin.get_by_role("button", name="More actions").click()
    admin.get_by_role("button", name="Publish").click()
    expect(admin.locator(".messages")).to_contain_text("published")
    reader.reload()  # the browser may keep a reading page for a minute
    expect(reader.locator(".article__byline")).to_contain_text("Вера Корреспондент")

    # The original changes afterwards: the translation's editor is told.
    article.title = "Ports reopen after a week"
    article.save_revision().publish()
    admin.goto(f"{live_server.url}/admin/pages/{translation.pk}/edit/")
    expect(admin.locator(".help-warning")).to_contain_text("after this translation was last edited")
    reader.close()


def test_a_revenue_lead_adds_a_campaign_variant(admin: Page, live_server, site) -> None:
    from tamizdat.prompts.models import Campaign
    from tests.prompts import factories as campaign_factories

    campaign = campaign_factories.campaign(headline="Enjoying ad-free content?")
    admin.goto(f"{live_server.url}/admin/snippets/prompts/campaign/edit/{campaign.pk}/")
    press(admin.get_by_role("button", name="Add variant"))
    admin.fill("#id_variants-0-key", "short")
    admin.fill("#id_variants-0-headline", "Read us every day?")
    admin.get_by_role("button", name="More actions").click()
    admin.get_by_role("button", name="Publish").click()
    expect(admin.locator(".messages")).to_contain_text("published")

    variant = Campaign.objects.get(pk=campaign.pk).variants.get()
    assert (variant.key, variant.headline) == ("short", "Read us every day?")
    reader = admin.context.new_page()
    reader.goto(f"{live_server.url}/en/politics/parliament-dissolved/")
    assert "Read us every day?" in reader.content()
    reader.close()


# Words that are the same in a Russian admin: names, a language's own name, the staff member's
# login and a placeholder of campaign copy.
NOT_ENGLISH = {"Wagtail", "Tamizdat", "English", "editor", "goal"}
RUSSIAN_ADMIN_PAGES = [
    "/admin/",
    "/admin/pages/{article}/edit/",
    "/admin/pages/add/news/articlepage/{section}/",
    "/admin/snippets/news/author/",
    "/admin/snippets/news/author/add/",
    "/admin/images/",
    "/admin/snippets/prompts/campaign/",
    "/admin/snippets/prompts/campaign/add/",
    "/admin/snippets/prompts/exchangerate/",
    "/admin/snippets/prompts/exchangerate/add/",
    "/admin/settings/prompts/fundinggoal/",
    "/admin/snippets/support/amountset/",
    "/admin/snippets/support/supporter/",
    "/admin/snippets/support/supporter/inspect/{supporter}/",
    "/admin/snippets/support/contribution/",
    "/admin/snippets/support/recurringplan/",
    "/admin/snippets/support/payment/",
    "/admin/support/transfers/",
]


def test_the_russian_admin_speaks_russian_with_its_plurals(
    admin: Page, live_server, newsroom, editor
) -> None:
    from wagtail.users.models import UserProfile

    from tests.prompts import factories as campaign_factories

    profile = UserProfile.get_for_user(editor)
    profile.preferred_language = "ru"
    profile.save()
    section = newsroom.section("politics", "Политика", "Политика")
    newsroom.author("vera", "Вера Корреспондент")
    article = newsroom.article(
        "politics",
        "Elections",
        authors=("vera",),
        image=factories.photo("Площадь"),
        body=[("paragraph", "<p>Текст статьи.</p>"), ("quote", {"text": "Цитата"})],
    )
    article.title = "Выборы назначены"
    article.save_revision().publish()
    campaign_factories.campaign(name="Декабрьский сбор", headline="Нравится читать без рекламы?")
    factories.gift("donor@example.org", amount=2500, currency="EUR")
    factories.plan("monthly@example.org", amount=500, currency="EUR")
    supporter = factories.contribution(
        factories.supporter("transfer@example.org", language="ru"), provider="bank"
    ).supporter
    for address in RUSSIAN_ADMIN_PAGES:
        admin.goto(
            live_server.url
            + address.format(article=article.pk, section=section.pk, supporter=supporter.pk)
        )
        # Addresses are the donors' own; "e-mail" is how Russian writes it.
        text = re.sub(r"(?i)\S+@\S+|\be-mail\b", "", admin.locator("body").inner_text())
        # Words with a lower-case letter: codes such as "USD" or a reference are not English.
        words = re.findall(r"\b[A-Za-z][A-Za-z']{2,}\b", text)
        english = {word for word in words if not word.isupper()} - NOT_ENGLISH
        assert not english, (address, sorted(english))
        # A Russian name with an English plural ending: "Сторонникs".
        assert not re.findall(r"[А-Яа-яЁё]+s\b", text), address


def test_the_campaign_editor_previews_the_banner_and_appeal_of_every_variant(
    admin: Page, live_server, site
) -> None:
    from tests.prompts import factories as campaign_factories

    campaign = campaign_factories.campaign(
        "ru",
        headline="Нравится читать без рекламы?",
        variants=({"key": "short", "headline": "Читаете нас каждый день?"},),
    )
    admin.goto(f"{live_server.url}/admin/snippets/prompts/campaign/edit/{campaign.pk}/")
    admin.fill("#id_headline", "Без рекламы с 2022 года")
    admin.get_by_role("button", name="Toggle preview").click()
    preview = admin.frame_locator("#w-preview-iframe")
    expect(preview.locator(".prompt-banner__headline").first).to_have_text(
        "Без рекламы с 2022 года"
    )
    expect(preview.locator(".prompt-banner__headline").nth(1)).to_have_text(
        "Читаете нас каждый день?"
    )
    expect(preview.locator(".appeal__later").first).to_contain_text("Не готовы поддержать")
