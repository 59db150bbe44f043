"""The demo newsroom: sections, authors, photos and articles in English with Russian translations.

Its text lives in `demo_data/*.json`; its pictures are drawn by `demo_images`. Loading is
idempotent: a database that already has a home page is left as it is.
"""

from __future__ import annotations

import io
import json
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.files.images import ImageFile
from django.db import transaction
from django.utils import timezone
from wagtail.models import Locale, Page, Site

from tamizdat.prompts import demo as campaigns_demo
from tamizdat.support import demo as support_demo

from . import demo_images
from .models import ArticleAuthor, ArticlePage, Author, HomePage, Photo, SectionPage

DATA_DIR = Path(__file__).parent / "demo_data"
SECTIONS = ("politics", "economy", "society", "culture", "science")


def _read(name: str) -> Any:
    return json.loads((DATA_DIR / name).read_text(encoding="utf-8"))


def _body(blocks: list[dict[str, str]]) -> list[tuple[str, Any]]:
    converted: list[tuple[str, Any]] = []
    for block in blocks:
        kind = block["type"]
        if kind == "paragraph":
            converted.append(("paragraph", f"<p>{block['text']}</p>"))
        elif kind == "subheading":
            converted.append(("subheading", block["text"]))
        elif kind == "quote":
            converted.append(
                ("quote", {"text": block["text"], "attribution": block.get("attribution", "")})
            )
        elif kind == "embed":
            converted.append(("external_media", {"url": block["url"], "title": block["title"]}))
        else:
            raise ValueError(f"Unknown demo body block {kind!r}")
    return converted


def _photo(slug: str, image: dict[str, Any], language: str) -> Photo:
    data = demo_images.draw(image["motif"], image["hue"], seed=slug)
    photo = Photo(
        title=f"{slug} ({language})",
        file=ImageFile(io.BytesIO(data), name=f"{slug}-{language}.jpg"),
        credit=image["credit"],
        caption=image["caption"][language],
        description=image["alt"][language],
    )
    photo.save()
    return photo


def _publish(page: Page, published_at: Any) -> None:
    # Wagtail keeps an existing first_published_at, so the story keeps its original date.
    page.first_published_at = published_at
    page.save_revision().publish()


def _configure_site(home: HomePage) -> None:
    base = urlsplit(settings.BASE_URL)
    site = Site.objects.filter(is_default_site=True).first() or Site(is_default_site=True)
    site.hostname = base.hostname or "localhost"
    site.port = base.port or (443 if base.scheme == "https" else 80)
    site.root_page = home
    site.site_name = home.title
    site.save()


def is_loaded() -> bool:
    return HomePage.objects.exists()


@transaction.atomic
def load() -> dict[str, int]:
    """Create the demo newsroom; return how many of each thing were made."""
    newsroom = _read("newsroom.json")
    english = Locale.objects.get_or_create(language_code="en")[0]
    russian = Locale.objects.get_or_create(language_code="ru")[0]
    now = timezone.now()

    root = Page.get_first_root_node()
    # Wagtail's initial "Welcome" page gives way to the newsroom's home page.
    for page in root.get_children().exclude(content_type__model="homepage"):
        page.delete()
    home = root.add_child(
        instance=HomePage(
            title=newsroom["name"]["en"],
            slug="home",
            locale=english,
            tagline=newsroom["tagline"]["en"],
            notice=f"<p>{newsroom['notice']['en']}</p>",
        )
    )
    _publish(home, now - timedelta(days=400))
    _configure_site(home)
    home_ru = home.copy_for_translation(russian)
    home_ru.title = newsroom["name"]["ru"]
    home_ru.tagline = newsroom["tagline"]["ru"]
    home_ru.notice = f"<p>{newsroom['notice']['ru']}</p>"
    _publish(home_ru, now - timedelta(days=400))

    sections: dict[tuple[str, str], SectionPage] = {}
    for entry in newsroom["sections"]:
        section = home.add_child(
            instance=SectionPage(
                title=entry["title"]["en"],
                slug=entry["slug"],
                intro=entry["intro"]["en"],
                show_in_menus=True,
                locale=english,
            )
        )
        _publish(section, now - timedelta(days=400))
        translated = section.copy_for_translation(russian)
        translated.title = entry["title"]["ru"]
        translated.intro = entry["intro"]["ru"]
        _publish(translated, now - timedelta(days=400))
        sections[(entry["slug"], "en")] = section
        sections[(entry["slug"], "ru")] = translated.specific

    authors: dict[tuple[str, str], Author] = {}
    for entry in newsroom["authors"]:
        author = Author.objects.create(
            locale=english,
            slug=entry["slug"],
            name=entry["name"]["en"],
            role=entry["role"]["en"],
            bio=entry["bio"]["en"],
        )
        translated = author.copy_for_translation(russian)
        translated.name = entry["name"]["ru"]
        translated.role = entry["role"]["ru"]
        translated.bio = entry["bio"]["ru"]
        translated.save()
        authors[(entry["slug"], "en")] = author
        authors[(entry["slug"], "ru")] = translated

    counts = {"articles": 0, "translations": 0}
    for section_slug in SECTIONS:
        for entry in _read(f"articles_{section_slug}.json"):
            published_at = now - timedelta(hours=entry["hours_ago"])
            article = ArticlePage(slug=entry["slug"], locale=english)
            _fill_article(article, entry, "en", authors)
            sections[(section_slug, "en")].add_child(instance=article)
            _publish(article, published_at)
            counts["articles"] += 1
            if "ru" in entry:
                translated = article.copy_for_translation(russian)
                _fill_article(translated, entry, "ru", authors)
                _publish(translated, published_at)
                counts["translations"] += 1
    support_demo.load(attributions=campaigns_demo.load())
    return counts


def _fill_article(
    article: ArticlePage,
    entry: dict[str, Any],
    language: str,
    authors: dict[tuple[str, str], Author],
) -> None:
    text = entry[language]
    article.title = text["headline"]
    article.standfirst = text["standfirst"]
    article.body = _body(text["body"])
    article.lead_image = _photo(entry["slug"], entry["image"], language)
    article.lead_image_caption = ""
    bylines = list(article.article_authors.all())
    if bylines:
        # A translation's copied bylines are pointed at the translated authors rather than
        # replaced, so no background task is left looking for a deleted row.
        for byline, slug in zip(bylines, entry["authors"], strict=True):
            byline.author = authors[(slug, language)]
        article.article_authors = bylines
    else:
        article.article_authors = [
            ArticleAuthor(author=authors[(slug, language)]) for slug in entry["authors"]
        ]
    article.tags.set(entry["tags"][language], clear=True)
