"""Real servers on loopback for scenario tests: `tamizdat serve` (gunicorn) on the test's own
database, and nginx with the shipped site configuration in front of it."""

from __future__ import annotations

import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.client import HTTPResponse
from pathlib import Path

from django.conf import settings
from django.db import connection

from tests.waiting import wait_for

REPO = Path(__file__).resolve().parent.parent


# The front server's certificate is made for the test and trusted by nobody; the tests look at
# what nginx answers, not at who signed it.
UNVERIFIED_TLS = ssl._create_unverified_context()


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
            urllib.request.urlopen(url, timeout=2, context=UNVERIFIED_TLS)
        except urllib.error.HTTPError:
            pass  # it answers
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            # Refused, or taken into the listening queue while the workers still load the site.
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
    _running[address] = server
    try:
        wait_until_up(f"{address}/healthz")
        yield address
    finally:
        del _running[address]
        server.terminate()
        server.wait(timeout=20)
        log.close()


# Each running `tamizdat serve` by its address, for `kill`.
_running: dict[str, subprocess.Popen[bytes]] = {}


def kill(address: str) -> None:
    """SIGKILL the web node at `address`, its gunicorn master and workers at once, as a machine
    lost or a kernel's OOM killer would stop it: nothing finishes what it was doing."""
    master = _running[address].pid
    workers = [
        int(stat.parent.name)
        for stat in Path("/proc").glob("[0-9]*/stat")
        if _parent(stat) == master
    ]
    for pid in (master, *workers):
        os.kill(pid, signal.SIGKILL)
    _running[address].wait(timeout=20)


def _parent(stat: Path) -> int | None:
    try:
        # pid (name) state ppid …; the name may hold spaces and parentheses.
        return int(stat.read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None  # a process that ended meanwhile


def fetch(url: str, data: bytes | None = None, **headers: str) -> HTTPResponse:
    """`url` as a client that does not follow redirects and accepts the test's certificate
    (a POST of `data` when given); an HTTP error status is returned like any other answer."""
    request = urllib.request.Request(url, data=data, headers=headers)
    opener = urllib.request.build_opener(
        urllib.request.HTTPSHandler(context=UNVERIFIED_TLS), _NoRedirects
    )
    try:
        return opener.open(request, timeout=10)
    except urllib.error.HTTPError as answer:
        return answer  # type: ignore[return-value]


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


@dataclass(frozen=True)
class Front:
    """nginx's two doors: `url` over HTTPS, the site's address; `plain_url` over HTTP."""

    url: str
    plain_url: str
    config: Path
    root: Path


def fill_in(template: str, **values: object) -> str:
    """`template` with each of its `${NAME}` placeholders replaced, every one of them given
    (nginx's own `$host` and the like stay as they are)."""
    return re.sub(r"\$\{([A-Z0-9_]+)\}", lambda name: str(values[name[1]]), template)


def nginx_config(workdir: Path, upstreams: list[str]) -> Front:
    """`deploy/nginx-site.conf` filled in for loopback, with a certificate made for the test
    and `upstreams` as its web nodes (one given twice when there is one), in an nginx.conf of
    its own under `workdir`."""
    root = workdir / "nginx"
    root.mkdir()
    certificate, key = root / "tls.crt", root / "tls.key"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-days", "1", "-subj", "/CN=testserver",
            "-keyout", str(key), "-out", str(certificate),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    port, plain_port = free_port(), free_port()
    nodes = [upstream.removeprefix("http://") for upstream in upstreams]
    site = fill_in(
        (REPO / "deploy" / "nginx-site.conf").read_text(),
        SERVER_NAME="testserver",
        HTTP_LISTEN=f"127.0.0.1:{plain_port}",
        HTTPS_LISTEN=f"127.0.0.1:{port}",
        TLS_CERTIFICATE=certificate,
        TLS_CERTIFICATE_KEY=key,
        ACME_ROOT=root / "acme",
        WEB_NODE_1=nodes[0],
        WEB_NODE_2=nodes[-1],
        TRUSTED_PROXY="127.0.0.1",
        CACHE_DIR=root / "cache",
        MEDIA_ROOT=settings.MEDIA_ROOT,
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
    return Front(f"https://127.0.0.1:{port}", f"http://127.0.0.1:{plain_port}", config, root)


def nginx_command(front: Front, *arguments: str) -> list[str]:
    root = front.root
    return [
        "nginx",
        "-c",
        str(front.config),
        "-p",
        str(root),
        "-e",
        str(root / "error.log"),
        *arguments,
    ]


@contextmanager
def nginx(workdir: Path, *upstreams: str) -> Iterator[Front]:
    """nginx with `deploy/nginx-site.conf` in front of the web nodes `upstreams`."""
    front = nginx_config(workdir, list(upstreams))
    server = subprocess.Popen(nginx_command(front))
    try:
        wait_until_up(f"{front.url}/healthz")
        yield front
    finally:
        server.terminate()
        server.wait(timeout=20)
