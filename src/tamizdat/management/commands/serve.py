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

from tamizdat.web import gunicorn_config
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
        if with_worker:
            # Receipts, e-mails and index updates run beside the web server, ended with it
            # (`gunicorn_config.on_exit`).
            worker = subprocess.Popen([sys.executable, "-m", "tamizdat.cli", "worker"])
            os.environ[gunicorn_config.TASK_WORKER_PID] = str(worker.pid)
        control_socket = Path(settings.DATA_DIR) / f"gunicorn-{port}.ctl"
        forwarded = os.environ.get("TAMIZDAT_FORWARDED_ALLOW_IPS", "127.0.0.1")
        # gunicorn in this process's place, with none of what this process loaded.
        sys.stdout.flush()
        sys.stderr.flush()
        os.execv(
            sys.executable,
            [
                sys.executable, "-m", "gunicorn",
                "--config", f"python:{gunicorn_config.__name__}",
                "--bind", f"{host}:{port}",
                "--workers", str(workers),
                "--threads", str(threads),
                "--forwarded-allow-ips", forwarded,
                # Each server on a host keeps its own control socket and its own metrics.
                "--control-socket", str(control_socket),
                "tamizdat.wsgi:application",
            ],
        )  # fmt: skip
