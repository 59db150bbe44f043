"""A WordPress post as an article, each in a transaction of its own and recorded
(`ImportedItem`) with a digest of its XML, and what the import did, post by post (`Report`)."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils.html import strip_tags
from django.utils.text import Truncator, slugify
from wagtail.models import Locale, Page, Revision

from tamizdat.news.models import ArticleAuthor, ArticlePage, SectionPage
from tamizdat.news.routing import children

from . import body, wxr
from .export import Export
from .files import Unavailable
from .links import Links
from .lookups import Lookups, Skip
from .models import ImportedItem
from .redirects import Redirects

logger = logging.getLogger(__name__)

# A post this large is not an article but an accident (a pasted database dump, base64 images).
MAX_CONTENT_BYTES = 2_000_000
STANDFIRST_CHARACTERS = 300
RELATIONS = [field.name for field in ArticlePage._meta.concrete_fields if field.is_relation]


@dataclass
class Report:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    redirects: int = 0
    relinked: int = 0  # articles whose links waited for a post imported later
    skipped: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    malformed: str = ""


def edited_here(article_id: int) -> bool:
    """Whether someone saved the article in the admin (a draft or a publish). The import's own
    link rewrites are revisions without a user."""
    return Revision.page_revisions.filter(object_id=str(article_id), user__isnull=False).exists()


class Posts:
    def __init__(
        self, export: Export, lookups: Lookups, links: Links, redirects: Redirects, report: Report
    ) -> None:
        self.export = export
        self.source = export.source
        self.lookups = lookups
        self.links = links
        self.redirects = redirects
        self.report = report
        # The articles saved this run whose links to the old site are still unknown, to
        # their post's label: reported once the run's posts are in.
        self.waiting: dict[int, str] = {}

    def item(self, item: wxr.Item) -> None:
        label = f"{item.type} {item.id} “{item.title or item.slug}”"
        if item.type == "attachment":
            return  # brought in with the posts that show them
        if item.type != "post":
            self.report.skipped.append(f"{label}: not a post ({item.type})")
            return
        if item.status != "publish":
            self.report.skipped.append(f"{label}: not published ({item.status})")
            return
        if len(item.content.encode()) > MAX_CONTENT_BYTES:
            self.report.skipped.append(f"{label}: larger than {MAX_CONTENT_BYTES:,} bytes")
            return
        record = ImportedItem.objects.filter(
            source=self.source, kind="post", key=str(item.id)
        ).first()
        if record is not None and record.digest == item.digest:
            self.report.unchanged += 1
            return
        if record is not None and edited_here(int(record.object_id)):
            # Once the newsroom works on a story here, this copy is the story: a run that
            # pulls in late posts must not put back what an editor corrected.
            self.report.skipped.append(
                f"{label}: changed in WordPress, but edited here since it was imported;"
                " kept as edited here"
            )
            return
        try:
            with transaction.atomic():
                waiting = self.save_post(item, record, label)
            if waiting:
                self.waiting[waiting] = label
        except Skip as reason:
            self.report.skipped.append(f"{label}: {reason}")
        except Unavailable as error:
            self.report.failed.append(f"{label}: could not download {error}; run it again")
        except Exception as error:  # one bad post must not stop the archive
            logger.exception("Import of %s failed", label)
            self.report.failed.append(f"{label}: {error}")

    def save_post(self, item: wxr.Item, record: ImportedItem | None, label: str) -> int | None:
        """Saves the post's article; its id if some of its links to the old site wait for
        posts not imported yet."""
        lookups = self.lookups
        locale = lookups.locale(item)
        content = body.convert(
            item.content, lookups.photo, lambda ids: lookups.gallery(item.id, ids)
        )
        for missing in content.missing:
            self.report.warnings.append(
                f"{label}: image not found: {missing}{lookups.why(missing)}"
            )
        lead = None
        if thumbnail := item.meta.get("_thumbnail_id", ""):
            attachments = self.export.attachments
            attachment = attachments.get(int(thumbnail)) if thumbnail.isdigit() else None
            lead = lookups.attachment_photo(attachment) if attachment else None
            if lead is None:
                why = lookups.why(attachment.attachment_url) if attachment else ""
                self.report.warnings.append(f"{label}: featured image {thumbnail} not found{why}")
        blocks, unknown = self.links.blocks(content.blocks)
        fields = {
            "title": (item.title or item.slug)[:255],
            "standfirst": self.standfirst(item, content),
            "body": blocks,
            "lead_image": lead,
            "first_published_at": item.published,
            "last_published_at": item.modified or item.published,
        }
        section = lookups.section(item, locale)
        if record is None:
            article = self.new_article(item, locale, section, fields)
        else:
            article = self.moved(ArticlePage.objects.get(pk=int(record.object_id)), section, item)
            for name, value in fields.items():
                setattr(article, name, value)
        # Tags and bylines wait in memory until the article is saved, once.
        article.tags.set([tag[:100] for tag in item.tags])
        if author := lookups.author(item.creator):
            article.article_authors = [ArticleAuthor(author=author)]
        elif item.creator:
            self.report.warnings.append(f"{label}: author {item.creator} is not in the export")
        # Its fields are checked; Wagtail's page checks are not: the slug was made unique
        # above and the database's constraints hold the rest, the relations among them (each
        # checked by a query of its own, where what they name was just read from the
        # database). No "created" entry in the page's history: the import's own record says
        # where it came from.
        article.clean_fields(exclude=RELATIONS)
        article.save(clean=False, log_action=None)
        if record is None:
            Page.objects.filter(pk=section.pk).update(numchild=F("numchild") + 1)
            self.report.created += 1
        else:
            self.report.updated += 1
        self.report.redirects += self.redirects.post(item, article)
        self.redirects.tag_archives(item, article, lookups.home(article.locale))
        if item.published:
            self.redirects.date_archives(item.published, lookups.home(lookups.default))
        values = {
            "object_id": str(article.pk),
            "digest": item.digest,
            "indexed": False,
            "links_waiting": bool(unknown),
        }
        if record is None:
            ImportedItem.objects.create(source=self.source, kind="post", key=str(item.id), **values)
        else:
            ImportedItem.objects.filter(pk=record.pk).update(**values)
        return article.pk if unknown else None

    def moved(self, article: ArticlePage, section: SectionPage, item: wxr.Item) -> ArticlePage:
        """The article in the section of the post's category now, moved there if its
        category changed. The old addresses' redirects name the page, so they follow it, and
        Wagtail redirects the page's own former address."""
        if article.path.startswith(section.path) and article.depth == section.depth + 1:
            return article
        if children(section).filter(slug=article.slug).exists():
            Page.objects.filter(pk=article.pk).update(slug=f"{article.slug[:190]}-{item.id}")
            article.refresh_from_db(fields=["slug"])
        article.move(section, pos="last-child")
        return ArticlePage.objects.get(pk=article.pk)

    def new_article(
        self, item: wxr.Item, locale: Locale, section: SectionPage, fields: dict[str, Any]
    ) -> ArticlePage:
        slug = slugify(item.slug or item.title)[:200] or f"post-{item.id}"
        # Whether the slug is taken there, and the place in the tree that treebeard's
        # `add_child` works out (read as one column where it loads the whole last child):
        # two lookups in indexes, the slug's and the path's, in a section of any size.
        siblings = children(section)
        if siblings.filter(slug=slug).exists():
            slug = f"{slug[:190]}-{item.id}"
        last = siblings.order_by("-path").values_list("path", flat=True).first()
        path = (
            Page(path=last)._inc_path()
            if last
            else Page._get_path(section.path, section.depth + 1, 1)
        )
        article = ArticlePage(
            slug=slug,
            locale=locale,
            live=True,
            has_unpublished_changes=False,
            translation_key=self.translation_key(item),
            path=path,
            depth=section.depth + 1,
            **fields,
        )
        # What saving would look up: its parent (treebeard's cache) and whether it is the
        # root of a site (Wagtail's), which an article never is.
        article._cached_parent_obj = section
        article._is_site_root = False
        return article

    def standfirst(self, item: wxr.Item, content: body.Body) -> str:
        text = strip_tags(item.excerpt)
        if not text:
            paragraphs = (value for kind, value in content.blocks if kind == "paragraph")
            text = strip_tags(next(paragraphs, ""))
        return Truncator(" ".join(text.split())).chars(STANDFIRST_CHARACTERS)

    def translation_key(self, item: wxr.Item) -> uuid.UUID:
        """Posts of one Polylang group share a key: Wagtail's translations of each other."""
        if not item.translation_group:
            return uuid.uuid4()
        record, _ = ImportedItem.objects.get_or_create(
            source=self.source,
            kind="translations",
            key=item.translation_group,
            defaults={"object_id": str(uuid.uuid4())},
        )
        return uuid.UUID(record.object_id)
