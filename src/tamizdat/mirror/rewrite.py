"""Turn a page as the site serves it into the page of a static copy.

A streaming pass over the HTML (Python's own parser): every tag and text is written back as it
came, except the references a copy must change and the few things it adds. What to change is
asked of a `CopyPage`; this module only knows where in HTML references and insertions go.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape
from html.parser import HTMLParser

# Attributes that hold one address, per tag; `srcset` holds several.
URL_ATTRIBUTES = {
    "a": ("href",),
    "link": ("href",),
    "img": ("src",),
    "source": ("src",),
    "script": ("src",),
    "iframe": ("src",),
    "video": ("src", "poster"),
    "audio": ("src",),
    "form": ("action",),
}
SRCSET_TAGS = ("img", "source")

Attributes = list[tuple[str, str | None]]


@dataclass
class Insertions:
    """HTML the copy adds to a page, and what it changes in the page's own markup."""

    head_start: str = ""  # first thing in <head>: the policy must come before any load
    head_end: str = ""
    before_main: str = ""
    # Replaces each contribution form (with its contents) when the copy cannot take gifts.
    form_replacement: str | None = None
    after_form: str = ""
    after_search_form: str = ""
    # Elements left out of the copy (with their contents), by class: a figure that would go
    # stale in a copy, such as this month's funding progress.
    omit_classes: frozenset[str] = frozenset()
    # Changes to a tag's attributes: called with (tag, attributes), returns new attributes.
    attributes: Callable[[str, Attributes], Attributes] | None = None


@dataclass
class Result:
    html: str
    references: set[str] = field(default_factory=set)
    # The links of the "Read more" block, in order, as the site wrote them.
    read_more: list[str] = field(default_factory=list)


def _classes(attrs: Attributes) -> set[str]:
    return {name for key, value in attrs if key == "class" and value for name in value.split()}


def _tag(tag: str, attrs: Attributes, closed: bool = False) -> str:
    parts = [tag]
    for key, value in attrs:
        parts.append(key if value is None else f'{key}="{escape(value, quote=True)}"')
    return f"<{' '.join(parts)}{' /' if closed else ''}>"


class _Rewriter(HTMLParser):
    def __init__(self, resolve: Callable[[str], str], insertions: Insertions) -> None:
        super().__init__(convert_charrefs=False)
        self.resolve = resolve
        self.insertions = insertions
        self.out: list[str] = []
        self.references: set[str] = set()
        self.read_more: list[str] = []
        # The element being left out: its tag, how deep in it we are, and what follows it.
        self.skipped: tuple[str, int, str] | None = None
        self.in_contribution_form = False
        self.in_search_form = False
        self.in_read_more = False

    def _reference(self, value: str) -> str:
        self.references.add(value)
        return self.resolve(value)

    def _srcset(self, value: str) -> str:
        candidates = []
        for candidate in value.split(","):
            url, _, descriptor = candidate.strip().partition(" ")
            if url:
                candidates.append(f"{self._reference(url)} {descriptor}".strip())
        return ", ".join(candidates)

    def _rewrite(self, tag: str, attrs: Attributes) -> Attributes:
        names = URL_ATTRIBUTES.get(tag, ())
        rewritten: Attributes = []
        for key, value in attrs:
            if value is not None and key in names:
                if tag == "a" and key == "href" and self.in_read_more:
                    self.read_more.append(value)
                value = self._reference(value)
            elif value is not None and key == "srcset" and tag in SRCSET_TAGS:
                value = self._srcset(value)
            rewritten.append((key, value))
        if self.insertions.attributes is not None:
            rewritten = self.insertions.attributes(tag, rewritten)
        return rewritten

    def _emit_tag(self, tag: str, attrs: Attributes, closed: bool) -> None:
        new = self._rewrite(tag, attrs)
        raw = self.get_starttag_text() or _tag(tag, attrs, closed)
        self.out.append(raw if new == attrs else _tag(tag, new, closed))

    def _skip(self, tag: str, replacement: str, after: str) -> None:
        self.out.append(replacement)
        self.skipped = (tag, 1, after)

    def handle_starttag(self, tag: str, attrs: Attributes) -> None:
        if self.skipped is not None:
            skipped_tag, depth, after = self.skipped
            if tag == skipped_tag:
                self.skipped = (skipped_tag, depth + 1, after)
            return
        classes = _classes(attrs)
        if classes & self.insertions.omit_classes:
            self._skip(tag, "", "")
            return
        if tag == "form" and "contribution" in classes:
            if self.insertions.form_replacement is not None:
                self._skip(tag, self.insertions.form_replacement, self.insertions.after_form)
                return
            self.in_contribution_form = True
        self.in_search_form = self.in_search_form or (tag == "form" and "search-form" in classes)
        self.in_read_more = self.in_read_more or (tag == "section" and "read-more" in classes)
        if tag == "main":
            self.out.append(self.insertions.before_main)
        self._emit_tag(tag, attrs, closed=False)
        if tag == "head":
            self.out.append(self.insertions.head_start)

    def handle_startendtag(self, tag: str, attrs: Attributes) -> None:
        if self.skipped is None:
            self._emit_tag(tag, attrs, closed=True)

    def handle_endtag(self, tag: str) -> None:
        if self.skipped is not None:
            skipped_tag, depth, after = self.skipped
            if tag == skipped_tag:
                self.skipped = None if depth == 1 else (skipped_tag, depth - 1, after)
                if self.skipped is None:
                    self.out.append(after)
            return
        if tag == "head":
            self.out.append(self.insertions.head_end)
        self.out.append(f"</{tag}>")
        if tag == "form" and self.in_contribution_form:
            self.in_contribution_form = False
            self.out.append(self.insertions.after_form)
        elif tag == "form" and self.in_search_form:
            self.in_search_form = False
            self.out.append(self.insertions.after_search_form)
        elif tag == "section":
            # "Read more" holds no nested section.
            self.in_read_more = False

    def _text(self, text: str) -> None:
        if self.skipped is None:
            self.out.append(text)

    def handle_data(self, data: str) -> None:
        self._text(data)

    def handle_entityref(self, name: str) -> None:
        self._text(f"&{name};")

    def handle_charref(self, name: str) -> None:
        self._text(f"&#{name};")

    def handle_comment(self, data: str) -> None:
        self._text(f"<!--{data}-->")

    def handle_decl(self, decl: str) -> None:
        self._text(f"<!{decl}>")

    def handle_pi(self, data: str) -> None:
        self._text(f"<?{data}>")

    def unknown_decl(self, data: str) -> None:
        self._text(f"<![{data}]>")


def rewrite_html(html: str, resolve: Callable[[str], str], insertions: Insertions) -> Result:
    """The page with every reference passed through `resolve` and the insertions made; also
    every reference it held (as the site wrote it), for the export to follow."""
    parser = _Rewriter(resolve, insertions)
    parser.feed(html)
    parser.close()
    return Result(
        html="".join(parser.out), references=parser.references, read_more=parser.read_more
    )
