"""Benchmark: an anonymous article page served from the page cache and rendered uncached.

Starts the demo newsroom with the production server (`tamizdat serve`, gunicorn) on loopback,
loads it with wrk under a bounded concurrency and time (once while an editor publishes the page
every second), serves the same HTML from nginx as a yardstick, and prints one JSON document.
The article and the home page are also rendered uncached for one reader at a time, each with
the number of queries one render makes.
Needs Debian's wrk and nginx (`make bench` installs them).
Usage: python bench/pages.py [--seconds 10] [--connections 16]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from string import Template

from loopback import UNVERIFIED_TLS, free_port, wait_for

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}
REPO = Path(__file__).resolve().parent.parent


def wrk(url: str, seconds: int, connections: int, headers: list[str] = ()) -> dict[str, float]:
    command = ["wrk", "--latency", "-t1", f"-c{connections}", f"-d{seconds}s", url]
    for header in headers:
        command[1:1] = ["-H", header]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout

    def latency(percent: str) -> float:
        value, unit = re.search(rf"^\s+{percent}%\s+([\d.]+)(us|ms|s)\s*$", output, re.M).groups()
        return round(float(value) * UNITS[unit], 3)

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "requests_per_second": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50_ms": latency("50"),
        "p99_ms": latency("99"),
        "errors": int(errors.group(1)) if errors else 0,
    }


def ratio(fast: dict[str, float], slow: dict[str, float]) -> float:
    return round(fast["requests_per_second"] / slow["requests_per_second"], 2)


def peak_rss_mb(parent_pid: int) -> float:
    """The largest peak resident size among the gunicorn workers (VmHWM in /proc)."""
    peaks = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        if re.search(rf"^PPid:\s+{parent_pid}$", text, re.M):
            peaks.append(int(re.search(r"^VmHWM:\s+(\d+) kB$", text, re.M).group(1)))
    return round(max(peaks) / 1024, 1) if peaks else 0.0


# Run in `tamizdat shell` beside the load: the page published again and again, each publish
# retiring every cached page at once.
PUBLISHER = """
import time
from tamizdat.news.models import ArticlePage
article = ArticlePage.objects.live().get(slug={slug!r}, locale__language_code="en")
deadline = time.monotonic() + {seconds}
published = 0
while time.monotonic() < deadline:
    article.save_revision().publish()
    published += 1
    time.sleep({every})
print(published)
"""


# Run in `tamizdat shell`: the queries of one uncached render of each page, once what each process
# keeps between requests is in place (the request before it).
QUERIES = """
import json
from django.conf import settings
from django.db import connection
from django.test import Client
client = Client(HTTP_COOKIE=settings.SESSION_COOKIE_NAME + "=bench", HTTP_HOST={host!r})
counts = {{}}
for name, path in {paths!r}.items():
    assert client.get(path).status_code == 200
    queries = []
    with connection.execute_wrapper(lambda execute, *query: queries.append(1) or execute(*query)):
        assert client.get(path).status_code == 200
    counts[name] = len(queries)
print(json.dumps(counts))
"""


def render_queries(tamizdat: list[str], env: dict[str, str], paths: dict[str, str]) -> dict:
    code = QUERIES.format(host="127.0.0.1", paths=paths)
    output = subprocess.run(
        [*tamizdat, "shell", "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def worker_after_load(tamizdat: list[str], env: dict[str, str]) -> dict[str, float]:
    """One pass of the task worker over what loading the newsroom queued, as a deployment's
    worker runs it before readers come (the photos' sizes among it): its time and peak RSS."""
    started = time.monotonic()
    worker = subprocess.Popen([*tamizdat, "worker", "--batch"], env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(worker.pid, 0)
    worker.returncode = os.waitstatus_to_exitcode(status)
    if worker.returncode:
        raise SystemExit(f"the worker failed with exit code {worker.returncode}")
    return {
        "seconds": round(time.monotonic() - started, 1),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
    }


def first_readers(base: str) -> dict[str, float]:
    """Every page the front pages link to, asked for once by eight readers at a time: the
    renders after a deployment, when nothing is cached yet."""
    fronts = [f"{base}/en/", f"{base}/ru/"]
    links = set()
    for front in fronts:
        html = urllib.request.urlopen(front).read().decode()
        links.update(re.findall(r'href="(/(?:en|ru)/[^"#?]*)"', html))
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=8) as readers:
        statuses = list(readers.map(lambda path: urllib.request.urlopen(base + path).status, links))
    return {
        "pages": len(statuses),
        "errors": sum(status != 200 for status in statuses),
        "seconds": round(time.monotonic() - started, 1),
    }


def during_publishing(
    tamizdat: list[str], env: dict[str, str], url: str, seconds: int, connections: int
) -> dict[str, float]:
    """Readers of the page while an editor publishes it every second: without a guard,
    every publish would have all of them render it at the same moment."""
    every = 1
    code = PUBLISHER.format(slug=url.rstrip("/").rsplit("/", 1)[1], seconds=seconds, every=every)
    publisher = subprocess.Popen(
        [*tamizdat, "shell", "-c", code], env=env, stdout=subprocess.PIPE, text=True
    )
    load = wrk(url, seconds, connections)
    published = int(publisher.communicate(timeout=120)[0].split()[-1])
    return {**load, "publish_every_seconds": every, "publishes": published}


def nginx(
    workdir: Path, html: bytes, static_port: int, proxy_port: int, upstream: str
) -> subprocess.Popen:
    """One nginx with two servers: the article as a plain file (the yardstick), and Tamizdat
    behind the page cache of the site configuration that operators deploy."""
    root = workdir / "nginx"
    root.mkdir()
    # nginx's workers drop to an unprivileged user when started as root; they must read this.
    for folder in (workdir, root):
        folder.chmod(0o755)
    (root / "article.html").write_bytes(html)
    certificate, key = root / "tls.crt", root / "tls.key"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-days", "1", "-subj", "/CN=localhost",
            "-keyout", str(key), "-out", str(certificate),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    site = Template((REPO / "deploy" / "nginx-site.conf").read_text()).safe_substitute(
        SERVER_NAME="localhost",
        HTTP_LISTEN=f"127.0.0.1:{free_port()}",
        HTTPS_LISTEN=f"127.0.0.1:{proxy_port}",
        TLS_CERTIFICATE=certificate,
        TLS_CERTIFICATE_KEY=key,
        ACME_ROOT=root,
        WEB_NODE_1=upstream,
        WEB_NODE_2=upstream,
        TRUSTED_PROXY="127.0.0.1",
        CACHE_DIR=root / "cache",
        MEDIA_ROOT=workdir / "data" / "media",
    )
    config = root / "nginx.conf"
    config.write_text(
        f"""daemon off;
worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/error.log;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {root}/tmp;
  proxy_temp_path {root}/tmp;
  fastcgi_temp_path {root}/tmp;
  uwsgi_temp_path {root}/tmp;
  scgi_temp_path {root}/tmp;
  server {{
    # Over TLS like the front cache, so that the two compare.
    listen 127.0.0.1:{static_port} ssl;
    ssl_certificate {certificate};
    ssl_certificate_key {key};
    root {root};
    location / {{ default_type text/html; }}
  }}
  {site}
}}
"""
    )
    return subprocess.Popen(["nginx", "-c", str(config), "-p", str(root)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    arguments = parser.parse_args()
    for tool in ("wrk", "nginx"):
        if shutil.which(tool) is None and not Path(f"/usr/sbin/{tool}").exists():
            raise SystemExit(f"{tool} is not installed; run `make bench`, which installs it.")

    workdir = Path(tempfile.mkdtemp(prefix="tamizdat-bench-"))
    env = {
        **os.environ,
        "TAMIZDAT_DATA_DIR": str(workdir / "data"),
        "TAMIZDAT_LOG_LEVEL": "WARNING",
    }
    tamizdat = [sys.executable, "-m", "tamizdat.cli"]
    subprocess.run([*tamizdat, "demo", "--no-serve"], env=env, check=True, capture_output=True)
    worker = worker_after_load(tamizdat, env)
    port, static_port, proxy_port = free_port(), free_port(), free_port()
    serve = subprocess.Popen(
        [*tamizdat, "serve", "--port", str(port), "--workers", str(arguments.workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    front = None
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(f"{base}/en/")
        readers = first_readers(base)
        after_first_readers = peak_rss_mb(serve.pid)
        article = re.search(
            r'class="card__headline"><a href="([^"]+)"',
            urllib.request.urlopen(f"{base}/en/").read().decode(),
        ).group(1)
        url = base + article
        html = urllib.request.urlopen(url).read()
        wrk(url, 2, arguments.connections)  # warm up: renditions, caches, connections
        cached = wrk(url, arguments.seconds, arguments.connections)
        # As browsers and CDNs ask for it: the page cache sends its stored compressed copy.
        cached_gzip = wrk(url, arguments.seconds, arguments.connections, ["Accept-Encoding: gzip"])
        publishing = during_publishing(tamizdat, env, url, arguments.seconds, arguments.connections)
        # A signed-in editor's session cookie makes every request bypass the page cache.
        bypass = ["Cookie: sessionid=bench"]
        uncached = wrk(url, arguments.seconds, arguments.connections, bypass)
        # One reader at a time: the render time itself, without waiting behind other requests.
        uncached_alone = wrk(url, arguments.seconds, 1, bypass)
        home_alone = wrk(f"{base}/en/", arguments.seconds, 1, bypass)
        queries = render_queries(tamizdat, env, {"article": article, "home": "/en/"})
        front = nginx(workdir, html, static_port, proxy_port, f"127.0.0.1:{port}")
        static_url = f"https://127.0.0.1:{static_port}/article.html"
        wait_for(static_url)
        static = wrk(static_url, arguments.seconds, arguments.connections)
        proxied_url = f"https://127.0.0.1:{proxy_port}{article}"
        wait_for(proxied_url)
        proxied = wrk(proxied_url, arguments.seconds, arguments.connections)
        cache_status = urllib.request.urlopen(proxied_url, context=UNVERIFIED_TLS).headers[
            "X-Proxy-Cache"
        ]
        result = {
            "page": article,
            "page_bytes": len(html),
            "load": {"connections": arguments.connections, "seconds": arguments.seconds},
            "web_workers": arguments.workers,
            "cached_by_tamizdat": cached,
            "cached_by_tamizdat_accepting_gzip": cached_gzip,
            "cached_by_tamizdat_while_publishing": publishing,
            "uncached": uncached,
            "uncached_one_connection": {**uncached_alone, "queries": queries["article"]},
            "uncached_home_one_connection": {**home_alone, "queries": queries["home"]},
            "cached_by_nginx_front": {**proxied, "x_proxy_cache": cache_status},
            "nginx_same_html_as_file": static,
            "nginx_file_rps_vs_tamizdat_cache": ratio(static, cached),
            "nginx_file_rps_vs_nginx_front_cache": ratio(static, proxied),
            # `tamizdat serve` is the gunicorn master itself; its children are the workers.
            "web_worker_peak_rss_mb": peak_rss_mb(serve.pid),
            "web_worker_peak_rss_mb_after_first_readers": after_first_readers,
            "first_readers": readers,
            "task_worker_after_load": worker,
        }
        print(json.dumps(result, indent=2))
    finally:
        for process in (serve, front):
            if process is not None:
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=30)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
