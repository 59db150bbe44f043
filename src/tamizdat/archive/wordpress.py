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
from django.db.models import F
from django.db.models.signals import post_save
from django.utils.html import strip_tags
from django.utils.text import Truncator, slugify
from modelsearch import index
from modelsearch import signal_handlers as search_signals
from modelsearch.backends import get_search_backends
from wagtail.contrib.redirects.models import Redirect
from wagtail.models import Locale, Page, ReferenceIndex
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
# Articles indexed for search and references at a time, after the posts.
INDEX_BATCH = 500


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
        # A category's slug to its group of translations: language code to category slug.
        self.category_translations: dict[str, dict[str, str]] = {}
        self.default = Locale.objects.get(language_code=settings.LANGUAGE_CODE)
        # What posts refer to, looked up once a run; filled as each post's transaction commits,
        # so that a post rolled back leaves nothing here that the database does not have.
        self.known: dict[tuple[str, str], Any] = {}

    # Reading.

    def survey(self) -> int:
        """First pass: the export's authors, categories and attachments; how many items."""
        count = 0
        groups: list[dict[str, int]] = []  # Polylang's: language to category id
        try:
            for entry in wxr.read(self.path):
                if isinstance(entry, wxr.Author):
                    self.authors[entry.login] = entry
                elif isinstance(entry, wxr.Term) and entry.kind == "category":
                    self.categories[entry.slug] = entry
                elif isinstance(entry, wxr.Term) and entry.kind == "term_translations":
                    groups.append(wxr.php_integers(entry.description))
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
        self.link_category_translations(groups)
        return count

    def link_category_translations(self, groups: list[dict[str, int]]) -> None:
        """Which categories translate which: Polylang's groups of terms, or the language and
        group that WPML's Export and Import add-on writes as each category's fields."""
        slugs = {category.id: slug for slug, category in self.categories.items()}
        linked = [
            {language: slugs[term] for language, term in group.items() if term in slugs}
            for group in groups
        ]
        wpml: dict[str, dict[str, str]] = {}
        for slug, category in self.categories.items():
            language = category.meta.get("_wpml_import_language_code", "")
            group = category.meta.get("_wpml_import_translation_group", "")
            if language and group:
                wpml.setdefault(group, {})[language] = slug
        for translations in [*linked, *wpml.values()]:
            for slug in translations.values():
                self.category_translations[slug] = translations

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
        index_imported(self.source)
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
            "title": (item.title or item.slug)[:255],
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
        # Its fields are checked; Wagtail's page checks are not: the slug was made unique
        # above and the database's constraints hold the rest. No "created" entry in the
        # page's history: the import's own record says where it came from.
        article.clean_fields()
        article.save(clean=False, log_action=None)
        if record is None:
            Page.objects.filter(pk=section.pk).update(numchild=F("numchild") + 1)
            self.report.created += 1
        else:
            self.report.updated += 1
        self.redirect(item, article)
        self.archive_redirects(item, article)
        values = {"object_id": str(article.pk), "digest": item.digest, "indexed": False}
        if record is None:
            ImportedItem.objects.create(source=self.source, kind="post", key=str(item.id), **values)
        else:
            ImportedItem.objects.filter(pk=record.pk).update(**values)

    def new_article(
        self, item: wxr.Item, locale: Locale, section: SectionPage, fields: dict[str, Any]
    ) -> ArticlePage:
        slug = slugify(item.slug or item.title)[:200] or f"post-{item.id}"
        children = Page.objects.filter(path__startswith=section.path, depth=section.depth + 1)
        if children.filter(slug=slug).exists():
            slug = f"{slug[:190]}-{item.id}"
        # The place in the tree that treebeard's `add_child` works out, read as one column
        # where it loads the whole last child.
        last = children.order_by("-path").values_list("path", flat=True).first()
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

    def remember(self, kind: str, key: str, value: Any) -> Any:
        """`value`, looked up again from memory once the post's transaction commits."""
        transaction.on_commit(lambda: self.known.__setitem__((kind, key), value))
        return value

    def locale(self, item: wxr.Item) -> Locale:
        if not item.language:
            return self.default
        if ("locale", item.language) in self.known:
            locale = self.known["locale", item.language]
        else:
            locale = Locale.objects.filter(language_code=item.language).first()
            self.known["locale", item.language] = locale
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
        if ("section", key) in self.known:
            return self.known["section", key]
        section = self.imported_section(key) or self.new_section(slug, locale)
        ImportedItem.objects.update_or_create(
            source=self.source, kind="section", key=key, defaults={"object_id": str(section.pk)}
        )
        self.archive_redirect(self.category_path(slug), section)
        return self.remember("section", key, section)

    def imported_section(self, key: str) -> SectionPage | None:
        record = ImportedItem.objects.filter(source=self.source, kind="section", key=key).first()
        if record is None:
            return None
        return SectionPage.objects.filter(pk=int(record.object_id)).first()

    def new_section(self, slug: str, locale: Locale) -> SectionPage:
        """The section of a category in `locale`: the translation of the section its
        translation in another language became, the site's own section of that name, or a
        new one."""
        home = self.home(locale)
        partner = self.translated_section(slug, locale)
        if partner is not None:
            translation = SectionPage.objects.filter(
                translation_key=partner.translation_key, locale=locale
            ).first()
            if translation is not None:
                return translation
        elif found := SectionPage.objects.child_of(home).filter(slug=slugify(slug)).first():
            return found
        category = self.categories.get(slug)
        section = SectionPage(
            title=category.name if category else slug.replace("-", " ").title(),
            slug=slugify(slug) or "section",
            intro=strip_tags(category.description) if category else "",
            locale=locale,
        )
        if partner is not None:
            section.translation_key = partner.translation_key
        home.add_child(instance=section)
        section.save_revision().publish()
        return section

    def translated_section(self, slug: str, locale: Locale) -> SectionPage | None:
        """The section that a translation of category `slug` became in another language."""
        for language, other in self.category_translations.get(slug, {}).items():
            if language == locale.language_code:
                continue
            if found := self.imported_section(f"{other}:{language}"):
                return found
            home = HomePage.objects.filter(locale__language_code=language).first()
            sections = SectionPage.objects.child_of(home) if home else SectionPage.objects.none()
            if found := sections.filter(slug=slugify(other)).first():
                return found
        return None

    def home(self, locale: Locale) -> HomePage:
        if ("home", locale.language_code) not in self.known:
            home = HomePage.objects.filter(locale=locale).first()
            if home is None:
                raise Skip(f"no home page in {locale.language_code}")
            self.known["home", locale.language_code] = home
        return self.known["home", locale.language_code]

    def category_path(self, slug: str) -> str:
        """WordPress's address of a category's archive: its parents' slugs, then its own."""
        slugs = [slug]
        while (category := self.categories.get(slugs[0])) and category.parent:
            if category.parent in slugs:
                break  # a loop in the export's parents
            slugs.insert(0, category.parent)
        return f"/category/{'/'.join(slugs)}/"

    def archive_redirect(self, old: str, page: Page, route: str = "") -> None:
        """An old archive page's address (a category's, a tag's, an author's, a day's, a
        month's or a year's) as a permanent redirect to the page that replaces it."""
        path = Redirect.normalise_path(old)
        if ("redirect", path) in self.known:
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
        self.remember("redirect", path, True)

    def author(self, login: str) -> Author | None:
        if not login:
            return None
        if ("author", login) in self.known:
            return self.known["author", login]
        record = ImportedItem.objects.filter(source=self.source, kind="author", key=login).first()
        if record is not None:
            found = Author.objects.filter(pk=int(record.object_id)).first()
            return self.remember("author", login, found)
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
        # WordPress's address of an author's archive has the login as a slug (its "nicename").
        old = f"/author/{slugify(login.replace('.', '-'))}/"
        self.archive_redirect(old, self.home(self.default), f"/authors/{slug}/")
        return self.remember("author", login, author)

    def redirect(self, item: wxr.Item, article: ArticlePage) -> None:
        old = {f"/?p={item.id}"}
        if item.link:
            old.add(urlsplit(item.link).path or "/")
        for attachment in self.children.get(item.id, ()):
            if attachment.link:
                old.add(urlsplit(attachment.link).path)
        paths = {Redirect.normalise_path(path) for path in old} - {"", "/"}
        existing = Redirect.objects.filter(site=None, old_path__in=paths)
        existing.update(redirect_page=article, redirect_link="", is_permanent=True)
        new = paths - set(existing.values_list("old_path", flat=True))
        Redirect.objects.bulk_create(
            Redirect(site=None, old_path=path, redirect_page=article, is_permanent=True)
            for path in sorted(new)
        )
        self.report.redirects += len(paths)

    def archive_redirects(self, item: wxr.Item, article: ArticlePage) -> None:
        """The archives of the post's tags and of its day, month and year, the first time a
        run sees them: tags to the tag's page, dates to the front page."""
        home = self.home(article.locale)
        old_tags = [
            slug
            for slug in item.tag_slugs
            if ("redirect", Redirect.normalise_path(f"/tag/{slug}/")) not in self.known
        ]
        if old_tags:
            new = {tag.name: tag.slug for tag in article.tags.all()}
            for name, slug in zip(item.tags, item.tag_slugs, strict=True):
                if slug in old_tags and name[:100] in new:
                    self.archive_redirect(f"/tag/{slug}/", home, f"/tags/{new[name[:100]]}/")
        if item.published:
            day = item.published
            front = self.home(self.default)
            for path in (f"/{day:%Y}/", f"/{day:%Y/%m}/", f"/{day:%Y/%m/%d}/"):
                self.archive_redirect(path, front)

    def photo(self, url: str) -> Photo | None:
        """The photo an image address of a post shows, brought in once."""
        path = urlsplit(url).path
        attachment = self.by_url.get(path) or self.by_url.get(RESIZED.sub("", path))
        if attachment is not None:
            return self.attachment_photo(attachment)
        return self.media(path, title=Path(path).stem, caption="", alt="", credit="")

    def attachment_photo(self, attachment: wxr.Item) -> Photo | None:
        # The Media Credit plugin's field, or what WordPress read from the file's IPTC data.
        metadata = attachment.meta.get("_wp_attachment_metadata", "")
        credit = (
            attachment.meta.get("_media_credit", "")
            or wxr.php_string(metadata, "credit")
            or wxr.php_string(metadata, "copyright")
        )
        return self.media(
            urlsplit(attachment.attachment_url).path,
            title=attachment.title or Path(attachment.attachment_url).stem,
            caption=strip_tags(attachment.excerpt),
            alt=attachment.meta.get("_wp_attachment_image_alt", ""),
            credit=strip_tags(credit),
        )

    def media(self, path: str, title: str, caption: str, alt: str, credit: str) -> Photo | None:
        if ("media", path) in self.known:
            return self.known["media", path]
        record = ImportedItem.objects.filter(source=self.source, kind="media", key=path).first()
        if record is not None:
            found = Photo.objects.filter(pk=int(record.object_id)).first()
            return self.remember("media", path, found)
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
                credit=credit[:255],
                file=ImageFile(stream, name=file.name),
            )
            photo.save()
        index.insert_or_update_object(photo)
        ImportedItem.objects.create(
            source=self.source, kind="media", key=path, object_id=str(photo.pk)
        )
        return self.remember("media", path, photo)


def index_imported(source: str) -> None:
    """The search and reference index entries of the articles imported from `source` that
    have none yet, written in batches after the posts (one pass over the search index a
    batch, where a post at a time took one each). Also what an interrupted run left."""
    pending = ImportedItem.objects.filter(source=source, kind="post", indexed=False)
    while batch := list(pending.values_list("pk", "object_id")[:INDEX_BATCH]):
        with transaction.atomic():
            ids = [int(object_id) for _, object_id in batch]
            articles = list(ArticlePage.objects.filter(pk__in=ids))
            for backend in get_search_backends(with_auto_update=True):
                backend.add_bulk(ArticlePage, articles)
            for article in articles:
                ReferenceIndex.create_or_update_for_object(article)
            ImportedItem.objects.filter(pk__in=[pk for pk, _ in batch]).update(indexed=True)


@contextmanager
def indexed_in_place() -> Iterator[None]:
    """The search and reference index entries written by the import itself rather than by
    the background tasks that each save would queue: a large archive would leave hours of
    them, and a search that misses the archive meanwhile. (The handlers are the process's:
    the import runs as a command of its own.)"""
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
