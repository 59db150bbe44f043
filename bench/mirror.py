"""Benchmark: the static copy of a newsroom of 10,000 articles in two languages.

Loads the demo newsroom into a throwaway data directory, multiplies its stories into
--articles articles (half in English, half in Russian, written straight into the page tree so
that generating them takes seconds), then, in a fresh process, times a full export, publishes
one article the way an editor does and times the incremental export after it. Prints one JSON
document: seconds, pages rendered, files and bytes written, and peak memory (the most that the
exporting process and its children, the renderers and Pagefind, used together: the sum of
their proportional set sizes, sampled ten times a second).
The demo's pages are read once before they are multiplied, as a site in service has been: the
image renditions they show exist before the export is timed, as they would on a live site
(making them is Wagtail's work, timed apart as `reading_demo_seconds`).
Usage: python bench/mirror.py [--articles 10000] [--jobs N]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _django(data_dir: Path) -> None:
    os.environ["TAMIZDAT_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tamizdat.settings")
    import django

    django.setup()


def generate(data_dir: Path, count: int) -> None:
    """The demo newsroom, then its stories copied until there are `count` more articles."""
    _django(data_dir)
    import uuid

    from django.contrib.contenttypes.models import ContentType
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone
    from wagtail.models import Page

    from tamizdat.maintenance import refresh_statistics
    from tamizdat.news.models import ArticleAuthor, ArticlePage, ArticleTag, SectionPage
    from tamizdat.news.related import choose_missing

    with open(os.devnull, "w") as quiet:
        call_command("demo", "--no-serve", verbosity=0, stdout=quiet)
    started = time.monotonic()
    read_site()
    reading = round(time.monotonic() - started, 1)
    article_type = ContentType.objects.get_for_model(ArticlePage)
    now = timezone.now()
    made = 0
    with transaction.atomic():
        for language in ("en", "ru"):
            templates = list(ArticlePage.objects.live().filter(locale__language_code=language))
            tags = {}
            for tag in ArticleTag.objects.filter(content_object__in=templates):
                tags.setdefault(tag.content_object_id, []).append(tag.tag_id)
            bylines = {}
            for byline in ArticleAuthor.objects.filter(article__in=templates):
                bylines.setdefault(byline.article_id, []).append(byline.author_id)
            sections = {s.pk: s for s in SectionPage.objects.filter(locale__language_code=language)}
            wanted = count // 2
            for start in range(0, wanted, 1000):
                bases, children = [], []
                for number in range(start, min(wanted, start + 1000)):
                    template = templates[number % len(templates)]
                    section = sections[template.get_parent().pk]
                    section.numchild += 1
                    slug = f"{template.slug}-{number}"
                    moment = now - timedelta(days=30, minutes=number * 7)
                    bases.append(
                        Page(
                            title=template.title,
                            draft_title=template.title,
                            slug=slug,
                            content_type=article_type,
                            live=True,
                            path=Page._get_path(section.path, section.depth + 1, section.numchild),
                            depth=section.depth + 1,
                            numchild=0,
                            url_path=f"{section.url_path}{slug}/",
                            locale_id=template.locale_id,
                            translation_key=uuid.uuid4(),
                            first_published_at=moment,
                            last_published_at=moment,
                        )
                    )
                    children.append(template)
                Page.objects.bulk_create(bases)
                new_tags, new_bylines = [], []
                for base, template in zip(bases, children, strict=True):
                    article = ArticlePage(
                        page_ptr_id=base.pk,
                        standfirst=template.standfirst,
                        body=template.body.raw_data,
                        lead_image_id=template.lead_image_id,
                    )
                    article.save_base(raw=True, force_insert=True)
                    new_tags += [
                        ArticleTag(content_object_id=base.pk, tag_id=tag_id)
                        for tag_id in tags.get(template.pk, ())
                    ]
                    new_bylines += [
                        ArticleAuthor(article_id=base.pk, author_id=author_id, sort_order=0)
                        for author_id in bylines.get(template.pk, ())
                    ]
                ArticleTag.objects.bulk_create(new_tags)
                ArticleAuthor.objects.bulk_create(new_bylines)
                made += len(bases)
            for section in sections.values():
                Page.objects.filter(pk=section.pk).update(numchild=section.numchild)
    # A site in service has the planner's statistics (the worker's hourly upkeep, or the bulk
    # import that grew it); without them "Read more" alone took twice as long at this size.
    refresh_statistics()
    # It also keeps every article's "Read more", chosen as each was published (or by the
    # worker, a batch a minute, for articles written in bulk as these are).
    started = time.monotonic()
    choose_missing(seconds=None)
    choosing = round(time.monotonic() - started, 1)
    print(
        json.dumps(
            {"generated": made, "reading_demo_seconds": reading, "read_more_seconds": choosing}
        )
    )


def read_site() -> None:
    """Every live page rendered once, as by a first reader: what it shows is made then."""
    from tamizdat.mirror.changes import live_pages
    from tamizdat.mirror.pages import CopySettings, PageMaker

    copy = CopySettings.current()
    site = PageMaker(copy).site
    for url, _, _ in live_pages().values():
        site.get(url, copy)


def _tree(root: int) -> list[int]:
    """The process and every process below it (the renderers, Pagefind)."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:  # ended meanwhile
                continue
            # The command may hold spaces and brackets; the parent's id follows the last ")".
            parents.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(entry))
    found, pending = [], [root]
    while pending:
        pid = pending.pop()
        found.append(pid)
        pending.extend(parents.get(pid, ()))
    return found


def _pss_kib(pid: int) -> int:
    """The process's proportional share of the memory it uses: a page it shares with the
    processes forked from it counts once among them all, not once in each."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class PeakMemory:
    """The most memory the process and its children used together while it ran, sampled ten
    times a second."""

    def __init__(self) -> None:
        self.peak_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.1):
            total = sum(_pss_kib(pid) for pid in _tree(os.getpid()))
            self.peak_kib = max(self.peak_kib, total)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def mib(self) -> float:
        return round(self.peak_kib / 1024, 1)


def measure(data_dir: Path, jobs: int) -> None:
    _django(data_dir)
    from wagtail.images import get_image_model

    from tamizdat.mirror import export
    from tamizdat.news.models import ArticlePage, SectionPage

    renditions = get_image_model().get_rendition_model().objects.count()
    folder = data_dir / "copy"
    with PeakMemory() as full_memory:
        full = export.export(folder, jobs=jobs, full=True)

    section = SectionPage.objects.live().filter(locale__language_code="en").first()
    template = ArticlePage.objects.live().child_of(section).first()
    article = ArticlePage(
        title="Breaking: the bench publishes",
        slug="bench-publishes",
        standfirst=template.standfirst,
        body=template.body.raw_data,
        lead_image_id=template.lead_image_id,
    )
    section.add_child(instance=article)
    article.save_revision().publish()
    started = time.monotonic()
    with PeakMemory() as incremental_memory:
        incremental = export.export(folder, jobs=jobs)
    incremental_seconds = round(time.monotonic() - started, 3)
    print(
        json.dumps(
            {
                "articles": ArticlePage.objects.live().count(),
                "jobs": jobs,
                "renditions_before_export": renditions,
                "full_export_seconds": full.seconds,
                "full_pages_rendered": full.rendered,
                "files": full.files,
                "bytes": full.bytes,
                "full_peak_memory_mib": full_memory.mib,
                "incremental_export_seconds": incremental_seconds,
                "incremental_was_full": incremental.full,
                "incremental_pages_rendered": incremental.rendered,
                "incremental_peak_memory_mib": incremental_memory.mib,
                "targets": {"full_seconds": 60, "incremental_seconds": 2, "memory_mib": 500},
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--step", choices=["generate", "measure"])
    parser.add_argument("--data-dir", type=Path)
    args = parser.parse_args()
    if args.step == "generate":
        generate(args.data_dir, args.articles)
        return
    if args.step == "measure":
        measure(args.data_dir, args.jobs)
        return
    with tempfile.TemporaryDirectory(prefix="tamizdat-bench-mirror-") as workdir:
        data_dir = Path(workdir) / "data"
        env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
        run = [sys.executable, __file__, "--data-dir", str(data_dir)]
        started = time.monotonic()
        generation = subprocess.run(
            [*run, "--step", "generate", "--articles", str(args.articles)],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        generated = round(time.monotonic() - started, 1)
        generated_figures = json.loads(generation.strip().splitlines()[-1])
        del generated_figures["generated"]
        output = subprocess.run(
            [*run, "--step", "measure", "--jobs", str(args.jobs)],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        result = json.loads(output.strip().splitlines()[-1])
        print(
            json.dumps(
                {"generate_seconds": generated, **generated_figures, **result},
                indent=2,
            )
        )


if __name__ == "__main__":
    main()
