"""The copy's folder: the checks before an export writes anything, the lock that keeps a second
export out, and the swap that puts a finished copy in place of the previous one."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

from .errors import ExportError
from .manifest import MANIFEST
from .pages import PUBLIC_FOLDER_MODE


@contextlib.contextmanager
def locked(target: Path) -> Iterator[None]:
    lock_path = target.parent / f".{target.name}.lock"
    with open(lock_path, "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ExportError(
                f"another export into {target} is running; this one stops and changes nothing"
            ) from None
        yield


def check_target(target: Path) -> None:
    parent = target.parent
    if not parent.is_dir():
        raise ExportError(f"{parent} does not exist; create it or choose another folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ExportError(f"cannot write in {parent}; choose a folder this user may write to")
    if target.exists() and not target.is_dir():
        raise ExportError(f"{target} is a file, not a folder")
    if target.is_dir() and any(target.iterdir()) and not (target / MANIFEST).exists():
        raise ExportError(f"{target} holds files that are not a Tamizdat copy; not replacing it")


def swap(new: Path, target: Path) -> None:
    """Put the new copy in place of the old one. Both renames stay within one folder, so
    each is atomic; a server reading the folder between them finds it missing for an instant,
    never half-written. The old copy is deleted after, in the background: with tens of
    thousands of files that takes longer than an incremental export, and nothing waits for it
    (the process does, before it exits)."""
    old = None
    if target.exists():
        old = Path(tempfile.mkdtemp(dir=target.parent, prefix=f"{_old_prefix(target)}"))
        os.rename(target, old / "copy")
    os.rename(new, target)
    if old is not None:
        threading.Thread(target=shutil.rmtree, args=(old,), kwargs={"ignore_errors": True}).start()


def remove_leftovers(target: Path) -> None:
    """Old copies whose deletion a stopped process did not finish, and the folders of exports
    that were killed (a failed one removes its own); called under the lock."""
    for prefix in (_old_prefix(target), _new_prefix(target)):
        for leftover in target.parent.glob(f"{prefix}*"):
            shutil.rmtree(leftover, ignore_errors=True)


def workspace(target: Path) -> Path:
    """A new, empty folder beside the target for the next copy."""
    folder = Path(tempfile.mkdtemp(dir=target.parent, prefix=_new_prefix(target)))
    # Made private, like any temporary folder; once swapped in, it is the copy a web server
    # running as another user must read.
    folder.chmod(PUBLIC_FOLDER_MODE)
    return folder


def _old_prefix(target: Path) -> str:
    return f".{target.name}.old-"


def _new_prefix(target: Path) -> str:
    return f".{target.name}.new-"


def io_error(error: OSError, target: Path) -> ExportError:
    if error.errno == errno.ENOSPC:
        return ExportError(f"no space left on the disk of {target}; the previous copy is whole")
    return ExportError(f"cannot write the copy of {target}: {error.strerror or error}")


def tree_size(root: Path) -> tuple[int, int]:
    """How many published files a copy holds, and their bytes; one look at each file (listing
    and sorting them as paths looked twice, a second per 5,000 files)."""
    files = size = 0
    for folder, _, names in os.walk(root):
        for name in names:
            if not name.startswith("."):
                files += 1
                size += os.stat(os.path.join(folder, name)).st_size
    return files, size


def tree_files(root: Path) -> Iterator[Path]:
    """The published files of a copy, in a fixed order (the manifest and work files left out)."""
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.name.startswith("."):
            yield path
