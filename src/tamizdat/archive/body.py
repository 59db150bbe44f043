"""A WordPress post's HTML as an article's body: paragraphs, subheadings, photos, quotes and
outside media, with the HTML sanitised to what a paragraph may hold.

WordPress stores classic posts without paragraph tags (blank lines separate paragraphs), block
editor posts with their blocks in HTML comments, captions, embeds and galleries as shortcodes.
All three are read. Nothing the page would load from another site survives: iframes and embeds
become outside media, which load only when the reader asks.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import nh3
from bs4 import BeautifulSoup, NavigableString, Tag

PARAGRAPH_TAGS = {"a", "b", "i", "br", "ul", "ol", "li"}
RENAMED = {"strong": "b", "em": "i"}
# What a [gallery] shortcode stands for until the converter meets it.
GALLERY_TAG = "tamizdat-gallery"
BLOCK_TAGS = re.compile(
    rf"^\s*<(p|h[1-6]|ul|ol|blockquote|figure|div|iframe|img|table|{GALLERY_TAG})\b", re.I
)
CAPTION = re.compile(r"\[caption[^\]]*\](.*?)\[/caption\]", re.S | re.I)
EMBED = re.compile(r"\[embed[^\]]*\](.*?)\[/embed\]", re.S | re.I)
GALLERY = re.compile(r"\[gallery\b([^\]]*)\]", re.I)
GALLERY_IDS = re.compile(r"\b(?:ids|include)\s*=\s*[\"']?([\d,\s]*)", re.I)
SHORTCODE = re.compile(r"\[/?[a-z_][\w-]*(?:\s[^\]]*)?\]", re.I)
COMMENT = re.compile(r"<!--.*?-->", re.S)
URL_LINE = re.compile(r"^https?://\S+$")


@dataclass
class Body:
    blocks: list[tuple[str, Any]] = field(default_factory=list)
    # Images the post shows whose file the import could not find.
    missing: list[str] = field(default_factory=list)


# Finds the photo for an image address: a Photo, or None when the file is not there.
PhotoLookup = Callable[[str], Any]
# The photos of a [gallery] shortcode's attachment ids (none given: the post's own images),
# each with what names it in a report and its Photo, or None when it is not found.
GalleryLookup = Callable[[list[int]], list[tuple[str, Any]]]


def _paragraphs(html: str) -> str:
    """WordPress's automatic paragraphs: text separated by blank lines is a paragraph."""
    chunks = re.split(r"\n\s*\n", html.replace("\r\n", "\n"))
    return "\n".join(
        chunk if BLOCK_TAGS.match(chunk) or not chunk.strip() else f"<p>{chunk.strip()}</p>"
        for chunk in chunks
    )


def _prepare(html: str) -> str:
    html = COMMENT.sub("", html)
    html = CAPTION.sub(_caption_figure, html)
    html = EMBED.sub(lambda match: f"\n\n{match[1].strip()}\n\n", html)
    html = GALLERY.sub(_gallery_tag, html)
    html = SHORTCODE.sub("", html)
    return _paragraphs(html)


def _gallery_tag(match: re.Match[str]) -> str:
    found = GALLERY_IDS.search(match[1])
    ids = ",".join(part for part in re.split(r"[\s,]+", found[1]) if part) if found else ""
    return f'\n\n<{GALLERY_TAG} ids="{ids}"></{GALLERY_TAG}>\n\n'


def _caption_figure(match: re.Match[str]) -> str:
    inner = BeautifulSoup(match[1], "html.parser")
    image = inner.find("img")
    if image is not None:
        image.extract()
    caption = inner.get_text(" ", strip=True)
    return f"\n\n<figure>{image or ''}<figcaption>{caption}</figcaption></figure>\n\n"


def rich_text(html: str) -> str:
    """HTML reduced to what a paragraph block holds, in Wagtail's stored form."""
    for old, new in RENAMED.items():
        html = re.sub(rf"<(/?){old}\b", rf"<\g<1>{new}", html, flags=re.I)
    return nh3.clean(
        html,
        tags=PARAGRAPH_TAGS,
        attributes={"a": {"href"}},
        url_schemes={"http", "https", "mailto"},
        link_rel=None,
    ).strip()


def _media(url: str) -> tuple[str, Any]:
    host = urlsplit(url).hostname or url
    return ("external_media", {"url": url, "title": host.removeprefix("www.")})


class _Converter:
    def __init__(self, photo: PhotoLookup, gallery: GalleryLookup) -> None:
        self.photo = photo
        self.gallery = gallery
        self.body = Body()

    def add_photo(self, image: Tag, caption: str = "") -> None:
        src = str(image.get("src", ""))
        found = self.photo(src) if src else None
        if found is None:
            if src:
                self.body.missing.append(src)
            return
        value = {"image": found, "caption": caption, "credit": "", "alt": image.get("alt", "")}
        self.body.blocks.append(("photo", value))

    def paragraph(self, html: str) -> None:
        if cleaned := rich_text(html):
            if not cleaned.startswith(("<ul", "<ol")):
                cleaned = f"<p>{cleaned}</p>"
            self.body.blocks.append(("paragraph", cleaned))

    def node(self, node: Any) -> None:
        if isinstance(node, NavigableString):
            text = str(node).strip()
            if URL_LINE.match(text):
                self.body.blocks.append(_media(text))
            elif text:
                self.paragraph(text)
            return
        if not isinstance(node, Tag):
            return
        name = node.name.lower()
        text = node.get_text(" ", strip=True)
        if name in ("script", "style", "noscript", "form"):
            return
        if name in ("h1", "h2", "h3", "h4", "h5", "h6"):
            if text:
                self.body.blocks.append(("subheading", text))
        elif name == "blockquote":
            cite = node.find("cite")
            attribution = cite.extract().get_text(" ", strip=True) if cite else ""
            if quote := node.get_text(" ", strip=True):
                self.body.blocks.append(("quote", {"text": quote, "attribution": attribution}))
        elif name == GALLERY_TAG:
            ids = [int(part) for part in str(node.get("ids", "")).split(",") if part]
            for label, found in self.gallery(ids):
                if found is None:
                    self.body.missing.append(label)
                else:
                    # The photo's own caption and description, as WordPress shows them.
                    value = {"image": found, "caption": "", "credit": "", "alt": ""}
                    self.body.blocks.append(("photo", value))
        elif name == "iframe":
            if src := str(node.get("src", "")):
                self.body.blocks.append(_media(src))
        elif name == "img":
            self.add_photo(node)
        elif name == "figure":
            image = node.find("img")
            caption = node.find("figcaption")
            if gallery := node.find_all("figure"):
                # The block editor's gallery: a figure of figures, each with its caption.
                for figure in gallery:
                    self.node(figure)
            elif pulled := node.find("blockquote"):
                self.node(pulled)  # the block editor's pull quote
            elif image is not None:
                self.add_photo(image, caption.get_text(" ", strip=True) if caption else "")
            elif frame := node.find("iframe"):
                self.node(frame)
            elif URL_LINE.match(text):
                self.body.blocks.append(_media(text))
        elif name in ("div", "section", "article", "main", "center"):
            for child in node.children:
                self.node(child)
        elif name in ("ul", "ol"):
            self.paragraph(str(node))
        elif name == "p" and URL_LINE.match(text) and not node.find("a"):
            self.body.blocks.append(_media(text))
        else:
            images = node.find_all("img")
            for image in images:
                image.extract()
            if name == "p":
                self.paragraph(node.decode_contents())
            elif text:
                self.paragraph(str(node))
            for image in images:
                self.add_photo(image)


def convert(html: str, photo: PhotoLookup, gallery: GalleryLookup) -> Body:
    """The blocks of a post whose content is `html`."""
    converter = _Converter(photo, gallery)
    for node in BeautifulSoup(_prepare(html), "html.parser").children:
        converter.node(node)
    return converter.body
