"""One file of the copy: rendered by the site's own stack, from the templates readers get, then
made into a copy's page (relative references, the notice, a <meta> policy, gifts to the live
address)."""

from __future__ import annotations

import functools
import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.core.handlers.base import BaseHandler
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.test import RequestFactory
from django.utils import translation

from . import paths
from .rewrite import Attributes, Insertions, rewrite_html

COPY_INFO = "/copy-info.js"
COPY_ASSETS = ("mirror/copy.js", "mirror/copy.css")
SKIPPED_CLASSES = frozenset({"goal-meter", "prompt-goal"})
# The element of a story that the search index reads (`data-pagefind-body`).
INDEXED_CLASS = "article"
PUBLIC_FILE_MODE = 0o644
PUBLIC_FOLDER_MODE = 0o755


@dataclass(frozen=True)
class CopySettings:
    """Everything a copy's pages depend on besides the content; a copy made with other
    settings is made again whole."""

    base_url: str
    giving_url: str
    onion: str
    bank: tuple[tuple[str, str], ...]
    languages: tuple[str, ...]

    @classmethod
    def current(cls) -> CopySettings:
        bank = settings.BANK_TRANSFER
        return cls(
            base_url=settings.BASE_URL,
            giving_url=settings.MIRROR_GIVING_URL,
            onion=settings.ONION_ADDRESS,
            bank=tuple(
                (key, str(bank[key])) for key in ("account_holder", "iban", "bic", "bank_name")
            )
            if bank.get("iban")
            else (),
            languages=tuple(code for code, _ in settings.LANGUAGES),
        )

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()

    def origin(self, url: str) -> str:
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.netloc}" if parts.netloc else ""

    def policy(self, served: str, search: bool) -> str:
        """The policy the site served with the page (`served`), as a <meta> policy: still
        nothing from any other site, but the form may go to the live giving address. A
        <meta> policy cannot carry frame-ancestors; the search page runs Pagefind's
        WebAssembly."""
        directives: dict[str, list[str]] = {}
        for directive in (served or _site_policy()).split(";"):
            if not directive.strip():
                continue
            name, *values = directive.split()
            if name not in ("frame-ancestors", "report-uri", "report-to", "sandbox"):
                directives[name] = values
        giving = self.origin(self.giving_url)
        if giving:
            directives.setdefault("form-action", []).append(giving)
            directives.setdefault("connect-src", []).append(giving)
        if search:
            directives.setdefault("script-src", []).append("'wasm-unsafe-eval'")
        # The site's header lists directives and sources in no fixed order from one process to
        # the next; the same copy must be the same bytes whichever process made the page.
        return "; ".join(
            f"{name} {' '.join(sorted(set(values)))}" for name, values in sorted(directives.items())
        )


def _site_policy() -> str:
    """The site's base policy, for a response that came without one."""
    directives = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


@dataclass
class Rendered:
    """What the export keeps about one address of the site."""

    url: str
    file: str | None  # None: the site did not give a page every reader may share
    pages: list[str] = field(default_factory=list)
    assets: list[str] = field(default_factory=list)
    read_more: list[str] = field(default_factory=list)
    # A digest of what the search index reads of the page; "" for a page it does not read.
    indexed: str = ""


def language_of(url: str, copy: CopySettings) -> str:
    first = url.strip("/").split("/", 1)[0]
    return first if first in copy.languages else copy.languages[0]


class _Site:
    """The site's own request handling, middleware and all, called directly: the test client
    around it added nothing a copy needs. What is the same for every page until a publish
    (the site, its language roots, the frame) the site keeps per process itself
    (`news.context.shared`)."""

    def __init__(self) -> None:
        self.handler = BaseHandler()
        self.handler.load_middleware()
        self.factory = RequestFactory()

    def get(self, url: str, copy: CopySettings) -> Any:
        base = urlsplit(copy.base_url)
        path, _, query = url.partition("?")
        # An empty session cookie keeps these requests out of the shared page cache (a copy
        # would fill it with every page of the site); they are rendered as for any anonymous
        # reader.
        request = self.factory.get(
            path,
            query_params=dict([query.split("=")]) if query else None,
            HTTP_HOST=base.netloc,
            HTTP_COOKIE=f"{settings.SESSION_COOKIE_NAME}=",
            secure=base.scheme == "https",
        )
        return self.handler.get_response(request)


@functools.lru_cache(maxsize=1)
def _site(copy: CopySettings) -> _Site:
    """One per process and settings: loading the middleware (WhiteNoise reads the list of
    static files) took half a second, once per batch of pages."""
    return _Site()


def is_shareable(response: Any) -> bool:
    return response.status_code == 200 and "public" in response.get("Cache-Control", "")


def write_file(root: Path, name: str, data: bytes) -> None:
    """Write through a new file renamed into place: a file of a previous copy that this one
    shares by a hard link is never changed in place."""
    target = root / name
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".part-")
    try:
        with os.fdopen(handle, "wb") as stream:
            # A temporary file is private to its owner; a copy's files are for any web server.
            os.fchmod(stream.fileno(), PUBLIC_FILE_MODE)
            stream.write(data)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class PageMaker:
    """Turns the site's pages into the copy's, for one export."""

    def __init__(self, copy: CopySettings, missing: frozenset[str] = frozenset()) -> None:
        self.copy = copy
        # Addresses the site answered with no shareable page: links to them go to the site.
        self.missing = missing
        self.site = _site(copy)

    def make(
        self,
        url: str,
        root: Path,
        file: str | None = None,
        status: int = 200,
        from_root: bool = False,
    ) -> Rendered:
        """Render `url` and write it as `file` (by default, the address's own file). A page
        that a static host shows at any address (the 404 page) names the copy's files from the
        host's root (`from_root`): a relative link would only work from the top folder."""
        response = self.site.get(url, self.copy)
        shareable = is_shareable(response) if status == 200 else response.status_code == status
        if not shareable:
            return Rendered(url=url, file=None)
        file = file or paths.file_for(url)
        content_type = response.get("Content-Type", "")
        if not content_type.startswith("text/html"):
            write_file(root, file, response.content)
            return Rendered(url=url, file=file)
        # The copy's own script and stylesheet, which `insertions` adds to every page.
        references: dict[str, set[str]] = {
            "pages": set(),
            "assets": {static(name) for name in COPY_ASSETS},
        }
        page_path = url.partition("?")[0]
        link = paths.from_root if from_root else functools.partial(paths.relative, file)

        def resolve(reference: str) -> str:
            return self.resolve(reference, page_path, link, references)

        with translation.override(language_of(url, self.copy)):
            insertions = self.insertions(url, link, response.get("Content-Security-Policy", ""))
            result = rewrite_html(response.content.decode(), resolve, insertions)
        write_file(root, file, result.html.encode())
        read_more = [
            classified
            for kind, classified in (paths.classify(link, page_path) for link in result.read_more)
            if kind is paths.Kind.PAGE
        ]
        indexed = result.extracted.encode()
        return Rendered(
            url=url,
            file=file,
            pages=sorted(references["pages"]),
            assets=sorted(references["assets"]),
            read_more=read_more,
            indexed=hashlib.blake2b(indexed, digest_size=16).hexdigest() if indexed else "",
        )

    def resolve(
        self,
        reference: str,
        page_path: str,
        link: Callable[[str], str],
        found: dict[str, set[str]],
    ) -> str:
        """The reference as the copy's file at `link` names it; what it names goes in `found`."""
        address, hash_mark, fragment = reference.partition("#")
        if not address:
            return reference
        kind, url = paths.classify(address, page_path)
        suffix = f"{hash_mark}{fragment}"
        if kind is paths.Kind.ASSET:
            found["assets"].add(url)
            return link(unquote(url).lstrip("/")) + suffix
        if kind is paths.Kind.PAGE:
            # Kept even when the site gave no page for it, so the export knows who links there.
            found["pages"].add(url)
            if url not in self.missing:
                return link(paths.file_for(url)) + suffix
        if kind in (paths.Kind.PAGE, paths.Kind.LIVE):
            return paths.live_base(url) + url + suffix
        return reference

    def insertions(self, url: str, link: Callable[[str], str], served_policy: str) -> Insertions:
        def to(address: str) -> str:
            return link(paths.file_for(address))

        language = language_of(url, self.copy)
        is_search = url == f"/{language}/search/"
        bank = dict(self.copy.bank)
        head_start = (
            f'<meta http-equiv="Content-Security-Policy" '
            f'content="{self.copy.policy(served_policy, search=is_search)}">'
        )
        if self.copy.onion:
            head_start += (
                f'\n  <meta http-equiv="onion-location" content="http://{self.copy.onion}{url}">'
            )
        script, stylesheet = (link(unquote(static(name)).lstrip("/")) for name in COPY_ASSETS)
        head_end = (
            f'<link rel="stylesheet" href="{stylesheet}">\n'
            f'  <script src="{to(COPY_INFO)}" defer></script>\n'
            f'  <script src="{script}" defer data-mirrors="{to("/mirrors.json")}"'
            f' data-root="{link("index.html")[: -len("index.html")]}"></script>\n'
        )
        context = {
            "reach_url": to(f"/{language}/reach/"),
            "bank": bank,
            "giving_url": self.copy.giving_url,
            "main_url": self.copy.base_url,
            "home_url": to(f"/{language}/"),
        }
        return Insertions(
            head_start=head_start,
            head_end=head_end,
            before_main=render_to_string("mirror/copy/notice.html", context),
            form_replacement=None
            if self.copy.giving_url
            else render_to_string("mirror/copy/no_giving.html", context),
            after_form=render_to_string("mirror/copy/bank.html", context) if bank else "",
            after_search_form=render_to_string("mirror/copy/search.html", context)
            if is_search
            else "",
            omit_classes=SKIPPED_CLASSES,
            attributes=self.attributes,
            extract_class=INDEXED_CLASS,
        )

    def attributes(self, tag: str, attrs: Attributes) -> Attributes:
        names = {key for key, _ in attrs}
        if tag == "script" and "data-events-url" in names:
            # No counter can take the events on a static host: the script sends none.
            return [(k, "" if k == "data-events-url" else v) for k, v in attrs]
        if tag == "form" and "data-challenge" in names:
            return [
                (k, f"{paths.live_base(v)}{v}" if k == "data-challenge" and v else v)
                for k, v in attrs
            ]
        if tag == "article" and ("class", INDEXED_CLASS) in attrs:
            # Pagefind indexes the stories, not the frame around them.
            return [*attrs, ("data-pagefind-body", None)]
        return attrs
