"""Reading a WordPress export (WXR, an RSS file with WordPress's own elements), item by item.

The file is read as a stream: however large the archive, only one item is in memory at a time.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO
from xml.etree import ElementTree

WP = "{http://wordpress.org/export/1.2/}"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"
EXCERPT = "{http://wordpress.org/export/1.2/excerpt/}encoded"
CREATOR = "{http://purl.org/dc/elements/1.1/}creator"
PHP_INTEGER_ENTRY = re.compile(r's:\d+:"([^"]*)";i:(\d+);')


class MalformedExport(Exception):
    """The file is not XML past some point; what came before it was read."""


@dataclass
class Author:
    login: str
    name: str
    email: str
    bio: str


@dataclass
class Term:
    """A category, a tag, or another taxonomy's term (Polylang's groups of translations)."""

    kind: str  # "category", "post_tag", or the taxonomy's name
    slug: str
    name: str
    parent: str
    description: str
    id: int = 0
    meta: dict[str, str] = field(default_factory=dict)


@dataclass
class Item:
    """A post, page or attachment, with what the import reads of it."""

    id: int
    type: str
    status: str
    title: str
    link: str
    slug: str
    creator: str
    content: str
    excerpt: str
    published: datetime | None
    modified: datetime | None
    parent: int
    attachment_url: str
    categories: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    tag_slugs: list[str] = field(default_factory=list)
    # Polylang's or WPML's: the language's code and the group of translations it belongs to.
    language: str = ""
    translation_group: str = ""
    meta: dict[str, str] = field(default_factory=dict)
    # Every slug the post had before (WordPress keeps one meta row per former slug).
    former_slugs: list[str] = field(default_factory=list)
    digest: str = ""


def _text(element: ElementTree.Element, tag: str) -> str:
    found = element.find(tag)
    return (found.text or "").strip() if found is not None else ""


def _date(value: str) -> datetime | None:
    if not value or value.startswith("0000"):
        return None
    return datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)


def _number(element: ElementTree.Element, tag: str) -> int:
    value = _text(element, tag)
    return int(value) if value.isdigit() else 0


def _meta(element: ElementTree.Element, tag: str) -> dict[str, str]:
    return {
        _text(meta, f"{WP}meta_key"): _text(meta, f"{WP}meta_value")
        for meta in element.findall(tag)
    }


def php_string(serialized: str, key: str) -> str:
    """The string under `key` in a PHP-serialized array (how WordPress stores an image's
    metadata), or "". PHP counts a string's length in bytes."""
    data = serialized.encode()
    marker = f's:{len(key.encode())}:"{key}";s:'.encode()
    at = data.find(marker)
    if at < 0:
        return ""
    start = at + len(marker)
    colon = data.find(b":", start)
    length = data[start:colon]
    if not length.isdigit():
        return ""
    return data[colon + 2 : colon + 2 + int(length)].decode(errors="replace")


def php_integers(serialized: str) -> dict[str, int]:
    """The string keys and integer values of a PHP-serialized array (Polylang's groups of
    translations: language code to term or post id)."""
    return {key: int(value) for key, value in PHP_INTEGER_ENTRY.findall(serialized)}


def _item(element: ElementTree.Element) -> Item:
    def number(tag: str) -> int:
        return _number(element, tag)

    item = Item(
        id=number(f"{WP}post_id"),
        type=_text(element, f"{WP}post_type"),
        status=_text(element, f"{WP}status"),
        title=_text(element, "title"),
        link=_text(element, "link"),
        slug=_text(element, f"{WP}post_name"),
        creator=_text(element, CREATOR),
        content=(element.findtext(CONTENT) or ""),
        excerpt=_text(element, EXCERPT),
        published=_date(_text(element, f"{WP}post_date_gmt")),
        modified=_date(_text(element, f"{WP}post_modified_gmt")),
        parent=number(f"{WP}post_parent"),
        attachment_url=_text(element, f"{WP}attachment_url"),
        digest=hashlib.sha256(ElementTree.tostring(element)).hexdigest(),
    )
    for category in element.findall("category"):
        domain, slug = category.get("domain", ""), category.get("nicename", "")
        if domain == "category":
            item.categories.append(slug)
        elif domain == "post_tag":
            item.tags.append((category.text or slug).strip())
            item.tag_slugs.append(slug)
        elif domain == "language":
            item.language = slug
        elif domain == "post_translations":
            item.translation_group = slug
    item.meta = _meta(element, f"{WP}postmeta")
    item.former_slugs = [
        _text(meta, f"{WP}meta_value")
        for meta in element.findall(f"{WP}postmeta")
        if _text(meta, f"{WP}meta_key") == "_wp_old_slug" and _text(meta, f"{WP}meta_value")
    ]
    # WPML's "Export and Import" add-on writes the language and the group as post fields.
    item.language = item.language or item.meta.get("_wpml_import_language_code", "")
    item.translation_group = item.translation_group or item.meta.get(
        "_wpml_import_translation_group", ""
    )
    return item


def read(source: Path | IO[bytes]) -> Iterator[Author | Term | Item]:
    """The export's authors, categories, tags and items, in the file's order."""
    parser = ElementTree.iterparse(source, events=("end",))
    try:
        for _, element in parser:
            if element.tag == f"{WP}author":
                yield Author(
                    login=_text(element, f"{WP}author_login"),
                    name=_text(element, f"{WP}author_display_name")
                    or _text(element, f"{WP}author_login"),
                    email=_text(element, f"{WP}author_email"),
                    # WordPress exports no biography; some plugins add this element.
                    bio=_text(element, f"{WP}author_description"),
                )
            elif element.tag == f"{WP}category":
                yield Term(
                    kind="category",
                    slug=_text(element, f"{WP}category_nicename"),
                    name=_text(element, f"{WP}cat_name"),
                    parent=_text(element, f"{WP}category_parent"),
                    description=_text(element, f"{WP}category_description"),
                    id=_number(element, f"{WP}term_id"),
                    meta=_meta(element, f"{WP}termmeta"),
                )
            elif element.tag == f"{WP}term":
                yield Term(
                    kind=_text(element, f"{WP}term_taxonomy"),
                    slug=_text(element, f"{WP}term_slug"),
                    name=_text(element, f"{WP}term_name"),
                    parent=_text(element, f"{WP}term_parent"),
                    description=_text(element, f"{WP}term_description"),
                    id=_number(element, f"{WP}term_id"),
                )
            elif element.tag == f"{WP}tag":
                yield Term(
                    kind="post_tag",
                    slug=_text(element, f"{WP}tag_slug"),
                    name=_text(element, f"{WP}tag_name"),
                    parent="",
                    description="",
                )
            elif element.tag == "item":
                yield _item(element)
            else:
                continue
            element.clear()
    except ElementTree.ParseError as error:
        line, column = error.position
        raise MalformedExport(f"not valid XML at line {line}, column {column}") from error
