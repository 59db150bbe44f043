"""What the site holds now, and which addresses of the copy a change since the last copy
touches: the listings around a page, its translations, and the "Read more" blocks it changed."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.test import RequestFactory

from . import paths
from .manifest import Manifest
from .pages import CopySettings

FIXED_FILES = ("/sitemap.xml", "/robots.txt", "/mirrors.json")


def live_pages() -> dict[str, list[Any]]:
    """Every live, public page: id -> [address, live revision, is an article]. Addresses
    come from each language root's own address and the pages' paths below it, in one query
    rather than one lookup per page."""
    from wagtail.models import Page

    from tamizdat.news.addresses import PageAddresses
    from tamizdat.news.models import ArticlePage

    article_type = ContentType.objects.get_for_model(ArticlePage).pk
    addresses = PageAddresses(RequestFactory().get("/"))
    live = Page.objects.live().public().filter(depth__gt=1)
    pages = {}
    rows = live.values_list("pk", "path", "url_path", "live_revision_id", "content_type_id")
    for page_id, path, url_path, revision, content_type in rows.order_by("path"):
        if url := addresses.url(path, url_path):
            pages[str(page_id)] = [url, revision, content_type == article_type]
    return pages


def author_states() -> dict[str, list[str]]:
    """Every author: id -> [digest of what their bylines and page show, slug, language]."""
    from tamizdat.news.models import Author

    rows = Author.objects.values_list(
        "pk", "name", "slug", "role", "bio", "photo_id", "translation_key", "locale__language_code"
    )
    return {
        str(pk): [hashlib.sha256(repr(shown).encode()).hexdigest(), str(shown[1]), str(shown[-1])]
        for pk, *shown in rows
    }


def tag_states() -> dict[str, list[str]]:
    """Every tag: id -> [digest of its name and slug, slug]. Tags are no pages either: a
    renamed tag leaves no revision behind."""
    from taggit.models import Tag

    return {
        str(pk): [hashlib.sha256(repr((name, slug)).encode()).hexdigest(), str(slug)]
        for pk, name, slug in Tag.objects.values_list("pk", "name", "slug")
    }


def tagged(tag_ids: set[str], live: dict[str, list[Any]]) -> set[str]:
    """The live articles that carry one of these tags."""
    from tamizdat.news.models import ArticleTag

    rows = ArticleTag.objects.filter(tag_id__in=[int(i) for i in tag_ids])
    ids = {str(i) for i in rows.values_list("content_object_id", flat=True)}
    return {live[i][0] for i in ids if i in live}


def bylines_of(author_ids: set[str], live: dict[str, list[Any]]) -> set[str]:
    """The live articles whose bylines show one of these authors, in any language: a byline
    shows the translation of its author in the article's language."""
    from tamizdat.news.models import ArticleAuthor, Author

    keys = Author.objects.filter(pk__in=[int(i) for i in author_ids]).values_list(
        "translation_key", flat=True
    )
    articles = ArticleAuthor.objects.filter(author__translation_key__in=list(keys))
    ids = {str(i) for i in articles.values_list("article_id", flat=True)}
    return {live[i][0] for i in ids if i in live}


def seeds(copy: CopySettings, live: dict[str, list[Any]]) -> set[str]:
    """Where a crawl of the whole site starts: every live page, and the pages every language
    has that no page tree holds."""
    urls = {entry[0] for entry in live.values()}
    for language in copy.languages:
        urls |= {f"/{language}/{name}/" for name in ("search", "support", "reach", "feed")}
    return {*urls, *newsletter_pages(copy), *FIXED_FILES}


def newsletter_pages(copy: CopySettings) -> set[str]:
    """The newsletters page and archives of each language: they change when an issue is sent,
    not on a publish, so every export makes them again (and finds the issues they list)."""
    from tamizdat.newsletters.models import Newsletter

    archives = Newsletter.objects.filter(language__in=copy.languages)
    urls = {f"/{language}/newsletters/" for language in copy.languages}
    urls |= {
        f"/{language}/newsletters/{slug}/"
        for slug, language in archives.values_list("slug", "language")
    }
    return urls


def family(manifest: Manifest, url: str) -> set[str]:
    """A listing, every page of its pagination that the copy holds, and its feed."""
    path = url.partition("?")[0]
    pages = {known for known in manifest.pages if known.partition("?")[0] == path}
    return heads(manifest, path) | pages


def heads(manifest: Manifest, path: str) -> set[str]:
    """A listing's own address and its feed: the newest stories, which any change may touch."""
    feed = f"{path}{paths.FEED_SEGMENT}/"
    return {path} | ({feed} if feed in manifest.pages else set())


def archive_numbers(manifest: Manifest, path: str) -> dict[int, str]:
    """The archive pages of the listing at `path` that the copy holds: number -> address."""
    numbers = {}
    for known in manifest.pages:
        known_path, _, query = known.partition("?")
        if known_path == path and (number := paths.page_number(query)):
            numbers[number] = known
    return numbers


def publication_dates(live: dict[str, list[Any]]) -> dict[str, datetime]:
    """Every live article's address -> when it was first published (listings' order)."""
    from tamizdat.news.models import ArticlePage

    rows = ArticlePage.objects.live().values_list("pk", "first_published_at")
    return {live[str(pk)][0]: moment for pk, moment in rows if str(pk) in live}


def shifted_archive(
    previous: Manifest,
    manifest: Manifest,
    path: str,
    removed: set[str],
    earliest: datetime | None,
    dates: dict[str, datetime],
) -> set[str]:
    """The archive pages of the listing at `path` (`news.archive`) that a change may have
    altered: the oldest page that listed a `removed` story (gone, moved or edited) or that
    holds stories no older than the `earliest` publication date among the changed stories
    that are live now (they may have joined the listing there), and every newer page, whose
    stories shift by the change. The newest archive pages before and after the change are
    altered anyway: the first page's stories now end elsewhere, and the newest archive page
    links its newer neighbour or the first page. Older pages keep their stories and links.
    The first page itself is the caller's (`heads`); it must be rendered already, as it links
    the newest archive page."""
    before = archive_numbers(previous, path)
    after = [
        number
        for link in manifest.pages.get(path, {}).get("pages", ())
        if link.partition("?")[0] == path and (number := paths.page_number(link.partition("?")[2]))
    ]
    newest_before, newest_after = max(before, default=0), max(after, default=0)
    lowest = max(1, min(newest_before, newest_after))
    for number in sorted(before):
        if number >= lowest:
            break
        links = previous.pages[before[number]].get("pages", ())
        if removed.intersection(links) or (
            earliest is not None and any(dates[link] >= earliest for link in links if link in dates)
        ):
            lowest = number
            break
    newest = max(newest_before, newest_after)
    return {paths.normalize(path, number) for number in range(lowest, newest + 1)}


def referrers(manifest: Manifest) -> dict[str, set[str]]:
    """For each address, the addresses of the copy that link to it."""
    index: dict[str, set[str]] = {}
    for url, entry in manifest.pages.items():
        for target in entry.get("pages", ()):
            index.setdefault(target, set()).add(url)
    return index


def translations(changed: set[str]) -> set[str]:
    """The live translations of changed pages: their language links name the change."""
    from wagtail.models import Page

    request = RequestFactory().get("/")
    keys = Page.objects.filter(pk__in=[int(i) for i in changed]).values_list(
        "translation_key", flat=True
    )
    pages = Page.objects.live().filter(translation_key__in=list(keys))
    return {url for page in pages if (url := page.get_url(request))}


def read_more_changed(previous: Manifest, live: dict[str, list[Any]]) -> set[str]:
    """The articles of the copy whose kept "Read more" (`news.related`) now names other
    stories than the copy shows: a publish changes a bounded number of them."""
    from tamizdat.news.models import ReadMore

    changed = set()
    for article_id, entries in ReadMore.objects.values_list("article_id", "entries").iterator(2000):
        own = live.get(str(article_id))
        if own is None or own[0] not in previous.pages:
            continue
        shown = [live[str(pk)][0] for pk, _ in entries if str(pk) in live]
        if shown != previous.pages[own[0]].get("read_more", []):
            changed.add(own[0])
    return changed
