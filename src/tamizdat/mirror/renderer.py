"""Rendering many addresses of the site, in this process or in a pool of forked ones."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from django.db import connections

from .errors import ExportError
from .pages import CopySettings, PageMaker, Rendered

BATCH = 40


def _render_batch(job: tuple[str, CopySettings, frozenset[str], list[str]]) -> list[Rendered]:
    root, copy, missing, urls = job
    maker = PageMaker(copy, missing)
    results = []
    for url in urls:
        try:
            results.append(maker.make(url, Path(root)))
        except OSError:
            raise
        except Exception as error:
            raise ExportError(f"rendering {url} failed: {type(error).__name__}: {error}") from error
    return results


class Renderer:
    def __init__(self, root: Path, copy: CopySettings, jobs: int) -> None:
        self.root, self.copy, self.jobs = root, copy, jobs
        self.pool: Any = None
        self.count = 0
        self.urls: set[str] = set()  # every address rendered, for what depends on them

    def __enter__(self) -> Renderer:
        return self

    def _start_pool(self) -> None:
        # Forked processes must not share this process's database connections.
        connections.close_all()
        self.pool = multiprocessing.get_context("fork").Pool(self.jobs)

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()

    def render(self, urls: Iterable[str], missing: frozenset[str]) -> Iterator[Rendered]:
        ordered = sorted(urls)
        self.count += len(ordered)
        self.urls.update(ordered)
        batches = [
            (str(self.root), self.copy, missing, ordered[start : start + BATCH])
            for start in range(0, len(ordered), BATCH)
        ]
        # A few pages (what one publish touches) are rendered here: forked processes would
        # each pay again for what this one already keeps (templates, the site's frame).
        if self.pool is None and self.jobs > 1 and len(batches) > 1:
            self._start_pool()
        if self.pool is None:
            for batch in batches:
                yield from _render_batch(batch)
        else:
            for results in self.pool.imap_unordered(_render_batch, batches):
                yield from results
