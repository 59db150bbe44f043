"""Serve the site with gunicorn, a production-grade WSGI server (never `runserver`)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from gunicorn.app.base import BaseApplication

from tamizdat.web.purge import purge_every_page


def _fresh_metrics_dir(port: int) -> Path:
    """Where gunicorn's workers write their request metrics, summed at each scrape (see
    `web.metrics`); emptied at start so a previous run's figures are not counted again. Set
    before a worker imports the metrics, which is when the library reads it."""
    directory = Path(settings.DATA_DIR) / f"metrics-{port}"
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(directory)
    return directory


def _collect_static_if_stale() -> None:
    """Static files collected for this release before the first request, so a new node or an
    upgraded one never answers 500 for a file its manifest lacks; a no-op when they are."""
    from django.contrib.staticfiles.finders import get_finders

    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    if manifest.exists():
        collected_at = manifest.stat().st_mtime
        sources = (
            storage.path(path)
            for finder in get_finders()
            for path, storage in finder.list(ignore_patterns=[])
        )
        if all(os.path.getmtime(source) <= collected_at for source in sources):
            return
    call_command("collectstatic", interactive=False, verbosity=0)


def _forget_worker_metrics(server: Any, worker: Any) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


class GunicornApplication(BaseApplication):
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from tamizdat.wsgi import application

        return application


class Command(BaseCommand):
    help = "Serve Tamizdat over HTTP with gunicorn."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("TAMIZDAT_HOST", "127.0.0.1"))
        # String defaults go through `type` too, so a bad variable gets argparse's one-line error.
        parser.add_argument("--port", type=int, default=os.environ.get("PORT", "8000"))
        parser.add_argument(
            "--workers", type=int, default=os.environ.get("TAMIZDAT_WEB_WORKERS", "2")
        )
        parser.add_argument(
            "--threads", type=int, default=os.environ.get("TAMIZDAT_WEB_THREADS", "4")
        )
        parser.add_argument(
            "--with-worker",
            action="store_true",
            help="Also run one background worker, ended with the server (as `demo` does).",
        )

    def execute(self, *args: Any, **options: Any) -> str | None:
        port, workers, threads = options["port"], options["workers"], options["threads"]
        if not 0 < port < 65536:
            raise CommandError(f"--port must be between 1 and 65535, not {port}.")
        if workers < 1 or threads < 1:
            raise CommandError("--workers and --threads must be at least 1.")
        # Before the system checks, which import the metrics library: it reads this once.
        _fresh_metrics_dir(port)
        return super().execute(*args, **options)

    def handle(
        self,
        *args: Any,
        host: str,
        port: int,
        workers: int,
        threads: int,
        with_worker: bool,
        **options: Any,
    ) -> None:
        _collect_static_if_stale()
        # Pages cached by the previous release may carry its templates and asset addresses.
        purge_every_page()
        if not with_worker:
            self._serve(host, port, workers, threads)
            return
        # Receipts, e-mails and index updates run beside the web server, ended with it.
        worker = subprocess.Popen([sys.executable, "-m", "tamizdat.cli", "worker"])
        try:
            self._serve(host, port, workers, threads)
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker.kill()

    def _serve(self, host: str, port: int, workers: int, threads: int) -> None:
        GunicornApplication(
            {
                "bind": f"{host}:{port}",
                "workers": workers,
                "threads": threads,
                "worker_class": "gthread",
                "accesslog": "-",
                # Method, path without the query, status, bytes, time: never the reader's
                # address, nor a query that may hold what they searched for.
                "access_log_format": '"%(m)s %(U)s" %(s)s %(B)s %(M)sms',
                "errorlog": "-",
                "forwarded_allow_ips": os.environ.get("TAMIZDAT_FORWARDED_ALLOW_IPS", "127.0.0.1"),
                # Each server on a host keeps its own control socket and its own metrics.
                "control_socket": str(Path(settings.DATA_DIR) / f"gunicorn-{port}.ctl"),
                "child_exit": _forget_worker_metrics,
            }
        ).run()
