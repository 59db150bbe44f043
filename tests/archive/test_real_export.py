"""The import of what a real WordPress exported (`exported/`, made by WordPress 6.1's own export
code): what an editor finds in the admin's tree and a reader on the pages afterwards."""

import io
from pathlib import Path

import pytest
from django.core.management import call_command

from tamizdat.news.models import ArticlePage, Author
from tests.archive.redirects import assert_redirected

pytestmark = pytest.mark.django_db

EXPORTED = Path(__file__).with_name("exported")


def run_import():
    out = io.StringIO()
    call_command(
        "import",
        "wordpress",
        str(EXPORTED / "harbour.wordpress.xml"),
        "--uploads",
        str(EXPORTED / "uploads"),
        stdout=out,
        stderr=io.StringIO(),
    )
    return out.getvalue()


def test_the_published_posts_are_articles_in_their_sections(site):
    report = run_import()
    assert "Articles: 4 new, 0 updated, 0 unchanged" in report
    sections = {
        article.slug: article.get_parent().title
        for article in ArticlePage.objects.filter(
            slug__in=["harbour-strike", "talks-collapse", "festival", "ferry-timetable"]
        )
    }
    # Culture is the site's own section; a subcategory is a section of its own.
    assert sections == {
        "harbour-strike": "Port news",
        "talks-collapse": "Port news",
        "festival": "Culture",
        "ferry-timetable": "Ferries",
    }
    for line in (
        "page 2 “Sample Page”: not a post (page)",
        "page 3 “Privacy Policy”: not a post (page)",
        "post 13 “Draft: council budget”: not published (draft)",
        "page 14 “About us”: not a post (page)",
    ):
        assert line in report
    assert "Failed" not in report and "Warnings" not in report
    assert run_import().startswith("Articles: 0 new, 0 updated, 4 unchanged")


def test_a_block_editor_story_reads_as_it_did(client, site):
    run_import()
    strike = ArticlePage.objects.get(slug="harbour-strike")
    assert strike.standfirst == "Cranes stood still as dockers held out for a second week."
    assert strike.first_published_at.isoformat() == "2024-03-12T09:30:00+00:00"
    assert strike.last_published_at.isoformat() == "2024-03-14T17:02:41+00:00"
    assert [tag.name for tag in strike.tags.all()] == ["Strikes", "Unions"]
    assert [byline.author.name for byline in strike.article_authors.all()] == ["Marta Kowalska"]
    # The featured image with the caption typed in the media library and the credit the
    # agency wrote into the file, which WordPress read on upload.
    lead = strike.lead_image
    assert (lead.caption, lead.credit) == ("Dockers at the north gate, 5 a.m.", "Anna Lee / AP")
    assert lead.description == "Dockers with banners at a harbour gate"
    assert [block.block_type for block in strike.body] == [
        "paragraph",
        "subheading",
        "quote",
        "photo",
        "external_media",
        "quote",  # the pull quote
        "paragraph",  # the list
        "paragraph",
    ]
    assert strike.body[3].value["image"] == lead  # the resized copy is the original's photo
    assert strike.body[5].value["attribution"] == "The harbour master"

    html = client.get(strike.url).content.decode()
    for seen in (
        "Harbour strike enters its second week",
        "Dockers at the north gate, 5 a.m.",
        "Anna Lee / AP",
        "The north gate at dawn",
        "We stay until the port listens.",
        "Not one ship has left since Monday.",
        "<li>No night shifts without rest days</li>",
        "Marta Kowalska",
        "Port news",
        "Strikes",
    ):
        assert seen in html, seen
    assert "youtube.com/embed" not in html  # the video loads only when the reader asks


def test_a_classic_story_and_a_gallery_keep_their_photos_and_captions(client, site):
    run_import()
    festival = ArticlePage.objects.get(slug="festival")
    assert [block.block_type for block in festival.body] == [
        "paragraph",
        "photo",
        "paragraph",
        "external_media",
        "subheading",
        "paragraph",
    ]
    photo = festival.body[1].value
    assert (photo["caption"], photo["image"].credit) == ("Stalls in the old hall", "Ivan Petrov")
    assert festival.body[3].value["url"] == "https://vimeo.com/76979871"

    ferry = ArticlePage.objects.get(slug="ferry-timetable")
    gallery = [block.value for block in ferry.body if block.block_type == "photo"]
    assert [value["caption"] for value in gallery] == [
        "The quay it leaves from",
        "The market by the landing",
    ]
    assert gallery[1]["image"] == photo["image"]  # one photo, however many posts show it
    html = client.get(ferry.url).content.decode()
    assert 'alt="Market stalls under a vaulted roof"' in html  # the media library's text


def test_every_old_address_leads_to_the_new_page(client, site):
    run_import()
    strike = ArticlePage.objects.get(slug="harbour-strike").url
    ferries = ArticlePage.objects.get(slug="ferry-timetable").get_parent().url
    assert_redirected(
        client,
        (
            ("/2024/03/12/harbour-strike/", strike),
            ("/?p=4", strike),
            ("/2024/03/12/harbour-strike/dockers/", strike),  # the featured image's page
            ("/?attachment_id=5", strike),
            ("/2019/07/19/festival/", "/en/culture/festival/"),
            ("/category/port-news/", "/en/port-news/"),
            ("/category/port-news/ferries/", ferries),
            ("/tag/unions/", "/en/tags/unions/"),
            ("/author/ivan-p/", "/en/authors/ivan-petrov/"),
            ("/2019/07/", "/en/"),
        ),
    )


def test_authors_come_without_the_biography_wordpress_does_not_export(site):
    run_import()
    marta = Author.objects.get(slug="marta-kowalska")
    assert (marta.name, marta.bio) == ("Marta Kowalska", "")
    # The site's administrator wrote only the pages that were left out: no author of theirs.
    assert not Author.objects.filter(name="editor").exists()


def test_the_admin_knows_where_each_photo_and_author_is_used(site):
    from django.db import transaction
    from wagtail.models import ReferenceIndex

    run_import()
    strike = ArticlePage.objects.get(slug="harbour-strike")
    ferry = ArticlePage.objects.get(slug="ferry-timetable")
    users = {
        reference.object_id for reference in ReferenceIndex.get_references_to(strike.lead_image)
    }
    assert users == {str(strike.pk), str(ferry.pk)}
    marta = Author.objects.get(slug="marta-kowalska")
    assert str(strike.pk) in {r.object_id for r in ReferenceIndex.get_references_to(marta)}

    # The entries are those Wagtail itself writes for the article.
    def entries():
        return set(
            ReferenceIndex.objects.filter(object_id=str(strike.pk)).values_list(
                "content_type", "to_content_type", "to_object_id", "model_path", "content_path"
            )
        )

    imported = entries()
    with transaction.atomic():
        ReferenceIndex.create_or_update_for_object(strike)
    assert entries() == imported


def test_a_link_to_a_story_later_in_the_export_leads_to_its_article(client, site):
    run_import()
    strike = ArticlePage.objects.get(slug="harbour-strike")
    talks = ArticlePage.objects.get(slug="talks-collapse")
    # A link to the page itself, which follows it wherever an editor moves it.
    assert f'<a linktype="page" id="{talks.pk}">talks collapsed</a>' in strike.body[0].value.source
    html = client.get(strike.url).content.decode()
    assert f'<a href="{talks.url}">talks collapsed</a>' in html


def test_a_link_to_a_story_of_a_later_run_is_rewritten_when_it_arrives(site, tmp_path):
    text = (EXPORTED / "harbour.wordpress.xml").read_text()
    talks = text.index("<link>https://harbour.example.org/2024/03/05/talks-collapse/</link>")
    start, end = text.rindex("<item>", 0, talks), text.index("</item>", talks) + len("</item>")
    first = tmp_path / "first.wordpress.xml"
    first.write_text(text[:start] + text[end:])
    out = io.StringIO()
    arguments = ["import", "wordpress", str(first), "--uploads", str(EXPORTED / "uploads")]
    call_command(*arguments, stdout=out, stderr=io.StringIO())
    assert (
        "post 4 “Harbour strike enters its second week”: links to "
        "https://harbour.example.org/2024/03/05/talks-collapse/, which no imported post had"
    ) in out.getvalue()
    strike = ArticlePage.objects.get(slug="harbour-strike")
    assert (
        '<a href="https://harbour.example.org/2024/03/05/talks-collapse/">talks collapsed</a>'
        in strike.body[0].value.source
    )

    report = run_import()
    assert "Articles: 1 new, 0 updated, 3 unchanged" in report
    assert "Links to posts imported after them rewritten in 1 articles." in report
    talks = ArticlePage.objects.get(slug="talks-collapse")
    strike.refresh_from_db()
    assert f'<a linktype="page" id="{talks.pk}">' in strike.body[0].value.source
    again = run_import()
    assert again.startswith("Articles: 0 new, 0 updated, 4 unchanged")
    assert "rewritten" not in again and "Warnings" not in again
