"""Serve the site with gunicorn, a production-grade WSGI server (never `runserver`)."""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from gunicorn.app.base import BaseApplication

from tamizdat.news.caching import purge_all


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
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8000)))
        parser.add_argument(
            "--workers", type=int, default=int(os.environ.get("TAMIZDAT_WEB_WORKERS", 2))
        )
        parser.add_argument(
            "--threads", type=int, default=int(os.environ.get("TAMIZDAT_WEB_THREADS", 4))
        )

    def handle(
        self, *args: Any, host: str, port: int, workers: int, threads: int, **options: Any
    ) -> None:
        if not 0 < port < 65536:
            raise CommandError(f"--port must be between 1 and 65535, not {port}.")
        if workers < 1 or threads < 1:
            raise CommandError("--workers and --threads must be at least 1.")
        # Pages cached by the previous release may carry its templates and asset addresses.
        purge_all()
        GunicornApplication(
            {
                "bind": f"{host}:{port}",
                "workers": workers,
                "threads": threads,
                "worker_class": "gthread",
                "accesslog": "-",
                "errorlog": "-",
                "forwarded_allow_ips": os.environ.get("TAMIZDAT_FORWARDED_ALLOW_IPS", "127.0.0.1"),
            }
        ).run()
