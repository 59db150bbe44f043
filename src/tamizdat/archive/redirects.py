"""The old addresses of a WordPress site as permanent redirects: a post's (its permalink,
`/?p=ID`, its former slug's permalink, its attachment pages) to its article, and those of the
archive pages (a category's, a tag's, an author's, a day's, a month's or a year's) to the pages
that replace them."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from django.db import transaction
from wagtail.contrib.redirects.models import Redirect
from wagtail.models import Page

from tamizdat.news.models import ArticlePage, HomePage

from . import wxr
from .export import Export


class Redirects:
    def __init__(self, export: Export) -> None:
        self.export = export
        # The archive addresses redirected this run, written once: filled as each post's
        # transaction commits, so that a post rolled back leaves none the database lacks.
        self.written: set[str] = set()

    def post(self, item: wxr.Item, article: ArticlePage) -> int:
        """The post's own addresses to its article; how many."""
        old = {f"/?p={item.id}"}
        if item.link:
            path = urlsplit(item.link).path or "/"
            old.add(path)
            # WordPress answered a post's former slug, which it keeps when an editor changes
            # it, at the permalink with that slug.
            if item.slug in path:
                head, _, tail = path.rpartition(item.slug)
                old.update(f"{head}{former}{tail}" for former in item.former_slugs)
        for attachment in self.export.children.get(item.id, ()):
            # WordPress answers an attachment's page at its id whatever the permalinks.
            old.add(f"/?attachment_id={attachment.id}")
            if attachment.link:
                old.add(urlsplit(attachment.link).path)
        paths = {Redirect.normalise_path(path) for path in old} - {"", "/"}
        existing = Redirect.objects.filter(site=None, old_path__in=paths)
        found = set(existing.values_list("old_path", flat=True))
        if found:  # a post imported before, or an address the site had redirected
            existing.update(redirect_page=article, redirect_link="", is_permanent=True)
        new = paths - found
        Redirect.objects.bulk_create(
            Redirect(site=None, old_path=path, redirect_page=article, is_permanent=True)
            for path in sorted(new)
        )
        return len(paths)

    def archive(self, old: str, page: Page, route: str = "") -> None:
        """An old archive page's address as a permanent redirect to `page` (at `route`)."""
        path = Redirect.normalise_path(old)
        if path in self.written:
            return
        Redirect.objects.update_or_create(
            site=None,
            old_path=path,
            defaults={
                "redirect_page": page,
                "redirect_page_route_path": route,
                "redirect_link": "",
                "is_permanent": True,
            },
        )
        transaction.on_commit(lambda: self.written.add(path))

    def tag_archives(self, item: wxr.Item, article: ArticlePage, home: HomePage) -> None:
        """The archives of the post's tags, the first time a run sees them, to the tags'
        pages."""
        old_tags = [
            slug
            for slug in item.tag_slugs
            if Redirect.normalise_path(f"/tag/{slug}/") not in self.written
        ]
        if old_tags:
            new = {tag.name: tag.slug for tag in article.tags.all()}
            for name, slug in zip(item.tags, item.tag_slugs, strict=True):
                if slug in old_tags and name[:100] in new:
                    self.archive(f"/tag/{slug}/", home, f"/tags/{new[name[:100]]}/")

    def date_archives(self, day: datetime, front: HomePage) -> None:
        """The archives of a post's day, month and year, to the front page."""
        for path in (f"/{day:%Y}/", f"/{day:%Y/%m}/", f"/{day:%Y/%m/%d}/"):
            self.archive(path, front)
