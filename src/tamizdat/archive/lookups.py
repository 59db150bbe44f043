"""What the posts of a WordPress import refer to (their language, home page, section, author
and photos), found or brought in once a run and then looked up from memory."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.files import File
from django.core.files.images import ImageFile
from django.db import transaction
from django.utils.html import strip_tags
from django.utils.text import slugify
from modelsearch import index
from wagtail.documents import get_document_model
from wagtail.documents.models import AbstractDocument
from wagtail.models import Locale

from tamizdat.news.models import Author, HomePage, Photo, SectionPage

from . import wxr
from .export import Export
from .files import IMAGE_SUFFIXES, Uploads
from .models import ImportedItem
from .redirects import Redirects

Document = get_document_model()
# WordPress's resized copies of an image: photo-300x200.jpg is photo.jpg.
RESIZED = re.compile(r"-\d+x\d+(?=\.\w+$)")


class Skip(Exception):
    """A post the import leaves out, for the reason given."""


class Lookups:
    def __init__(self, export: Export, uploads: Uploads, redirects: Redirects) -> None:
        self.export = export
        self.source = export.source
        self.uploads = uploads
        self.redirects = redirects
        self.default = Locale.objects.get(language_code=settings.LANGUAGE_CODE)
        # Filled as each post's transaction commits, so that a post rolled back leaves
        # nothing here that the database does not have.
        self.known: dict[tuple[str, str], Any] = {}

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

    def home(self, locale: Locale) -> HomePage:
        if ("home", locale.language_code) not in self.known:
            home = HomePage.objects.filter(locale=locale).first()
            if home is None:
                raise Skip(f"no home page in {locale.language_code}")
            self.known["home", locale.language_code] = home
        return self.known["home", locale.language_code]

    # Sections.

    def section(self, item: wxr.Item, locale: Locale) -> SectionPage:
        slug = next(iter(item.categories), "") or "uncategorized"
        key = f"{slug}:{locale.language_code}"
        if ("section", key) in self.known:
            return self.known["section", key]
        section = self.imported_section(key) or self.new_section(slug, locale)
        ImportedItem.objects.update_or_create(
            source=self.source, kind="section", key=key, defaults={"object_id": str(section.pk)}
        )
        self.redirects.archive(self.export.category_path(slug), section)
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
        category = self.export.categories.get(slug)
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
        for language, other in self.export.category_translations.get(slug, {}).items():
            if language == locale.language_code:
                continue
            if found := self.imported_section(f"{other}:{language}"):
                return found
            home = HomePage.objects.filter(locale__language_code=language).first()
            sections = SectionPage.objects.child_of(home) if home else SectionPage.objects.none()
            if found := sections.filter(slug=slugify(other)).first():
                return found
        return None

    # Authors.

    def author(self, login: str) -> Author | None:
        if not login:
            return None
        if ("author", login) in self.known:
            return self.known["author", login]
        record = ImportedItem.objects.filter(source=self.source, kind="author", key=login).first()
        if record is not None:
            found = Author.objects.filter(pk=int(record.object_id)).first()
            return self.remember("author", login, found)
        known = self.export.authors.get(login)
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
        self.redirects.archive(old, self.home(self.default), f"/authors/{slug}/")
        return self.remember("author", login, author)

    # Photos.

    def photo(self, url: str) -> Photo | None:
        """The photo an image address of a post shows, brought in once."""
        path = urlsplit(url).path
        attachment = self.export.by_url.get(path) or self.export.by_url.get(RESIZED.sub("", path))
        if attachment is not None:
            return self.attachment_photo(attachment)
        # An image the export has no attachment for: the file, else its original's.
        for candidate in dict.fromkeys((path, RESIZED.sub("", path))):
            if photo := self.media(
                candidate, title=Path(candidate).stem, caption="", alt="", credit=""
            ):
                return photo
        return None

    def gallery(self, post: int, ids: list[int]) -> list[tuple[str, Photo | None]]:
        """The photos of a [gallery] shortcode of post `post`: those of the attachments
        `ids`, or with none given the images attached to the post, in their order; each with
        what names it in a report."""
        if not ids:
            attached = self.export.children.get(post, [])
            ids = [
                attachment.id
                for attachment in attached
                if Path(urlsplit(attachment.attachment_url).path).suffix.lower() in IMAGE_SUFFIXES
            ]
        found: list[tuple[str, Photo | None]] = []
        for number in ids:
            attachment = self.export.attachments.get(number)
            if attachment is None:
                found.append((f"gallery item {number}, not in the export", None))
            else:
                photo = self.attachment_photo(attachment)
                url = attachment.attachment_url
                found.append((f"gallery item {number} ({url}){self.why(url)}", photo))
        return found

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
        file = self.uploads.get(path)
        if file is None:
            return None
        with file.stream as stream:
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

    def why(self, url: str) -> str:
        """Why the file at `url` was not found, in parentheses, where the import knows."""
        problem = self.uploads.problem(urlsplit(url).path)
        return f" ({problem})" if problem else ""

    # Links to the uploads folder.

    def upload_link(self, url: str) -> str:
        """The address here of the file a post links to in the old uploads folder: its photo's
        original, or a document (a PDF, a spreadsheet) brought in once; "" if not found."""
        path = urlsplit(url).path
        if Path(path).suffix.lower() in IMAGE_SUFFIXES:
            photo = self.photo(url)
            return photo.file.url if photo else ""
        document = self.document(path)
        return document.url if document else ""

    def document(self, path: str) -> AbstractDocument | None:
        if ("document", path) in self.known:
            return self.known["document", path]
        record = ImportedItem.objects.filter(source=self.source, kind="document", key=path)
        if found := record.first():
            document = Document.objects.filter(pk=int(found.object_id)).first()
            return self.remember("document", path, document)
        file = self.uploads.get(path)
        if file is None:
            return None
        attachment = self.export.by_url.get(path)
        with file.stream as stream:
            document = Document(
                title=(attachment.title if attachment else "") or Path(file.name).stem,
                file=File(stream, name=file.name),
            )
            document.save()
        index.insert_or_update_object(document)
        ImportedItem.objects.create(
            source=self.source, kind="document", key=path, object_id=str(document.pk)
        )
        return self.remember("document", path, document)
