"""The first pass over a WordPress export, before any post: its authors, categories and
attachments, which categories translate which, and how many items it holds."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from . import wxr


@dataclass
class Export:
    source: str = ""  # the WordPress site's host name
    items: int = 0
    malformed: str = ""  # what is wrong with the file, where the reading stopped
    authors: dict[str, wxr.Author] = field(default_factory=dict)
    categories: dict[str, wxr.Term] = field(default_factory=dict)
    attachments: dict[int, wxr.Item] = field(default_factory=dict)
    by_url: dict[str, wxr.Item] = field(default_factory=dict)
    children: dict[int, list[wxr.Item]] = field(default_factory=dict)
    # A category's slug to its group of translations: language code to category slug.
    category_translations: dict[str, dict[str, str]] = field(default_factory=dict)

    def category_path(self, slug: str) -> str:
        """WordPress's address of a category's archive: its parents' slugs, then its own."""
        slugs = [slug]
        while (category := self.categories.get(slugs[0])) and category.parent:
            if category.parent in slugs:
                break  # a loop in the export's parents
            slugs.insert(0, category.parent)
        return f"/category/{'/'.join(slugs)}/"


def survey(path: Path) -> Export:
    export = Export()
    groups: list[dict[str, int]] = []  # Polylang's: language to category id
    try:
        for entry in wxr.read(path):
            if isinstance(entry, wxr.Author):
                export.authors[entry.login] = entry
            elif isinstance(entry, wxr.Term) and entry.kind == "category":
                export.categories[entry.slug] = entry
            elif isinstance(entry, wxr.Term) and entry.kind == "term_translations":
                groups.append(wxr.php_integers(entry.description))
            elif isinstance(entry, wxr.Item):
                export.items += 1
                if not export.source and entry.link:
                    export.source = urlsplit(entry.link).netloc
                if entry.type == "attachment":
                    export.attachments[entry.id] = entry
                    export.by_url[urlsplit(entry.attachment_url).path] = entry
                    export.children.setdefault(entry.parent, []).append(entry)
    except wxr.MalformedExport as error:
        export.malformed = str(error)
    link_category_translations(export, groups)
    return export


def link_category_translations(export: Export, groups: list[dict[str, int]]) -> None:
    """Which categories translate which: Polylang's groups of terms, or the language and
    group that WPML's Export and Import add-on writes as each category's fields."""
    slugs = {category.id: slug for slug, category in export.categories.items()}
    linked = [
        {language: slugs[term] for language, term in group.items() if term in slugs}
        for group in groups
    ]
    wpml: dict[str, dict[str, str]] = {}
    for slug, category in export.categories.items():
        language = category.meta.get("_wpml_import_language_code", "")
        group = category.meta.get("_wpml_import_translation_group", "")
        if language and group:
            wpml.setdefault(group, {})[language] = slug
    for translations in [*linked, *wpml.values()]:
        for slug in translations.values():
            export.category_translations[slug] = translations
