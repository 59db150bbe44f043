"""`tamizdat import wordpress FILE`: a WordPress archive (its WXR export) as Tamizdat articles.

Published posts become articles: title, excerpt as standfirst, the content as body blocks
(`body`), the featured image as lead photo, first-published and modified dates, slug, bylines
and tags. Categories become sections, authors become authors. Every old address of a post (its
permalink, `/?p=ID`, its attachment pages) answers with a permanent redirect to the article.
A post's Polylang language puts it in that language's tree, and posts Polylang links are linked
as translations.

Each item is imported in a transaction of its own and recorded (`ImportedItem`) with a digest of
its XML: an interrupted import leaves no half article and, run again, goes on where it stopped;
a second run skips what did not change and updates what did. The articles' search and
reference index entries are written after the posts, in batches (`index_imported`). The old
archive pages (category, tag, author, date) redirect to the pages that replace them. What is
skipped, and why, is in the report.

The run is here; the export's first pass is `export`, the writing of a post `posts`, what posts
refer to `lookups`, and the old addresses `redirects`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models.signals import post_save
from modelcluster.models import get_all_child_relations
from modelsearch import signal_handlers as search_signals
from modelsearch.backends import get_search_backends
from wagtail.models import Page, ReferenceIndex
from wagtail.signal_handlers import disable_reference_index_auto_update

from tamizdat.mirror.tasks import request_copy
from tamizdat.news.models import ArticlePage, Author, Photo
from tamizdat.web.purge import purge_every_page

from . import wxr
from .export import survey
from .files import UPLOADS, Uploads
from .links import Links, relink
from .lookups import Document, Lookups
from .models import ImportedItem
from .posts import Posts, Report
from .redirects import Redirects

# Articles indexed for search and references at a time, after the posts.
INDEX_BATCH = 500


class WordPressImport:
    def __init__(
        self,
        path: Path,
        uploads: Uploads | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> None:
        self.path = path
        self.uploads = uploads or Uploads(None)
        self.progress = progress or (lambda done, total: None)
        self.report = Report()

    def run(self) -> Report:
        export = survey(self.path)
        self.report.malformed = export.malformed
        redirects = Redirects(export)
        lookups = Lookups(export, self.uploads, redirects)
        links = Links(export.source, lookups.upload_link)
        posts = Posts(export, lookups, links, redirects, self.report)
        done = 0
        with indexed_in_place():
            try:
                for entry in wxr.read(self.path):
                    if isinstance(entry, wxr.Item):
                        posts.item(entry)
                        done += 1
                        self.progress(done, export.items)
            except wxr.MalformedExport:
                pass  # reported by the survey; what came before was imported
            self.report.relinked, unknown = relink(export.source, links)
        for article, label in posts.waiting.items():
            for href in unknown.get(article, ()):
                self.report.warnings.append(
                    f"{label}: linked file not found: {href}{lookups.why(href)}"
                    if UPLOADS in href
                    else f"{label}: links to {href}, which no imported post had"
                )
        index_imported(export.source)
        if self.report.created or self.report.updated or self.report.relinked:
            # Articles are written here without Wagtail's publishing (and its signals), and
            # updated ones keep their revision: the cached pages go, and the static copies are
            # made again whole, since a copy finds changed pages by their revision.
            purge_every_page()
            request_copy(full=True)
        return self.report


def index_imported(source: str) -> None:
    """The search and reference index entries of the articles imported from `source` that
    have none yet, written in batches after the posts (one pass over the search index a
    batch, where a post at a time took one each). Also what an interrupted run left."""
    pending = ImportedItem.objects.filter(source=source, kind="post", indexed=False)
    relations = [relation.get_accessor_name() for relation in get_all_child_relations(ArticlePage)]
    while batch := list(pending.values_list("pk", "object_id")[:INDEX_BATCH]):
        with transaction.atomic():
            ids = [int(object_id) for _, object_id in batch]
            articles = list(ArticlePage.objects.filter(pk__in=ids).prefetch_related(*relations))
            for backend in get_search_backends(with_auto_update=True):
                backend.add_bulk(ArticlePage, articles)
            index_references(articles)
            ImportedItem.objects.filter(pk__in=[pk for pk, _ in batch]).update(indexed=True)


def index_references(articles: list[ArticlePage]) -> None:
    """The reference index entries of `articles`, replaced in two queries: Wagtail's
    `create_or_update_for_object` compares an article's entries with its stored ones in
    several queries an article, most of the indexing's time. The references are Wagtail's
    own reading of each article (its bylines and tags prefetched)."""
    article_type = ContentType.objects.get_for_model(ArticlePage)
    page_type = ContentType.objects.get_for_model(Page)
    ReferenceIndex.objects.filter(
        base_content_type=page_type, object_id__in=[str(article.pk) for article in articles]
    ).delete()
    ReferenceIndex.objects.bulk_create(
        [
            ReferenceIndex(
                content_type=article_type,
                base_content_type=page_type,
                object_id=str(article.pk),
                to_content_type_id=to_type,
                to_object_id=to_id,
                model_path=model_path,
                content_path=content_path,
                content_path_hash=ReferenceIndex._get_content_path_hash(content_path),
            )
            for article in articles
            for to_type, to_id, model_path, content_path in set(
                ReferenceIndex._extract_references_from_object(article)
            )
        ]
    )


@contextmanager
def indexed_in_place() -> Iterator[None]:
    """The search and reference index entries written by the import itself rather than by
    the background tasks that each save would queue: a large archive would leave hours of
    them, and a search that misses the archive meanwhile. (The handlers are the process's:
    the import runs as a command of its own.)"""
    models = (ArticlePage, Author, Photo, Document)
    for model in models:
        post_save.disconnect(search_signals.post_save_signal_handler, sender=model)
    try:
        with disable_reference_index_auto_update():
            yield
    finally:
        for model in models:
            post_save.connect(search_signals.post_save_signal_handler, sender=model)
