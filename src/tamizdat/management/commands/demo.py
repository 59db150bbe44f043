"""`tamizdat demo`: a working demo newsroom on this machine in one command."""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import os
import secrets
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
from tamizdat.stripe_peer.control import PeerError, StripePeer

ADMIN_USERNAME = "admin"
TEST_CARD = "4242 4242 4242 4242"


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
        # Only a server has a card processor to offer: it is started for the server.
        cards = "" if no_serve else self._start_card_processor(host, port)
        mail = ""
        if settings.EMAIL_BACKEND.endswith("filebased.EmailBackend"):
            mail = f"Mail sent:     {settings.EMAIL_FILE_PATH}/ (receipts, links)\n"
        self.stdout.write(
            self.style.SUCCESS(
                f"\nThe newsroom:  {base}/\nThe admin:     {base}/admin/\nLog in as:     {login}\n"
                f"{cards}{mail}"
            )
        )
        if not no_serve:
            # The server starts afresh in this process's place: a parent kept waiting for it
            # would hold everything loading the demo left in memory (about 170 MiB), and the
            # web workers forked from it would inherit that too.
            self.stdout.flush()
            serve = [sys.executable, "-m", "tamizdat.cli", "serve", "--with-worker"]
            os.execv(sys.executable, [*serve, f"--host={host}", f"--port={port}"])

    def _start_card_processor(self, host: str, port: int) -> str:
        """Start the Stripe peer on loopback as this demo's card processor, register the
        site's webhook with it and configure the server for it (through the environment the
        server inherits); returns the line that says so. A newsroom that configured Stripe
        keeps it, and a peer that cannot start leaves bank transfer as the demo's one rail."""
        if settings.STRIPE_SECRET_KEY:
            return "Card payments: through the Stripe account configured here\n"
        # The peer outlives this process's code: after exec it is the web server's child, and
        # it stops by itself once that server has gone (StripePeer starts it so).
        peer = StripePeer(log_path=Path(settings.DATA_DIR) / "stripe-peer.log")
        secret = "whsec_demo_" + secrets.token_hex(16)
        try:
            peer.start()
            peer.add_webhook(f"http://{_loopback(host)}:{port}/payments/webhook/stripe/", secret)
        except (PeerError, OSError) as error:
            peer.stop()
            # The last line of a failed start is its log's last: the exception that ended it.
            reason = str(error).strip().splitlines()[-1]
            self.stderr.write(
                f"The demo card processor did not start ({reason}; its log: {peer.log_path}), "
                "so the demo offers bank transfer only."
            )
            return ""
        os.environ.update(
            TAMIZDAT_STRIPE_SECRET_KEY=peer.api_key,
            TAMIZDAT_STRIPE_API_BASE=peer.base_url,
            TAMIZDAT_STRIPE_CHECKOUT_ORIGIN=peer.base_url,
            TAMIZDAT_STRIPE_WEBHOOK_SECRET=secret,
            TAMIZDAT_STRIPE_DEMO="1",
        )
        return f"Card payments: a demo processor on {peer.base_url}, test card {TEST_CARD}\n"

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


def _loopback(host: str) -> str:
    """The address this machine reaches a server bound to `host` at ("0.0.0.0": all of them)."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host  # a name, such as localhost
    if address.is_unspecified:
        return "127.0.0.1" if address.version == 4 else "[::1]"
    return f"[{host}]" if address.version == 6 else host
