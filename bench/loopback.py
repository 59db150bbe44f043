"""What both benchmarks need to run servers on loopback."""

from __future__ import annotations

import socket
import ssl
import time
import urllib.request


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# nginx's certificate is made for the run and trusted by nobody.
UNVERIFIED_TLS = ssl._create_unverified_context()


def wait_for(url: str, timeout: float = 60) -> None:
    """Until the address answers 2xx or 3xx; an error page or no answer means not yet."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2, context=UNVERIFIED_TLS).read()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{url} did not answer within {timeout} s")
