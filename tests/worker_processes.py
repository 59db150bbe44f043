"""Worker processes that a test kills: `tamizdat worker` on the test database, with a short
lease, each in a process of its own."""

from __future__ import annotations

import os
import subprocess
import sys
from email.message import EmailMessage
from pathlib import Path

from django.conf import settings
from django.db import connection

# The workers are forked from one process that has loaded Django once: 21 starts of
# `python -m django worker` from scratch cost seconds of imports each, and the subject here is
# how a worker dies, not how it starts. A child that returns, whatever happened, exits there.
FORKING_PARENT = """
import os, signal, sys
import django
from django.core.management import call_command
from django.db import connections

django.setup()
connections.close_all()
children = set()
for line in sys.stdin:
    command, *arguments = line.split()
    if command == "start":
        pid = os.fork()
        if pid == 0:
            try:
                quiet = os.open(os.devnull, os.O_RDWR)
                for fd in (0, 1, 2):
                    os.dup2(quiet, fd)
                call_command("worker", interval=0.05, startup_delay=False)
            finally:
                os._exit(0)
        children.add(pid)
    elif command == "wait":
        pid = int(arguments[0])
        os.waitpid(pid, 0)
        children.discard(pid)
    print(pid, flush=True)
for pid in children:
    os.kill(pid, signal.SIGKILL)
"""


class Workers:
    """`tamizdat worker` processes on the test database, with a lease of `lease_seconds`, each
    in a process of its own; the environment is the test's at the moment this is made."""

    def __init__(self, smtp_port: int, lease_seconds: int) -> None:
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tamizdat.settings",
            "PYTHONPATH": os.pathsep.join(sys.path),
            "DATABASE_URL": f"sqlite:///{connection.settings_dict['NAME']}",
            "TAMIZDAT_DATA_DIR": str(settings.DATA_DIR),
            "TAMIZDAT_SMTP_URL": f"smtp://127.0.0.1:{smtp_port}/?tls=off",
            "TAMIZDAT_TASK_LEASE_SECONDS": str(lease_seconds),
        }
        self.parent = subprocess.Popen(
            [sys.executable, "-c", FORKING_PARENT],
            env=environment,
            cwd=Path(settings.DATA_DIR),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )

    def _ask(self, line: str) -> int:
        assert self.parent.stdin and self.parent.stdout
        self.parent.stdin.write(line + "\n")
        self.parent.stdin.flush()
        return int(self.parent.stdout.readline())

    def start(self) -> int:
        return self._ask("start")

    def stop(self, pid: int, signal_number: int) -> None:
        """Send the worker `signal_number` and wait until it has exited."""
        os.kill(pid, signal_number)
        self._ask(f"wait {pid}")

    def close(self) -> None:
        assert self.parent.stdin
        self.parent.stdin.close()  # the parent kills what is left of its workers and exits
        self.parent.wait(30)


def copies_sent_again(messages: list[EmailMessage], recipients: list[str]) -> int:
    """Check that every recipient got mail and that all of one recipient's copies carry one
    Message-ID, so their mailbox keeps a single message; the number of copies beyond one each."""
    message_ids: dict[str, set[str]] = {}
    for message in messages:
        message_ids.setdefault(message["To"], set()).add(message["Message-ID"])
    assert sorted(message_ids) == sorted(recipients)
    assert all(len(ids) == 1 for ids in message_ids.values()), message_ids
    return len(messages) - len(recipients)
