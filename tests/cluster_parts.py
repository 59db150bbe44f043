"""The shared services of a site on several machines, each a real server on loopback for the
cluster scenario: a throwaway PostgreSQL cluster (as `scripts/with-postgres` makes one) and a
Redis server, both gone afterwards."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.servers import free_port
from tests.waiting import wait_for


def _as_owner(command: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root, so root runs it as the postgres system user.
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def postgres_binaries() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[4]))
    return Path(found[-1]) if found else None


@contextmanager
def postgres() -> Iterator[str]:
    """A PostgreSQL cluster of its own on a loopback port, TCP only; yields its DATABASE_URL."""
    binaries = postgres_binaries()
    assert binaries, "PostgreSQL's server binaries are missing: install Debian's postgresql"
    # A short folder under /tmp that the server's user can reach, whatever the test's is.
    folder = Path(tempfile.mkdtemp(prefix="tamizdat-cluster-pg-", dir="/tmp"))
    folder.chmod(0o755)
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    data, port = folder / "data", free_port()
    run = dict(cwd=folder, check=True, capture_output=True)
    try:
        subprocess.run(
            _as_owner([str(binaries / "initdb"), "-D", str(data), "-U", "tamizdat",
                       "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8"]),
            **run,
        )  # fmt: skip
        options = (
            f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories= "
            "-c fsync=off -c full_page_writes=off -c synchronous_commit=off"
        )
        subprocess.run(
            _as_owner([str(binaries / "pg_ctl"), "-D", str(data), "-l", str(folder / "log"),
                       "-w", "-t", "120", "-o", options, "start"]),
            **run,
        )  # fmt: skip
        subprocess.run(
            [str(binaries / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "tamizdat",
             "tamizdat"],
            **run,
        )  # fmt: skip
        yield f"postgres://tamizdat@127.0.0.1:{port}/tamizdat"
    finally:
        subprocess.run(
            _as_owner([str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
            cwd=folder,
            capture_output=True,
            check=False,
        )
        shutil.rmtree(folder, ignore_errors=True)


class Redis:
    """Debian's redis-server on a loopback port, keeping nothing on disk."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "",
             "--appendonly", "no", "--dir", str(self.folder)],
            stdout=(self.folder / "redis.log").open("w"),
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        wait_for(self._answers, "Redis up", timeout=30)

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as connection:
                connection.sendall(b"PING\r\n")
                return connection.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=20)
            self.process = None
