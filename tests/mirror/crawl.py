"""A static copy served the way a plain static host or a bucket serves it, and a crawler that
follows every reference in it as a browser would."""

from __future__ import annotations

import functools
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def static_server(folder: Path) -> Iterator[str]:
    """`folder` over HTTP on a free loopback port; the address of its root."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()


# What a browser loads by itself (as opposed to links a reader follows).
LOADS = {("link", "href"), ("script", "src"), ("img", "src"), ("source", "src")}
NAVIGATIONS = {("a", "href"), ("form", "action")}


class _References(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.loads: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        rel, kind = values.get("rel"), values.get("type")
        if tag == "link" and rel in ("canonical", "alternate") and kind != "application/rss+xml":
            return  # the main site's address, named on purpose
        for name, value in attrs:
            if value is None:
                continue
            if (tag, name) in LOADS:
                self.loads.append(value)
            elif (tag, name) in NAVIGATIONS:
                self.links.append(value)
            elif name == "srcset":
                self.loads += [part.strip().split(" ")[0] for part in value.split(",")]


@dataclass
class Crawl:
    pages: dict[str, str] = field(default_factory=dict)  # address -> HTML
    broken: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)  # loads from outside the copy
    folders: list[str] = field(default_factory=list)  # references that name no file
    external_links: set[str] = field(default_factory=set)


def crawl(start: str) -> Crawl:
    """Follow every reference from `start` that stays under its folder."""
    scope = start.rsplit("/", 1)[0] + "/"
    result = Crawl()
    seen: set[str] = set()
    pending = [start]
    while pending:
        url = pending.pop()
        if url in seen:
            continue
        seen.add(url)
        try:
            with urllib.request.urlopen(url) as response:
                body = response.read()
                content_type = response.headers.get("Content-Type", "")
        except urllib.error.HTTPError as error:
            result.broken.append(f"{url} ({error.code})")
            continue
        if not content_type.startswith("text/html"):
            continue
        html = body.decode()
        result.pages[url] = html
        parser = _References()
        parser.feed(html)
        for reference, is_load in [(r, True) for r in parser.loads] + [
            (r, False) for r in parser.links
        ]:
            target = urldefrag(urljoin(url, reference))[0]
            if not target.startswith(scope):
                if is_load:
                    result.outside.append(f"{url} loads {reference}")
                else:
                    result.external_links.add(target)
                continue
            if urlsplit(target).path.endswith("/"):
                result.folders.append(f"{url} -> {reference}")
            pending.append(target)
    return result
