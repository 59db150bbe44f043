"""Where each address of the site lives in a static copy, and how one file of the copy names
another.

A copy must work from a static host's root, from a sub-path of a bucket (which resolves no
folder to its `index.html`) and from `file://`, so every reference is relative and names a file:
`/en/politics/` is `en/politics/index.html`, its archive page `?page=2` `en/politics/index-2.html`
(a name no page's slug can take), a feed `…/feed/index.xml`.
"""

from __future__ import annotations

from enum import Enum
from functools import lru_cache
from urllib.parse import parse_qsl, quote, unquote, urljoin, urlsplit

from django.conf import settings

FEED_SEGMENT = "feed"
# Addresses that no copy can answer: they take a POST, a signed link or an editor's session.
LIVE_PREFIXES = ("/admin/", "/django-admin/", "/documents/", "/prompts/", "/payments/")
NEWSLETTER_LIVE = frozenset({"subscribe", "confirm", "unsubscribe"})


class Kind(Enum):
    KEEP = "keep"  # left as written: a fragment, another site, mailto:
    PAGE = "page"  # rendered into the copy
    ASSET = "asset"  # a static file or media rendition, copied as it is
    LIVE = "live"  # only the live site answers it: the link names it absolutely


def media_prefix() -> str:
    """Where a copy keeps media files: under the site's own media address, or under /media/
    when the site serves them from a bucket's address elsewhere (`TAMIZDAT_MEDIA_STORAGE=s3`),
    which readers behind a block may not reach either."""
    return settings.MEDIA_URL if settings.MEDIA_URL.startswith("/") else "/media/"


def page_number(query: str) -> int | None:
    """The listing page a query selects: 0 for none (the listing's own address), the archive
    page's number for `page=`; None for any other query."""
    params = parse_qsl(query, keep_blank_values=True)
    if not params:
        return 0
    if len(params) == 1 and params[0][0] == "page" and params[0][1].isdigit():
        number = int(params[0][1])
        return number if number > 0 else None
    return None


def normalize(path: str, page: int = 0) -> str:
    """The one spelling of a page's address that the export keys its files by."""
    return f"{path}?page={page}" if page else path


# Every page names the same few hundred addresses (the sections, the tags, the language links):
# what each one is, and its file, is worked out once per process.
@lru_cache(maxsize=65536)
def file_for(url: str) -> str:
    """The copy's file (relative to its root, not quoted) for a normalized address."""
    path, _, query = url.partition("?")
    path = unquote(path)
    if not path.endswith("/"):
        return path.lstrip("/")
    folder = path.lstrip("/")
    if path.rstrip("/").rsplit("/", 1)[-1] == FEED_SEGMENT:
        return f"{folder}index.xml"
    page = page_number(query)
    return f"{folder}index-{page}.html" if page else f"{folder}index.html"


def relative(from_file: str, to_file: str) -> str:
    """A reference from one file of the copy to another, quoted for an attribute."""
    start = from_file.split("/")[:-1]
    target = to_file.split("/")
    common = 0
    while common < min(len(start), len(target)) and start[common] == target[common]:
        common += 1
    steps = [".."] * (len(start) - common) + target[common:]
    return quote("/".join(steps) or ".", safe="/-._~")


def from_root(to_file: str) -> str:
    """A reference to a file of the copy from the root of the host that serves it."""
    return "/" + quote(to_file, safe="/-._~")


def _is_live(path: str) -> bool:
    if path.startswith(LIVE_PREFIXES):
        return True
    # Under a language's support pages only the form itself is a page of the copy; the
    # thank-you, checkout and self-service pages belong to one reader and the live site. So
    # do a newsletter's sign-up and its signed links; its archive is a page of the copy.
    parts = path.strip("/").split("/")
    if len(parts) > 2 and parts[1] == "newsletters":
        return parts[2] in NEWSLETTER_LIVE
    return len(parts) > 2 and parts[1] == "support"


def classify(reference: str, base_path: str) -> tuple[Kind, str]:
    """What a reference found on the page at `base_path` is, with its normalized address."""
    if not reference or reference.startswith("#"):
        return Kind.KEEP, reference
    if reference.startswith(settings.MEDIA_URL) and not settings.MEDIA_URL.startswith("/"):
        return Kind.ASSET, media_prefix() + urlsplit(reference[len(settings.MEDIA_URL) :]).path
    if reference.startswith("/") and not reference.startswith("//"):
        return _classify_absolute(reference)
    return _classify(reference, base_path)


@lru_cache(maxsize=65536)
def _classify_absolute(reference: str) -> tuple[Kind, str]:
    return _classify(reference, "/")


def _classify(reference: str, base_path: str) -> tuple[Kind, str]:
    parts = urlsplit(reference)
    if parts.scheme or parts.netloc:
        return Kind.KEEP, reference
    absolute = urlsplit(urljoin(base_path, reference))
    path = absolute.path
    if path.startswith((settings.STATIC_URL, media_prefix())):
        return Kind.ASSET, path
    page = page_number(absolute.query)
    if _is_live(path) or page is None:
        return Kind.LIVE, absolute.path + (f"?{absolute.query}" if absolute.query else "")
    return Kind.PAGE, normalize(path, page)


def live_base(path: str) -> str:
    """The live address that answers what a copy cannot: gifts and newsletter sign-ups go to
    the configured giving address (the main site may be blocked), anything else to the main
    site."""
    parts = path.strip("/").split("/")
    if len(parts) > 1 and parts[1] in ("support", "newsletters") and settings.MIRROR_GIVING_URL:
        return settings.MIRROR_GIVING_URL
    return settings.BASE_URL
