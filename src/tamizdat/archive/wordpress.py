"""`tamizdat import wordpress FILE`: a WordPress archive (its WXR export) as Tamizdat articles.

Published posts become articles: title, excerpt as standfirst, the content as body blocks
(`body`), the featured image as lead photo, first-published and modified dates, slug, bylines
and tags. Categories become sections, authors become authors. Every old address of a post (its
permalink, `/?p=ID`, its attachment pages) answers with a permanent redirect to the article.
A post's Polylang language puts it in that language's tree, and posts Polylang links are linked
as translations.

Each item is imported in a transaction of its own and recorded (`ImportedItem`) with a digest of
its XML: an interrupted import leaves no half article and, run again, goes on where it stopped;
a second run skips what did not change and updates what did. What is skipped, and why, is in
the report.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.files.images import ImageFile
from django.db import transaction
from django.db.models.signals import post_save
from django.utils.html import strip_tags
from django.utils.text import Truncator, slugify
from modelsearch import index
from modelsearch import signal_handlers as search_signals
from wagtail.contrib.redirects.models import Redirect
from wagtail.models import Locale, ReferenceIndex
from wagtail.signal_handlers import disable_reference_index_auto_update

from tamizdat.news.models import ArticleAuthor, ArticlePage, Author, HomePage, Photo, SectionPage
from tamizdat.web.purge import purge_every_page

from . import body, wxr
from .models import ImportedItem

logger = logging.getLogger(__name__)

# A post this large is not an article but an accident (a pasted database dump, base64 images).
MAX_CONTENT_BYTES = 2_000_000
STANDFIRST_CHARACTERS = 300
UPLOADS = "/wp-content/uploads/"
# WordPress's resized copies of an image: photo-300x200.jpg is photo.jpg.
RESIZED = re.compile(r"-\d+x\d+(?=\.\w+$)")


@dataclass
class Report:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    redirects: int = 0
    skipped: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    malformed: str = ""


class WordPressImport:
    def __init__(
        self,
        path: Path,
        uploads: Path | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> None:
        self.path = path
        self.uploads = uploads
        self.progress = progress or (lambda done, total: None)
        self.report = Report()
        self.source = ""
        self.authors: dict[str, wxr.Author] = {}
        self.categories: dict[str, wxr.Term] = {}
        self.attachments: dict[int, wxr.Item] = {}
        self.by_url: dict[str, wxr.Item] = {}
        self.children: dict[int, list[wxr.Item]] = {}
        self.default = Locale.objects.get(language_code=settings.LANGUAGE_CODE)

    # Reading.

    def survey(self) -> int:
        """First pass: the export's authors, categories and attachments; how many items."""
        count = 0
        try:
            for entry in wxr.read(self.path):
                if isinstance(entry, wxr.Author):
                    self.authors[entry.login] = entry
                elif isinstance(entry, wxr.Term) and entry.kind == "category":
                    self.categories[entry.slug] = entry
                elif isinstance(entry, wxr.Item):
                    count += 1
                    if not self.source and entry.link:
                        self.source = urlsplit(entry.link).netloc
                    if entry.type == "attachment":
                        self.attachments[entry.id] = entry
                        self.by_url[urlsplit(entry.attachment_url).path] = entry
                        self.children.setdefault(entry.parent, []).append(entry)
        except wxr.MalformedExport as error:
            self.report.malformed = str(error)
        return count

    def run(self) -> Report:
        total = self.survey()
        done = 0
        try:
            with indexed_in_place():
                for entry in wxr.read(self.path):
                    if isinstance(entry, wxr.Item):
                        self.item(entry)
                        done += 1
                        self.progress(done, total)
        except wxr.MalformedExport:
            pass  # reported by the survey; what came before was imported
        if self.report.created or self.report.updated:
            purge_every_page()
        return self.report

    # Items.

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
        try:
            with transaction.atomic():
                self.save_post(item, record, label)
        except Skip as reason:
            self.report.skipped.append(f"{label}: {reason}")
        except Exception as error:  # one bad post must not stop the archive
            logger.exception("Import of %s failed", label)
            self.report.failed.append(f"{label}: {error}")

    def save_post(self, item: wxr.Item, record: ImportedItem | None, label: str) -> None:
        locale = self.locale(item)
        content = body.convert(item.content, self.photo)
        for missing in content.missing:
            self.report.warnings.append(f"{label}: image not found: {missing}")
        lead = None
        if thumbnail := item.meta.get("_thumbnail_id", ""):
            attachment = self.attachments.get(int(thumbnail)) if thumbnail.isdigit() else None
            lead = self.attachment_photo(attachment) if attachment else None
            if lead is None:
                self.report.warnings.append(f"{label}: featured image {thumbnail} not found")
        fields = {
            "title": item.title or item.slug,
            "standfirst": self.standfirst(item, content),
            "body": content.blocks,
            "lead_image": lead,
            "first_published_at": item.published,
            "last_published_at": item.modified or item.published,
        }
        if record is None:
            section = self.section(item, locale)
            article = self.new_article(item, locale, section, fields)
        else:
            article = ArticlePage.objects.get(pk=int(record.object_id))
            for name, value in fields.items():
                setattr(article, name, value)
        # Tags and bylines wait in memory until the article is saved, once.
        article.tags.set([tag[:100] for tag in item.tags])
        if author := self.author(item.creator):
            article.article_authors = [ArticleAuthor(author=author)]
        elif item.creator:
            self.report.warnings.append(f"{label}: author {item.creator} is not in the export")
        if record is None:
            section.add_child(instance=article)
            self.report.created += 1
        else:
            article.save()
            self.report.updated += 1
        index.insert_or_update_object(article)
        ReferenceIndex.create_or_update_for_object(article)
        self.redirect(item, article)
        ImportedItem.objects.update_or_create(
            source=self.source,
            kind="post",
            key=str(item.id),
            defaults={"object_id": str(article.pk), "digest": item.digest},
        )

    def new_article(
        self, item: wxr.Item, locale: Locale, section: SectionPage, fields: dict[str, Any]
    ) -> ArticlePage:
        slug = slugify(item.slug or item.title)[:200] or f"post-{item.id}"
        if section.get_children().filter(slug=slug).exists():
            slug = f"{slug[:190]}-{item.id}"
        return ArticlePage(
            slug=slug,
            locale=locale,
            live=True,
            has_unpublished_changes=False,
            translation_key=self.translation_key(item),
            **fields,
        )

    def standfirst(self, item: wxr.Item, content: body.Body) -> str:
        text = strip_tags(item.excerpt)
        if not text:
            paragraphs = (value for kind, value in content.blocks if kind == "paragraph")
            text = strip_tags(next(paragraphs, ""))
        return Truncator(" ".join(text.split())).chars(STANDFIRST_CHARACTERS)

    def locale(self, item: wxr.Item) -> Locale:
        if not item.language:
            return self.default
        locale = Locale.objects.filter(language_code=item.language).first()
        if locale is None:
            raise Skip(f"in a language this site does not publish ({item.language})")
        return locale

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

    # What posts refer to.

    def section(self, item: wxr.Item, locale: Locale) -> SectionPage:
        slug = next(iter(item.categories), "") or "uncategorized"
        key = f"{slug}:{locale.language_code}"
        record = ImportedItem.objects.filter(source=self.source, kind="section", key=key).first()
        if record is not None:
            found = SectionPage.objects.filter(pk=int(record.object_id)).first()
            if found is not None:
                return found
        home = HomePage.objects.filter(locale=locale).first()
        if home is None:
            raise Skip(f"no home page in {locale.language_code}")
        category = self.categories.get(slug)
        section = SectionPage.objects.child_of(home).filter(slug=slugify(slug)).first()
        if section is None:
            section = SectionPage(
                title=category.name if category else slug.replace("-", " ").title(),
                slug=slugify(slug) or "section",
                intro=strip_tags(category.description) if category else "",
                locale=locale,
            )
            home.add_child(instance=section)
            section.save_revision().publish()
        ImportedItem.objects.update_or_create(
            source=self.source, kind="section", key=key, defaults={"object_id": str(section.pk)}
        )
        return section

    def author(self, login: str) -> Author | None:
        if not login:
            return None
        record = ImportedItem.objects.filter(source=self.source, kind="author", key=login).first()
        if record is not None:
            return Author.objects.filter(pk=int(record.object_id)).first()
        known = self.authors.get(login)
        if known is None:
            return None
        slug = slugify(known.name)[:190] or slugify(login)[:190] or f"author-{known.login}"
        author = Author.objects.filter(locale=self.default, slug=slug).first()
        if author is None:
            author = Author.objects.create(
                locale=self.default, slug=slug, name=known.name, bio=known.bio
            )
            index.insert_or_update_object(author)
        ImportedItem.objects.create(
            source=self.source, kind="author", key=login, object_id=str(author.pk)
        )
        return author

    def redirect(self, item: wxr.Item, article: ArticlePage) -> None:
        old = {f"/?p={item.id}"}
        if item.link:
            old.add(urlsplit(item.link).path or "/")
        for attachment in self.children.get(item.id, ()):
            if attachment.link:
                old.add(urlsplit(attachment.link).path)
        for path in old:
            normalised = Redirect.normalise_path(path)
            if normalised in ("", "/"):
                continue
            Redirect.objects.update_or_create(
                site=None,
                old_path=normalised,
                defaults={"redirect_page": article, "redirect_link": "", "is_permanent": True},
            )
            self.report.redirects += 1

    def photo(self, url: str) -> Photo | None:
        """The photo an image address of a post shows, brought in once."""
        path = urlsplit(url).path
        attachment = self.by_url.get(path) or self.by_url.get(RESIZED.sub("", path))
        if attachment is not None:
            return self.attachment_photo(attachment)
        return self.media(path, title=Path(path).stem, caption="", alt="")

    def attachment_photo(self, attachment: wxr.Item) -> Photo | None:
        return self.media(
            urlsplit(attachment.attachment_url).path,
            title=attachment.title or Path(attachment.attachment_url).stem,
            caption=strip_tags(attachment.excerpt),
            alt=attachment.meta.get("_wp_attachment_image_alt", ""),
        )

    def media(self, path: str, title: str, caption: str, alt: str) -> Photo | None:
        record = ImportedItem.objects.filter(source=self.source, kind="media", key=path).first()
        if record is not None:
            return Photo.objects.filter(pk=int(record.object_id)).first()
        if self.uploads is None or UPLOADS not in path:
            return None
        file = self.uploads / path.split(UPLOADS, 1)[1]
        if not file.is_file():
            return None
        with file.open("rb") as stream:
            photo = Photo(
                title=title[:255],
                caption=caption[:500],
                description=alt[:255],
                file=ImageFile(stream, name=file.name),
            )
            photo.save()
        index.insert_or_update_object(photo)
        ImportedItem.objects.create(
            source=self.source, kind="media", key=path, object_id=str(photo.pk)
        )
        return photo


@contextmanager
def indexed_in_place() -> Iterator[None]:
    """Each post's search and reference index entries written with the post, in its
    transaction, rather than by the background tasks that each of its saves would queue: a
    large archive would leave hours of them, and a search that misses the archive meanwhile.
    (The handlers are the process's: the import runs as a command of its own.)"""
    models = (ArticlePage, Author, Photo)
    for model in models:
        post_save.disconnect(search_signals.post_save_signal_handler, sender=model)
    try:
        with disable_reference_index_auto_update():
            yield
    finally:
        for model in models:
            post_save.connect(search_signals.post_save_signal_handler, sender=model)


class Skip(Exception):
    """A post the import leaves out, for the reason given."""
