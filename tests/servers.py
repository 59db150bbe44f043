"""Real servers on loopback for scenario tests: `tamizdat serve` (gunicorn) on the test's own
database, and nginx with the shipped site configuration in front of it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from string import Template

from django.conf import settings
from django.db import connection

from tests.waiting import wait_for

REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url() -> str:
    """The test's own database, for a server in another process (its rows must be committed:
    a transactional test)."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def wait_until_up(url: str, timeout: float = 60) -> None:
    def answers() -> bool:
        try:
            urllib.request.urlopen(url, timeout=2)
        except urllib.error.HTTPError:
            pass  # it answers
        except (urllib.error.URLError, ConnectionError):
            return False
        return True

    wait_for(answers, f"{url} up", timeout)


@contextmanager
def tamizdat(log_dir: Path, workers: int = 2, **env: str) -> Iterator[str]:
    """`tamizdat serve` in its own process, on this machine's data directory, database and
    cache, as a web node beside the editors' processes; yields its address."""
    port = free_port()
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tamizdat.settings",
        "DATABASE_URL": database_url(),
        "TAMIZDAT_DATA_DIR": str(settings.DATA_DIR),
        "TAMIZDAT_BASE_URL": "http://testserver",
        "TAMIZDAT_MEDIA_ROOT": str(settings.MEDIA_ROOT),  # the test's uploads
        **env,
    }
    environment.pop("PROMETHEUS_MULTIPROC_DIR", None)
    command = [sys.executable, "-m", "tamizdat.cli", "serve", "--port", str(port)]
    log_dir.mkdir(parents=True, exist_ok=True)
    log = (log_dir / "server.log").open("w")  # what to read when a test fails
    server = subprocess.Popen(
        [*command, "--workers", str(workers), "--threads", "2"],
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    address = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{address}/healthz")
        yield address
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()


@contextmanager
def nginx(workdir: Path, upstream: str) -> Iterator[str]:
    """nginx with `deploy/nginx-site.conf` in front of `upstream`; yields its address."""
    root = workdir / "nginx"
    root.mkdir()
    port = free_port()
    site = Template((REPO / "deploy" / "nginx-site.conf").read_text()).safe_substitute(
        CACHE_DIR=root / "cache",
        UPSTREAM=upstream.removeprefix("http://"),
        LISTEN=f"127.0.0.1:{port}",
        SERVER_NAME="testserver",
        STATIC_ROOT=workdir / "static",
    )
    temp = root / "tmp"
    config = root / "nginx.conf"
    # Run as root, nginx's workers would drop to a user who cannot reach the test's folders.
    user = "user root;" if os.geteuid() == 0 else ""
    config.write_text(
        f"""daemon off;
{user}
worker_processes 2;
pid {root}/nginx.pid;
error_log {root}/error.log;
events {{ worker_connections 256; }}
http {{
  access_log off;
  gzip on;
  client_body_temp_path {temp};
  proxy_temp_path {temp};
  fastcgi_temp_path {temp};
  uwsgi_temp_path {temp};
  scgi_temp_path {temp};
  {site}
}}
"""
    )
    server = subprocess.Popen(["nginx", "-c", str(config), "-p", str(root)])
    address = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{address}/healthz")
        yield address
    finally:
        server.terminate()
        server.wait(timeout=20)
