"""Every kind of reading page is valid HTML, checked by the Nu Html Checker (vnu.jar)."""

from pathlib import Path

import pytest

from tests.html_checker import html_problems, needs_java

pytestmark = [pytest.mark.django_db, pytest.mark.engine_neutral]

PAGES = {
    "home": "/en/",
    "home-ru": "/ru/",
    "section": "/en/politics/",
    "article": "/en/politics/parliament-dissolved/",
    "article-ru": "/ru/politics/parliament-dissolved/",
    "tag": "/en/tags/elections/",
    "author": "/en/authors/ada/",
    "search": "/en/search/?q=budget",
    "not-found": "/en/missing/",
}


@needs_java
def test_reading_pages_are_valid_html(client, site, tmp_path: Path):
    site.article(
        "culture",
        "Everything in one story",
        body=[
            (
                "paragraph",
                "<p><b>Bold</b>, <i>italic</i>, <a href='https://example.org'>a link</a></p>",
            ),
            ("subheading", "A subheading"),
            ("quote", {"text": "A quotation.", "attribution": "Someone"}),
            ("external_media", {"url": "https://video.example.org/watch?v=1", "title": "A video"}),
        ],
    )
    pages = {**PAGES, "rich-article": "/en/culture/everything-in-one-story/"}
    problems = html_problems(client, pages, tmp_path, not_found={"not-found"})
    assert problems == [], "\n".join(problems)
