"""A cache's purge API on loopback, speaking HTTP: it records every request it is sent (a
proxy's or Fastly's PURGE, Cloudflare's purge_cache call) and answers as it is told, so a test
can make it fail for a while and then recover."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tamizdat.environment import front_caches


@dataclass
class Call:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    status: int  # what the peer answered

    def json(self) -> object:
        return json.loads(self.body)


@dataclass
class Peer:
    url: str
    calls: list[Call] = field(default_factory=list)
    # The status of each coming answer, first one first; then 200 for good.
    statuses: list[int] = field(default_factory=list)
    body: bytes = b""

    def answered(self) -> list[Call]:
        """The calls it purged on."""
        return [call for call in self.calls if call.status == 200]


@contextmanager
def peer(body: bytes = b"") -> Iterator[Peer]:
    serving = Peer("")
    serving.body = body

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            status = serving.statuses.pop(0) if serving.statuses else 200
            headers = {name.title(): value for name, value in self.headers.items()}
            body = self.rfile.read(length)
            serving.calls.append(Call(self.command, self.path, headers, body, status))
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(serving.body)))
            self.end_headers()
            self.wfile.write(serving.body)

        do_PURGE = do_POST = _answer  # the names http.server calls

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    serving.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield serving
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def use_cdn(settings, monkeypatch, base_url: str = "http://testserver", **environment: str):
    """The caches to purge, read from these environment variables as at start."""
    for name in ("TAMIZDAT_PURGE_LOCATIONS", "TAMIZDAT_CDN"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    settings.WAGTAILFRONTENDCACHE = {
        "page_cache": settings.WAGTAILFRONTENDCACHE["page_cache"],
        **front_caches(base_url),
    }
