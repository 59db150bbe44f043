"""Bringing a WordPress archive in: a WordPress 6 export (block editor and classic posts, a
Polylang translation, attachments, a draft, a page, a menu item) becomes articles, sections,
tags, authors, photos and redirects from every old address; a second run doubles nothing."""

import io
import re
import shutil
from http import HTTPStatus
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import connection
from django_tasks_db.models import DBTaskResult
from PIL import Image
from wagtail.contrib.redirects.models import Redirect

from tamizdat.archive.models import ImportedItem
from tamizdat.mirror.targets import Target
from tamizdat.mirror.tasks import FULL_KEY, make_copies
from tamizdat.news.models import ArticlePage, Author, SectionPage
from tests.archive.redirects import assert_redirected
from tests.query_plans import plan, reads_of

pytestmark = pytest.mark.django_db

EXPORT = Path(__file__).with_name("newsroom.wordpress.xml")


@pytest.fixture
def uploads(tmp_path):
    """The old site's wp-content/uploads, with two of the three images its posts show."""
    folder = tmp_path / "uploads"
    for name in ("2024/03/dockers.jpg", "2019/07/market.jpg"):
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        Image.new("RGB", (1200, 800), (30, 60, 90)).save(folder / name)
    return folder


def run_import(path=EXPORT, uploads=None):
    out = io.StringIO()
    arguments = ["import", "wordpress", str(path)]
    if uploads:
        arguments += ["--uploads", str(uploads)]
    call_command(*arguments, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_posts_become_articles_with_their_sections_tags_authors_and_dates(site, uploads):
    report = run_import(uploads=uploads)
    assert "Articles: 4 new, 0 updated, 0 unchanged" in report
    strike = ArticlePage.objects.get(slug="harbour-strike")
    assert strike.title == "Harbour strike enters its second week"
    assert strike.standfirst == "Cranes stood still as dockers held out for a second week."
    assert strike.live and strike.locale.language_code == "en"
    assert strike.get_parent().title == "Port news"
    assert strike.get_parent().specific.intro == "What happens at the docks."
    assert strike.first_published_at.isoformat() == "2024-03-12T08:30:00+00:00"
    assert strike.last_published_at.isoformat() == "2024-03-14T17:02:41+00:00"
    assert [tag.name for tag in strike.tags.all()] == ["Strikes"]
    assert [byline.author.name for byline in strike.article_authors.all()] == ["Marta Kowalska"]
    assert strike.lead_image.caption == "Dockers at the north gate, 5 a.m."
    assert strike.lead_image.description == "Dockers with banners at a harbour gate"
    kinds = [block.block_type for block in strike.body]
    assert kinds == ["paragraph", "subheading", "quote", "photo", "external_media", "paragraph"]
    first = strike.body[0].value.source
    assert "<b>dockers</b>" in first
    assert 'href="https://courier.example.org/2024/03/05/talks/"' in first
    assert "onclick" not in first
    assert strike.body[2].value["attribution"] == "Union steward"
    # The resized copy in the post is the attachment's own photo, brought in once.
    assert strike.body[3].value["image"] == strike.lead_image
    assert strike.body[3].value["caption"] == "The north gate at dawn"
    assert strike.body[4].value["url"] == "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
    assert "tracker" not in str(strike.body.raw_data)

    # A culture story joins the section the site already has.
    festival = ArticlePage.objects.get(slug="festival")
    assert festival.get_parent().pk == site.sections["culture"].pk
    assert [block.block_type for block in festival.body] == [
        "paragraph",
        "photo",
        "paragraph",
        "external_media",
        "subheading",
        "paragraph",
    ]
    assert festival.body[1].value["caption"] == "Stalls in the old hall"
    assert festival.body[2].value.source == "<p>Bands play <i>every night</i> until Sunday.</p>"
    assert festival.standfirst == "The festival is back after three years."
    assert Author.objects.get(slug="ivan-petrov").name == "Ivan Petrov"


def test_a_polylang_translation_is_the_articles_translation(site, uploads):
    run_import(uploads=uploads)
    strike = ArticlePage.objects.get(slug="harbour-strike")
    russian = ArticlePage.objects.get(slug="zabastovka")
    assert russian.locale.language_code == "ru"
    assert russian.translation_key == strike.translation_key
    assert russian.get_parent().get_parent().locale.language_code == "ru"


def test_a_wpml_translation_is_the_articles_translation_too(site, uploads, tmp_path):
    def wpml(language):
        return (
            f"<wp:postmeta><wp:meta_key>_wpml_import_language_code</wp:meta_key>"
            f"<wp:meta_value>{language}</wp:meta_value></wp:postmeta>"
            "<wp:postmeta><wp:meta_key>_wpml_import_translation_group</wp:meta_key>"
            "<wp:meta_value>77</wp:meta_value></wp:postmeta>"
        )

    text = EXPORT.read_text()
    text = text.replace(
        '<category domain="language" nicename="en"><![CDATA[English]]></category>', ""
    )
    text = text.replace(
        '<category domain="language" nicename="ru"><![CDATA[Русский]]></category>', ""
    )
    text = text.replace(
        '<category domain="post_translations" nicename="pll_65f02a1b3c4d5">'
        "<![CDATA[pll_65f02a1b3c4d5]]></category>",
        "",
    )
    text = text.replace("<wp:post_id>11</wp:post_id>", "<wp:post_id>11</wp:post_id>" + wpml("en"))
    text = text.replace("<wp:post_id>12</wp:post_id>", "<wp:post_id>12</wp:post_id>" + wpml("ru"))
    export = tmp_path / "wpml.xml"
    export.write_text(text)
    run_import(export, uploads)
    russian = ArticlePage.objects.get(slug="zabastovka")
    assert russian.locale.language_code == "ru"
    assert russian.translation_key == ArticlePage.objects.get(slug="harbour-strike").translation_key


def test_every_old_address_is_a_permanent_redirect(client, site, uploads):
    run_import(uploads=uploads)
    article = "/en/port-news/harbour-strike/"
    for old in (
        "/2024/03/12/harbour-strike/",
        "/2024/03/12/harbour-strike",
        "/?p=11",
        "/2024/03/12/harbour-strike/dockers-on-the-quay/",
    ):
        response = client.get(old)
        assert response.status_code == HTTPStatus.MOVED_PERMANENTLY, old
        assert response["Location"] == article, old
    assert client.get(article).status_code == HTTPStatus.OK
    assert client.get("/?p=999").status_code == HTTPStatus.FOUND  # the front page, as before


def test_what_is_left_out_is_reported_with_the_reason(site, uploads):
    report = run_import(uploads=uploads)
    assert "post 14 “Draft: council budget”: not published (draft)" in report
    assert "page 15 “About us”: not a post (page)" in report
    assert "nav_menu_item 16 “Home”: not a post (nav_menu_item)" in report
    assert "image not found: https://courier.example.org/wp-content/uploads/2024/02/lost.jpg" in (
        report
    )
    ferry = ArticlePage.objects.get(slug="ferry")
    assert [block.block_type for block in ferry.body] == ["paragraph"]
    assert not ferry.article_authors.exists()
    assert "post 17 “Ferry timetable changes”: author someone-deleted is not in the export" in (
        report
    )


def festival_retitled_in_wordpress(tmp_path: Path) -> Path:
    edited = tmp_path / "edited.xml"
    edited.write_text(
        EXPORT.read_text().replace(
            "Festival returns to the old fish market", "Festival returns to the fish market"
        )
    )
    return edited


def test_a_second_run_doubles_nothing_and_updates_what_changed(site, uploads, tmp_path):
    run_import(uploads=uploads)
    counts = (
        ArticlePage.objects.count(),
        SectionPage.objects.count(),
        Author.objects.count(),
        Redirect.objects.count(),
        ImportedItem.objects.count(),
    )
    report = run_import(uploads=uploads)
    assert "Articles: 0 new, 0 updated, 4 unchanged" in report
    assert counts == (
        ArticlePage.objects.count(),
        SectionPage.objects.count(),
        Author.objects.count(),
        Redirect.objects.count(),
        ImportedItem.objects.count(),
    )

    edited = festival_retitled_in_wordpress(tmp_path)
    report = run_import(edited, uploads)
    assert "Articles: 0 new, 1 updated, 3 unchanged" in report
    assert ArticlePage.objects.get(slug="festival").title == "Festival returns to the fish market"
    assert ArticlePage.objects.count() == counts[0]


def test_a_story_edited_here_keeps_the_edit_when_its_post_changes_in_wordpress(
    site, uploads, tmp_path, django_user_model
):
    run_import(uploads=uploads)
    festival = ArticlePage.objects.get(slug="festival")
    editor = django_user_model.objects.create_superuser("editor")
    festival.title = "Festival returns, as corrected by the desk"
    festival.save_revision(user=editor).publish()

    edited = festival_retitled_in_wordpress(tmp_path)
    report = run_import(edited, uploads)
    assert "Articles: 0 new, 0 updated, 3 unchanged" in report
    assert "edited here since it was imported; kept as edited here" in report
    festival.refresh_from_db()
    assert festival.title == "Festival returns, as corrected by the desk"
    assert not festival.has_unpublished_changes


def test_a_run_that_changed_articles_asks_for_whole_static_copies(site, uploads, settings, queued):
    settings.MIRROR_TARGETS = [
        Target(
            name="bucket",
            endpoint="http://127.0.0.1:9",
            bucket="news",
            access_key="t",
            secret_key="t",
        )
    ]
    run_import(uploads=uploads)
    # Updated articles keep their revision, by which a copy finds what changed.
    assert DBTaskResult.objects.filter(task_path=make_copies.module_path).count() == 1
    assert cache.get(FULL_KEY)


def test_an_export_cut_short_imports_what_came_before_and_says_where(site, uploads, tmp_path):
    text = EXPORT.read_text()
    cut = tmp_path / "cut.xml"
    cut.write_text(text[: text.index("<title><![CDATA[Festival")])
    with pytest.raises(CommandError, match="not valid XML at line"):
        run_import(cut, uploads)
    assert ArticlePage.objects.filter(slug="harbour-strike").exists()
    assert not ArticlePage.objects.filter(slug="festival").exists()
    # Run again with the whole file: it goes on where it stopped.
    shutil.copy(EXPORT, cut)
    assert "Articles: 2 new, 0 updated, 2 unchanged" in run_import(cut, uploads)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's query plans")
def test_an_import_reads_no_query_over_the_whole_page_table(site, uploads):
    """Where a post goes in its section (is its slug taken, what is the last child's place in
    the tree) is looked up in indexes: a LIKE over the section's tree paths read every page,
    and made an import into a 100,000-story archive five times slower."""
    with reads_of("wagtailcore_page") as statements:
        run_import(uploads=uploads)
    assert statements
    for sql, params in statements:
        assert "SCAN wagtailcore_page" not in plan(sql, params), sql


def test_imported_stories_are_searchable_at_once_with_no_tasks_left_per_story(
    client, site, uploads, queued
):
    from django_tasks_db.models import DBTaskResult

    run_import(uploads=uploads)
    tasks = list(DBTaskResult.objects.values_list("task_path", "args_kwargs"))
    # Only the new section's own publish queues its tasks; no story, photo or author does.
    strike = ArticlePage.objects.get(slug="harbour-strike")
    assert not [args for _, args in tasks if str(strike.pk) in str(args)]
    assert len(tasks) <= 8
    html = client.get("/en/search/", {"q": "cranes"}).content.decode()
    assert "Harbour strike enters its second week" in html


def test_a_run_stopped_before_the_indexing_leaves_it_to_the_next(
    client, site, uploads, monkeypatch
):
    from tamizdat.archive import wordpress

    def search(word):
        return client.get("/en/search/", {"q": word}).content.decode()

    monkeypatch.setattr(wordpress, "index_imported", lambda source: None)
    run_import(uploads=uploads)
    assert "Harbour strike enters its second week" not in search("cranes")
    monkeypatch.undo()
    assert "Articles: 0 new, 0 updated, 4 unchanged" in run_import(uploads=uploads)
    assert "Harbour strike enters its second week" in search("cranes")


def test_a_photo_keeps_the_credit_wordpress_read_from_its_file(site, uploads):
    run_import(uploads=uploads)
    strike = ArticlePage.objects.get(slug="harbour-strike")
    assert strike.lead_image.credit == "Анна Ли / AP"


def test_translated_categories_are_sections_translated_into_each_other(site, uploads, tmp_path):
    run_import(uploads=uploads)
    port = ArticlePage.objects.get(slug="harbour-strike").get_parent()
    port_ru = ArticlePage.objects.get(slug="zabastovka").get_parent()
    assert (port_ru.title, port_ru.locale.language_code) == ("Новости порта", "ru")
    assert port_ru.translation_key == port.translation_key


def test_a_category_translating_a_section_of_the_site_joins_its_translation(
    site, uploads, tmp_path
):
    export = tmp_path / "kultura.xml"
    export.write_text(
        EXPORT.read_text().replace(
            '<category domain="category" nicename="port-news-ru">'
            "<![CDATA[Новости порта]]></category>",
            '<category domain="category" nicename="kultura"><![CDATA[Культура]]></category>',
        )
    )
    run_import(export, uploads)
    culture_ru = ArticlePage.objects.get(slug="zabastovka").get_parent()
    assert culture_ru.locale.language_code == "ru"
    assert culture_ru.pk == site.sections["culture"].get_translation(culture_ru.locale).pk


def test_old_archive_pages_are_redirected_to_the_new_ones(client, site, uploads):
    run_import(uploads=uploads)
    port = ArticlePage.objects.get(slug="harbour-strike").get_parent()
    port_ru = ArticlePage.objects.get(slug="zabastovka").get_parent()
    assert_redirected(
        client,
        (
            ("/category/port-news/", port.url),
            ("/category/port-news-ru/", port_ru.url),
            ("/category/culture/", site.sections["culture"].url),
            ("/tag/strikes/", "/en/tags/strikes/"),
            ("/author/marta/", "/en/authors/marta-kowalska/"),
            ("/author/ivan-p/", "/en/authors/ivan-petrov/"),
            ("/2024/03/12/", "/en/"),
            ("/2024/03/", "/en/"),
            ("/2019/", "/en/"),
        ),
    )


def test_a_post_whose_category_changed_moves_to_its_new_section(client, site, uploads, tmp_path):
    run_import(uploads=uploads)
    strike = ArticlePage.objects.get(slug="harbour-strike")
    before = strike.url
    recategorised = tmp_path / "recategorised.xml"
    recategorised.write_text(
        EXPORT.read_text().replace(
            '<category domain="category" nicename="port-news"><![CDATA[Port news]]></category>',
            '<category domain="category" nicename="culture"><![CDATA[Culture]]></category>',
            1,
        )
    )
    assert "Articles: 0 new, 1 updated, 3 unchanged" in run_import(recategorised, uploads)
    strike = ArticlePage.objects.get(slug="harbour-strike")
    assert strike.get_parent().pk == site.sections["culture"].pk
    assert strike.url == "/en/culture/harbour-strike/"
    assert ArticlePage.objects.filter(slug="harbour-strike").count() == 1
    # The old site's addresses and the article's first address here all lead to it.
    for old in ("/2024/03/12/harbour-strike/", "/?p=11", before):
        response = client.get(old)
        assert response.status_code == HTTPStatus.MOVED_PERMANENTLY, old
        assert response["Location"] == strike.url, old
    assert client.get(strike.url).status_code == HTTPStatus.OK
    # Run again: it stays there.
    assert "0 updated, 4 unchanged" in run_import(recategorised, uploads)


def test_a_moved_post_whose_slug_its_new_section_has_takes_its_own(site, uploads, tmp_path):
    text = EXPORT.read_text().replace(
        "<wp:post_name><![CDATA[ferry]]></wp:post_name>",
        "<wp:post_name><![CDATA[festival]]></wp:post_name>",
    )
    first = tmp_path / "first.xml"
    first.write_text(text)
    run_import(first, uploads)
    moved = tmp_path / "moved.xml"
    ferry = text.index("<wp:post_id>17</wp:post_id>")
    moved.write_text(
        text[:ferry]
        + text[ferry:].replace(
            '<category domain="category" nicename="port-news"><![CDATA[Port news]]></category>',
            '<category domain="category" nicename="culture"><![CDATA[Culture]]></category>',
            1,
        )
    )
    assert "1 updated" in run_import(moved, uploads)
    culture = site.sections["culture"]
    assert sorted(
        ArticlePage.objects.child_of(culture)
        .filter(slug__startswith="festival")
        .values_list("slug", "title")
    ) == [
        ("festival", "Festival returns to the old fish market"),
        ("festival-17", "Ferry timetable changes"),
    ]


LINKS = (
    '<p>See <a href="https://courier.example.org/?p=13">the festival</a> '
    '(<a href="http://www.courier.example.org/2019/07/02/fish-festival/?utm_source=x">its first '
    'address</a>), <a href="/category/culture/">culture</a>, '
    '<a href="https://courier.example.org/wp-content/uploads/2019/07/market-300x200.jpg">the '
    'hall</a>, <a href="https://courier.example.org/wp-content/uploads/2024/03/report.pdf">the '
    'report</a>, <a href="https://courier.example.org/about/">us</a> and '
    '<a href="https://courier.example.org/wp-content/uploads/2024/03/gone.pdf">a lost file</a>.'
    "</p>\n\n"
)
OLD_SLUG = (
    "<wp:postmeta><wp:meta_key>_wp_old_slug</wp:meta_key>"
    "<wp:meta_value>fish-festival</wp:meta_value></wp:postmeta>"
    "<wp:postmeta><wp:meta_key>_wp_old_slug</wp:meta_key>"
    "<wp:meta_value>fish-fest</wp:meta_value></wp:postmeta>"
)


def test_links_to_the_old_site_lead_to_what_replaced_it(client, site, uploads, tmp_path):
    from wagtail.documents.models import Document

    (uploads / "2024/03/report.pdf").write_bytes(b"%PDF-1.4\n% the annual report\n")
    export = tmp_path / "links.xml"
    export.write_text(
        EXPORT.read_text()
        .replace("<!-- wp:list -->", LINKS + "<!-- wp:list -->", 1)
        .replace("<wp:post_id>13</wp:post_id>", "<wp:post_id>13</wp:post_id>" + OLD_SLUG)
    )
    report = run_import(export, uploads)
    strike = ArticlePage.objects.get(slug="harbour-strike")
    festival = ArticlePage.objects.get(slug="festival")
    report_pdf = Document.objects.get()
    links = strike.body[-2].value.source
    # The post imported after this one: by its id, and at its former slug's address with a
    # tracking parameter; a category's archive; files of the uploads folder.
    assert links.count(f'<a linktype="page" id="{festival.pk}">') == 2
    assert f'<a linktype="page" id="{site.sections["culture"].pk}">culture</a>' in links
    market = festival.body[1].value["image"]
    assert f'<a href="{market.file.url}">the hall</a>' in links
    assert f'<a href="{report_pdf.url}">the report</a>' in links
    assert '<a href="https://courier.example.org/about/">us</a>' in links
    for line in (
        "post 11 “Harbour strike enters its second week”: links to "
        "https://courier.example.org/about/, which no imported post had",
        "post 11 “Harbour strike enters its second week”: linked file not found: "
        "https://courier.example.org/wp-content/uploads/2024/03/gone.pdf",
    ):
        assert line in report

    html = client.get(strike.url).content.decode()
    assert f'<a href="{festival.url}">the festival</a>' in html
    assert client.get(report_pdf.url).status_code == HTTPStatus.OK
    # Each of the post's former slugs.
    assert_redirected(
        client,
        [("/2019/07/02/fish-festival/", festival.url), ("/2019/07/02/fish-fest/", festival.url)],
    )

    # Run again: the links still unknown are looked at, and nothing changes.
    before = list(strike.body.raw_data)
    assert "0 new, 0 updated, 4 unchanged" in run_import(export, uploads)
    strike.refresh_from_db()
    assert list(strike.body.raw_data) == before
    assert Document.objects.count() == 1


def test_a_gallery_shortcode_shows_the_photos_it_names_and_reports_the_rest(
    client, site, uploads, tmp_path
):
    text = EXPORT.read_text()
    first = text.index("<item>")
    attachment = text[first : text.index("</item>", first) + len("</item>")]
    night = (
        attachment.replace("<wp:post_id>10</wp:post_id>", "<wp:post_id>42</wp:post_id>")
        .replace("dockers-on-the-quay", "night-market")
        .replace("2024/03/dockers.jpg", "2019/07/night.jpg")
    )
    export = tmp_path / "gallery.xml"
    export.write_text(
        text.replace(attachment, attachment + night)
        .replace('[gallery ids="41,42"]', "[gallery ids='10, 41,42' columns=\"2\"]")
        # A gallery without ids: the images attached to the post (the dockers' photo).
        .replace("<!-- wp:list -->", "[gallery size=medium]\n\n<!-- wp:list -->", 1)
    )
    report = run_import(export, uploads)
    festival = ArticlePage.objects.get(slug="festival")
    strike = ArticlePage.objects.get(slug="harbour-strike")
    kinds = [block.block_type for block in festival.body]
    assert kinds == [
        "paragraph",
        "photo",
        "paragraph",
        "external_media",
        "photo",  # the gallery's one photo found
        "subheading",
        "paragraph",
    ]
    assert festival.body[4].value["image"] == strike.lead_image
    assert [block.value["image"] for block in strike.body if block.block_type == "photo"] == [
        strike.lead_image,
        strike.lead_image,
    ]
    label = "post 13 “Festival returns to the old fish market”: image not found:"
    for line in (
        f"{label} gallery item 41, not in the export",
        f"{label} gallery item 42 (https://courier.example.org/wp-content/uploads/2019/07/night.jpg)",
    ):
        assert line in report
    html = client.get(festival.url).content.decode()
    assert "Dockers at the north gate, 5 a.m." in html  # the photo's own caption
    assert "[gallery" not in html


def test_a_link_rewritten_later_keeps_an_editors_draft_and_survives_its_publish(
    site, uploads, tmp_path, django_user_model
):
    """The post a story links to arrives in a second run, after an editor saved a draft of
    the story: the rewrite is published, and the editor's draft keeps their edit and gets
    the new link, so that publishing it keeps both."""
    from wagtail.models import PageLogEntry

    whole = EXPORT.read_text().replace("<!-- wp:list -->", LINKS + "<!-- wp:list -->", 1)
    festival_item = re.search(
        r"<item>(?:(?!</item>).)*<wp:post_id>13</wp:post_id>.*?</item>", whole, re.S
    )
    first = tmp_path / "first.xml"
    first.write_text(whole.replace(festival_item[0], ""))
    second = tmp_path / "second.xml"
    second.write_text(whole)
    run_import(first, uploads)
    strike = ArticlePage.objects.get(slug="harbour-strike")
    assert "?p=13" in strike.body[-2].value.source

    editor = django_user_model.objects.create_superuser("editor")
    draft = strike.get_latest_revision_as_object()
    draft.standfirst = "Edited by the desk."
    draft.save_revision(user=editor)

    run_import(second, uploads)
    festival = ArticlePage.objects.get(slug="festival")
    new_link = f'<a linktype="page" id="{festival.pk}">'
    strike.refresh_from_db()
    # Readers see the new link at once, with the story's date of last change unchanged.
    assert new_link in strike.body[-2].value.source
    assert strike.standfirst != "Edited by the desk."
    assert strike.has_unpublished_changes
    # The editor's draft is still what the editor sees, their edit and the new link in it.
    draft = strike.get_latest_revision_as_object()
    assert draft.standfirst == "Edited by the desk."
    assert new_link in draft.body[-2].value.source
    assert PageLogEntry.objects.filter(page=strike, action="wagtail.publish", user=None).exists()

    # Run again: nothing changed, no new revision.
    revisions = strike.revisions.count()
    assert "0 new, 0 updated" in run_import(second, uploads)
    assert strike.revisions.count() == revisions

    # The editor publishes their draft: the link stays.
    strike.get_latest_revision().publish(user=editor)
    strike.refresh_from_db()
    assert strike.standfirst == "Edited by the desk."
    assert new_link in strike.body[-2].value.source
    assert not strike.has_unpublished_changes
