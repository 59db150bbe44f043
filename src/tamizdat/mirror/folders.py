"""The copy's folder: the checks before an export writes anything, the lock that keeps a second
export out, and the versions of the copy, of which `DIR` links to the current one."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .errors import ExportError
from .manifest import MANIFEST
from .pages import PUBLIC_FOLDER_MODE, write_file


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


class Versions:
    """The versions of a copy: `DIR` is a link to the current one, `.DIR.versions/<n>` beside
    it. An export writes a new version and swaps the link by one rename, which a server reading
    `DIR` sees as a whole old copy or a whole new one, never a mix.

    The version before the current one is kept: it differs from the current only by the files
    the last export changed (listed in the current version's record, `<n>.json`), so the next
    export brings it up to date by linking those and writes into it, instead of linking every
    file of the copy (~150 µs a file or folder). A version whose record is missing (an export
    was stopped while writing into it) is never used again."""

    def __init__(self, target: Path) -> None:
        self.target = target
        self.home = target.parent / f".{target.name}.versions"

    def current(self) -> Path | None:
        if not self.target.is_symlink():
            return None
        current = self.home / os.readlink(self.target).rsplit("/", 1)[-1]
        return current if current.is_dir() else None

    def _unversioned(self) -> Path | None:
        """A copy made before versions, in `DIR` itself."""
        target = self.target
        return target if target.is_dir() and not target.is_symlink() else None

    def _record(self, version: Path) -> dict[str, Any] | None:
        try:
            data: dict[str, Any] = json.loads(version.with_suffix(".json").read_text())
        except (OSError, ValueError):
            return None
        return data

    def _numbers(self) -> list[int]:
        if not self.home.is_dir():
            return []
        return sorted(int(path.name) for path in self.home.iterdir() if path.name.isdigit())

    def prepare(self, incremental: bool) -> Path:
        """A folder for the next version: empty, or, for an incremental export, holding the
        current copy. Versions of no further use are deleted in the background."""
        self.home.mkdir(exist_ok=True)
        current = self.current()
        numbers = self._numbers()
        new = self.home / str(max(numbers, default=0) + 1)
        spare = None
        if incremental and current is not None:
            record = self._record(current) or {}
            after = record.get("after")
            if after is not None and (self.home / str(after)).is_dir():
                spare = self.home / str(after)
        for number in numbers:
            old = self.home / str(number)
            if old not in (current, spare):
                self._forget(old)
        if spare is not None and current is not None:
            # Unrecorded first: if this export stops half-way, the folder is not trusted.
            spare.with_suffix(".json").unlink(missing_ok=True)
            os.rename(spare, new)
            _bring_up_to_date(new, current, self._record(current)["changed"])  # type: ignore[index]
        elif incremental and (source := current or self._unversioned()) is not None:
            shutil.copytree(source, new, copy_function=os.link, symlinks=True)
        else:
            new.mkdir()
        new.chmod(PUBLIC_FOLDER_MODE)
        return new

    def publish(self, new: Path, changed: set[str] | None) -> tuple[int, int]:
        """Make `new` the copy at `DIR`. `changed`: the files it differs by from the current
        version (None for a version made whole, from which the current one is too far).
        Returns how many published files the copy holds, and their bytes."""
        current = self.current()
        after = int(current.name) if current is not None and changed is not None else None
        counted = self._count(new, current, changed)
        self._write_record(new, after, changed or set(), counted)
        link = self.home / f".link-{new.name}"
        link.unlink(missing_ok=True)
        link.symlink_to(f"{self.home.name}/{new.name}")
        if self.target.is_dir() and not self.target.is_symlink():
            # A copy made before versions: moved aside once, then deleted.
            aside = self.home / f"unversioned-{new.name}"
            os.rename(self.target, aside)
            self._forget(aside)
        os.replace(link, self.target)
        if after is None:
            # The next export writes into the version before the current one; a whole new
            # copy has none, so one is linked now, while nothing waits for the copy.
            if current is not None:
                self._forget(current)
            spare = self.home / str(int(new.name) + 1)
            shutil.copytree(new, spare, copy_function=os.link, symlinks=True)
            self._write_record(new, int(spare.name), set(), counted)
        return counted

    def _count(self, new: Path, current: Path | None, changed: set[str] | None) -> tuple[int, int]:
        """The files and bytes of `new`: from the current version's figures and the files that
        changed, rather than by looking at every file (a second at 10,000 stories)."""
        record = self._record(current) if current is not None else None
        if changed is None or record is None or "files" not in record:
            return tree_size(new)
        files, size = record["files"], record["bytes"]
        for name in changed:
            old_files, old_size = _size(current / name)  # type: ignore[operator]
            new_files, new_size = _size(new / name)
            files, size = files + new_files - old_files, size + new_size - old_size
        return files, size

    def _write_record(
        self, version: Path, after: int | None, changed: set[str], counted: tuple[int, int]
    ) -> None:
        record = {
            "after": after,
            "changed": sorted(changed),
            "files": counted[0],
            "bytes": counted[1],
        }
        write_file(self.home, f"{version.name}.json", json.dumps(record).encode())

    def discard(self, new: Path) -> None:
        """A version an export failed to finish: the copy at `DIR` is untouched."""
        if self.current() == new:  # failed after the swap: the copy is whole, only unrecorded
            return
        new.with_suffix(".json").unlink(missing_ok=True)
        shutil.rmtree(new, ignore_errors=True)

    def _forget(self, version: Path) -> None:
        version.with_suffix(".json").unlink(missing_ok=True)
        gone = self.home / f".gone-{version.name}-{os.getpid()}-{threading.get_ident()}"
        os.rename(version, gone)
        # Deleting tens of thousands of files takes longer than an incremental export, and
        # nothing waits for it (the process does, before it exits).
        threading.Thread(target=shutil.rmtree, args=(gone,), kwargs={"ignore_errors": True}).start()


def _bring_up_to_date(folder: Path, current: Path, changed: list[str]) -> None:
    """Make `folder` the same as `current` in the files (or whole folders) listed in `changed`:
    linked from `current`, or removed where `current` has none."""
    for name in changed:
        source, target = current / name, folder / name
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        if source.is_dir():
            shutil.copytree(source, target, copy_function=os.link, dirs_exist_ok=True)
        elif source.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            part = target.with_name(f".part-{target.name}")
            part.unlink(missing_ok=True)
            os.link(source, part)
            os.replace(part, target)
        else:
            target.unlink(missing_ok=True)
            remove_empty_parents(target.parent, folder)


def remove_empty_parents(folder: Path, root: Path) -> None:
    while folder != root and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent


def remove_leftovers(target: Path) -> None:
    """What a stopped process left beside the copy: deletions it did not finish, links it did
    not put in place, and the folders of copies made before versions; under the lock."""
    for prefix in (f".{target.name}.old-", f".{target.name}.new-"):
        for leftover in target.parent.glob(f"{prefix}*"):
            shutil.rmtree(leftover, ignore_errors=True)
    home = Versions(target).home
    for leftover in home.glob(".gone-*") if home.is_dir() else ():
        shutil.rmtree(leftover, ignore_errors=True)
    for leftover in home.glob(".link-*") if home.is_dir() else ():
        leftover.unlink()


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


def _size(path: Path) -> tuple[int, int]:
    """`tree_size` of one file or folder of a copy; (0, 0) when there is none."""
    if path.is_dir():
        return tree_size(path)
    if path.name.startswith(".") or not path.is_file():
        return 0, 0
    return 1, path.stat().st_size


def tree_files(root: Path) -> Iterator[Path]:
    """The published files of a copy, in a fixed order (the manifest and work files left out)."""
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.name.startswith("."):
            yield path
