"""`tamizdat demo`: a working demo newsroom on this machine in one command."""

from __future__ import annotations

import hashlib
import logging
import subprocess
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.staticfiles.finders import get_finders
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.utils.crypto import salted_hmac

from tamizdat.news import demo

ADMIN_USERNAME = "admin"


class Command(BaseCommand):
    help = "Set up the demo newsroom (database, static files, content, an editor) and serve it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--no-serve", action="store_true", help="Prepare everything, then exit."
        )

    def handle(self, *args: Any, host: str, port: int, no_serve: bool, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        self._collect_static()
        if demo.is_loaded():
            self.stdout.write("The demo newsroom is already loaded; keeping it.")
        else:
            self.stdout.write("Loading the demo newsroom (drawing pictures takes a moment)…")
            # Wagtail logs every page it creates; for a whole newsroom that is noise.
            wagtail_log = logging.getLogger("wagtail")
            level = wagtail_log.level
            wagtail_log.setLevel(logging.WARNING)
            try:
                counts = demo.load()
            finally:
                wagtail_log.setLevel(level)
            self.stdout.write(
                f"Loaded {counts['articles']} articles and {counts['translations']} translations."
            )
        login = admin_login()
        base = f"http://{host}:{port}"
        self.stdout.write(
            self.style.SUCCESS(
                f"\nThe newsroom:  {base}/\nThe admin:     {base}/admin/\nLog in as:     {login}\n"
            )
        )
        if not no_serve:
            # One background worker beside the web server (receipts, e-mails, index updates),
            # ended together with it.
            worker = subprocess.Popen([sys.executable, "-m", "tamizdat.cli", "worker"])
            try:
                call_command("serve", host=host, port=port)
            finally:
                worker.terminate()
                try:
                    worker.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    worker.kill()

    def _collect_static(self) -> None:
        """Collect static files only when they changed, so a second run starts at once."""
        digest = hashlib.sha256()
        for finder in get_finders():
            for path, storage in finder.list([]):
                digest.update(path.encode())
                digest.update(str(Path(storage.path(path)).stat().st_mtime_ns).encode())
        stamp = Path(settings.STATIC_ROOT) / ".collected"
        if stamp.exists() and stamp.read_text() == digest.hexdigest():
            return
        self.stdout.write("Collecting static files…")
        call_command("collectstatic", interactive=False, verbosity=0)
        stamp.write_text(digest.hexdigest())


def admin_login() -> str:
    """The demo editor's login, made on the first run. Its password is derived from the
    secret key rather than kept in a file, so `tamizdat demo` on any machine of the site
    (they share `TAMIZDAT_SECRET_KEY` and the database) prints the same login, and it is
    printed only while it is still the editor's password."""
    password = salted_hmac("tamizdat.demo.admin", ADMIN_USERNAME).hexdigest()[:20]
    user_model = get_user_model()
    user = user_model.objects.filter(username=ADMIN_USERNAME).first()
    if user is None:
        user_model.objects.create_superuser(ADMIN_USERNAME, "admin@example.org", password)
    elif not user.check_password(password):
        return (
            f"{ADMIN_USERNAME}, with the password it was given "
            f"(`tamizdat changepassword {ADMIN_USERNAME}` sets a new one)"
        )
    return f"{ADMIN_USERNAME} / {password}"
