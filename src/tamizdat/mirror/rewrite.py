"""Turn a page as the site serves it into the page of a static copy.

One pass of regular expressions over the HTML: every tag and text is written back as it came,
except the references a copy must change and the few things it adds. A full HTML parser spent
most of its time on the thousands of tags a copy leaves alone; the site's own templates write
well-formed HTML, so finding tags and their quoted attributes is enough. What to change is
asked of the caller; this module only knows where in HTML references and insertions go.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape, unescape

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
# Tags the rewriter looks into even when they hold no address.
MARKED_TAGS = frozenset({"head", "main", "section", "form", "article", *URL_ATTRIBUTES})
VOID_TAGS = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link"})
VOID_TAGS |= {"meta", "source", "track", "wbr"}
# Their contents are text, not markup: a `<` in a script is not a tag.
RAW_TEXT_ENDS = {tag: re.compile(rf"</{tag}", re.IGNORECASE) for tag in ("script", "style")}

TOKEN = re.compile(
    r"<!--.*?-->|<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>", re.DOTALL
)
ATTRIBUTE = re.compile(r"""([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")

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
    # The first element with this class (one of the marked tags), as written, is returned
    # apart: the part of the page the search index reads.
    extract_class: str = ""


@dataclass
class Result:
    html: str
    # The links of the "Read more" block, in order, as the site wrote them.
    read_more: list[str] = field(default_factory=list)
    # The element of `Insertions.extract_class`, as written into `html`; "" when none.
    extracted: str = ""


def _attributes(text: str) -> Attributes:
    attrs: Attributes = []
    for match in ATTRIBUTE.finditer(text):
        name, double, single, bare = match.groups()
        value = next((v for v in (double, single, bare) if v is not None), None)
        if value is not None and "&" in value:
            value = unescape(value)
        attrs.append((name.lower(), value))
    return attrs


def _classes(attrs: Attributes) -> set[str]:
    return {name for key, value in attrs if key == "class" and value for name in value.split()}


def _tag(tag: str, attrs: Attributes, closed: bool) -> str:
    parts = [tag]
    for key, value in attrs:
        parts.append(key if value is None else f'{key}="{escape(value, quote=True)}"')
    return f"<{' '.join(parts)}{' /' if closed else ''}>"


class _Rewriter:
    def __init__(self, html: str, resolve: Callable[[str], str], insertions: Insertions) -> None:
        self.html = html
        self.resolve = resolve
        self.insertions = insertions
        self.out: list[str] = []
        self.read_more: list[str] = []
        # What follows each open form or section the rewriter watches: its insertion.
        self.open_forms: list[str] = []
        self.in_read_more = False
        self.omit = insertions.omit_classes
        # Where the extracted element starts in `out`, its tag, and how deep in it we are.
        self.extract_start: int | None = None
        self.extract_tag = ""
        self.extract_depth = 0
        self.extracted = ""

    def run(self) -> str:
        html, position = self.html, 0
        while match := TOKEN.search(html, position):
            self.out.append(html[position : match.start()])
            position = match.end()
            closing, name, attr_text = match.group(1), match.group(2), match.group(3)
            if name is None:  # a comment
                self.out.append(match.group(0))
                continue
            tag = name.lower()
            if closing:
                self._end(tag, match.group(0))
                continue
            closed = attr_text.endswith("/")
            if tag in MARKED_TAGS or any(name in attr_text for name in self.omit):
                position = self._start(tag, attr_text, closed, match.group(0), position)
            else:
                self.out.append(match.group(0))
            raw_text_end = RAW_TEXT_ENDS.get(tag)
            if raw_text_end is not None and not closed:
                end_match = raw_text_end.search(html, position)
                end = end_match.start() if end_match else len(html)
                self.out.append(html[position:end])
                position = end
        self.out.append(html[position:])
        return "".join(self.out)

    def _start(self, tag: str, attr_text: str, closed: bool, raw: str, position: int) -> int:
        """Write a start tag (or what replaces it); returns where to read on."""
        attrs = _attributes(attr_text)
        classes = _classes(attrs)
        if classes & self.omit and not closed:
            return self._skip(tag, position)
        if tag == "form" and not closed:
            if "contribution" in classes and self.insertions.form_replacement is not None:
                self.out.append(self.insertions.form_replacement + self.insertions.after_form)
                return self._skip(tag, position)
            if "contribution" in classes:
                self.open_forms.append(self.insertions.after_form)
            elif "search-form" in classes:
                self.open_forms.append(self.insertions.after_search_form)
            else:
                self.open_forms.append("")
        if tag == "section" and "read-more" in classes:
            self.in_read_more = True
        if tag == "main":
            self.out.append(self.insertions.before_main)
        if self.extract_start is not None and tag == self.extract_tag and not closed:
            self.extract_depth += 1
        elif (
            not self.extracted
            and self.extract_start is None
            and self.insertions.extract_class in classes
            and tag not in VOID_TAGS
        ):
            self.extract_start, self.extract_tag, self.extract_depth = len(self.out), tag, 1
        new = self._rewrite(tag, attrs)
        self.out.append(raw if new == attrs else _tag(tag, new, closed))
        if tag == "head":
            self.out.append(self.insertions.head_start)
        return position

    def _skip(self, tag: str, position: int) -> int:
        """Leave out the element that starts before `position`, contents and all; returns
        where it ends."""
        if tag in VOID_TAGS:
            return position
        depth = 1
        pattern = re.compile(rf"<(/?){tag}\b[^>]*>", re.IGNORECASE)
        while depth and (match := pattern.search(self.html, position)):
            depth += -1 if match.group(1) else 1
            position = match.end()
        return position if depth == 0 else len(self.html)

    def _end(self, tag: str, raw: str) -> None:
        if tag == "head":
            self.out.append(self.insertions.head_end)
        self.out.append(raw)
        if self.extract_start is not None and tag == self.extract_tag:
            self.extract_depth -= 1
            if not self.extract_depth:
                self.extracted = "".join(self.out[self.extract_start :])
                self.extract_start = None
        if tag == "form" and self.open_forms:
            self.out.append(self.open_forms.pop())
        elif tag == "section":
            # "Read more" holds no nested section.
            self.in_read_more = False

    def _srcset(self, value: str) -> str:
        candidates = []
        for candidate in value.split(","):
            url, _, descriptor = candidate.strip().partition(" ")
            if url:
                candidates.append(f"{self.resolve(url)} {descriptor}".strip())
        return ", ".join(candidates)

    def _rewrite(self, tag: str, attrs: Attributes) -> Attributes:
        names = URL_ATTRIBUTES.get(tag, ())
        rewritten: Attributes = []
        for key, value in attrs:
            if value is not None and key in names:
                if tag == "a" and key == "href" and self.in_read_more:
                    self.read_more.append(value)
                value = self.resolve(value)
            elif value is not None and key == "srcset" and tag in SRCSET_TAGS:
                value = self._srcset(value)
            rewritten.append((key, value))
        if self.insertions.attributes is not None:
            rewritten = self.insertions.attributes(tag, rewritten)
        return rewritten


def rewrite_html(html: str, resolve: Callable[[str], str], insertions: Insertions) -> Result:
    """The page with every reference passed through `resolve` and the insertions made, and the
    links of its "Read more" block."""
    rewriter = _Rewriter(html, resolve, insertions)
    return Result(html=rewriter.run(), read_more=rewriter.read_more, extracted=rewriter.extracted)
