"""Links in imported posts that lead to the old site, rewritten to what replaced it there.

A link to another post (its permalink, `/?p=ID`, an old slug's address) becomes a Wagtail
link to the article, which follows the article wherever an editor moves it; a link to an
archive page (a category's, a tag's) the address of its new page; a link to a file of the old
uploads folder the photo's or document's file here. The old addresses are read from the
redirects the import writes: a link to a post that is not imported yet (later in the export,
or in another export) stays as it was, and its article is looked at again once the run's posts
are in (`relink`), in this run and the next ones, until the post it leads to arrives.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from html import escape, unescape
from urllib.parse import urlsplit

from django.db import transaction
from wagtail.contrib.redirects.models import Redirect
from wagtail.models import Page

from tamizdat.news.models import ArticlePage

from .files import UPLOADS, Unavailable
from .models import ImportedItem

# A link as `body.rich_text` leaves it: its address is its only attribute.
LINK = re.compile(r'<a href="([^"]*)">')
# Finds what a file of the uploads folder became: its address here, or "" when not found.
UploadLookup = Callable[[str], str]


class Links:
    def __init__(self, source: str, upload: UploadLookup) -> None:
        bare = source.removeprefix("www.")
        self.hosts = {bare, f"www.{bare}"} if bare else set()
        self.upload = upload

    def old_address(self, href: str) -> str:
        """The link's address on the old site (path and query), or "" when it leads elsewhere."""
        parts = urlsplit(href)
        if parts.scheme not in ("", "http", "https"):
            return ""
        if parts.netloc and parts.hostname not in self.hosts:
            return ""
        if not parts.netloc and not parts.path.startswith("/") and not parts.query:
            return ""  # an anchor in the page, or an address relative to the post's
        path = parts.path or "/"
        return f"{path}?{parts.query}" if parts.query else path

    def rewrite(self, html: str, pages: dict[str, str]) -> tuple[str, list[str]]:
        """`html` with the links to the old site that `pages` (old address to new link) or the
        uploads know rewritten, and the old addresses of those still unknown."""
        unknown: list[str] = []

        def replace(match: re.Match[str]) -> str:
            href = unescape(match[1])
            old = self.old_address(href)
            if not old:
                return match[0]
            if UPLOADS in old:
                if found := self.upload(href):
                    return f'<a href="{escape(found)}">'
                unknown.append(href)
                return match[0]
            for key in keys(old):
                if key in pages:
                    return pages[key]
            unknown.append(href)
            return match[0]

        return LINK.sub(replace, html), unknown

    def pages(self, htmls: list[str]) -> dict[str, str]:
        """The new links of the old addresses `htmls` link to that the redirects know, in
        Wagtail's stored form: a page's link, or a page's route as an address."""
        wanted = {
            key
            for html in htmls
            for href in LINK.findall(html)
            if (old := self.old_address(unescape(href))) and UPLOADS not in old
            for key in keys(old)
        }
        if not wanted:
            return {}
        found = Redirect.objects.filter(
            site=None, old_path__in=wanted, redirect_page__isnull=False
        ).values_list("old_path", "redirect_page_id", "redirect_page_route_path")
        routed = {page for _, page, route in found if route}
        urls = {page.pk: page.url for page in Page.objects.filter(pk__in=routed)}
        return {
            old: (
                f'<a href="{escape(urls[page].rstrip("/") + route)}">'
                if route and urls.get(page)
                else f'<a linktype="page" id="{page}">'
            )
            for old, page, route in found
            if not route or urls.get(page)
        }

    def blocks(
        self, blocks: list[tuple[str, object]]
    ) -> tuple[list[tuple[str, object]], list[str]]:
        """A body's blocks (as `body.convert` gives them) with their paragraphs' links
        rewritten, and the old addresses still unknown."""
        paragraphs = [
            value for kind, value in blocks if kind == "paragraph" and isinstance(value, str)
        ]
        pages = self.pages(paragraphs)
        unknown: list[str] = []
        rewritten: list[tuple[str, object]] = []
        for kind, value in blocks:
            if kind == "paragraph" and isinstance(value, str):
                value, missing = self.rewrite(value, pages)
                unknown += missing
            rewritten.append((kind, value))
        return rewritten, unknown


def keys(old: str) -> list[str]:
    """Where the redirects may hold an old address: as it is, and without its query (a
    tracking parameter) unless the query names the post."""
    whole = Redirect.normalise_path(old)
    bare = Redirect.normalise_path(old.split("?", 1)[0])
    return [whole] if bare == whole or bare == "/" else [whole, bare]


def relink(source: str, links: Links) -> tuple[int, dict[int, list[str]]]:
    """The imported articles whose links to the old site were left waiting for their posts,
    rewritten where those came in since: how many changed, and the old addresses each article
    still links to. Each article changed is indexed again (its references are its links)."""
    changed = 0
    unknown_links: dict[int, list[str]] = {}
    waiting = ImportedItem.objects.filter(source=source, kind="post", links_waiting=True)
    for pk, object_id in list(waiting.values_list("pk", "object_id")):
        # A linked file the old site did not give this time: the next run tries again.
        with contextlib.suppress(Unavailable):
            changed += relink_article(pk, object_id, links, unknown_links)
    return changed, unknown_links


def relink_article(
    pk: int, object_id: str, links: Links, unknown_links: dict[int, list[str]]
) -> int:
    """1 if the article of record `pk` changed, else 0.

    The rewrite goes through Wagtail's revisions, so that no editor's publish undoes it and
    no editor's draft is lost: the live article, links rewritten, is saved as a revision and
    published, by no user (the system, in its history). If an editor had saved a draft since
    (changes not yet published), their draft, its links rewritten too, is then saved again as
    the newest revision: it is what the editor sees and publishes, with their edits and the
    new links. An article whose links did not change gets no revision."""
    with transaction.atomic():
        article = ArticlePage.objects.filter(pk=int(object_id)).first()
        if article is None:  # deleted in the admin since
            ImportedItem.objects.filter(pk=pk).update(links_waiting=False)
            return 0
        draft_revision = article.latest_revision if article.has_unpublished_changes else None
        draft = draft_revision.as_object() if draft_revision else None
        live_changed, unknown = rewrite_body(article, links)
        draft_changed, draft_unknown = rewrite_body(draft, links) if draft else (False, [])
        if unknown := list(dict.fromkeys([*unknown, *draft_unknown])):
            unknown_links[article.pk] = unknown
        if not live_changed and not draft_changed:
            return 0
        if live_changed:
            # A link made right is not news: the article keeps its date of last change.
            last_published_at = article.last_published_at
            article.save_revision(log_action=True, clean=False).publish(log_action=True)
            ArticlePage.objects.filter(pk=article.pk).update(last_published_at=last_published_at)
        if draft is not None:
            # The publish made its own revision the newest: the editor's draft is again.
            draft.save_revision(log_action=True, clean=False)
        ImportedItem.objects.filter(pk=pk).update(links_waiting=bool(unknown), indexed=False)
        return 1


def rewrite_body(article: ArticlePage, links: Links) -> tuple[bool, list[str]]:
    """Rewrites the links of `article`'s body in place: whether any changed, and the old
    addresses it still links to that no imported post or file had."""
    raw = list(article.body.raw_data)
    blocks = [(block["type"], block["value"]) for block in raw]
    rewritten, unknown = links.blocks(blocks)
    if rewritten == blocks:
        return False, unknown
    raw = [{**block, "value": value} for block, (_, value) in zip(raw, rewritten, strict=True)]
    article.body = ArticlePage._meta.get_field("body").to_python(raw)
    return True, unknown
