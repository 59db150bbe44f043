"""Benchmark: every reading page, search, the sitemap and a publish, at the demo's size and
with an archive of 100,000 articles.

Loads the demo newsroom into a throwaway data directory and measures it; then grows it into
--articles articles (nine in ten in English, one in ten a Russian translation of one of them),
written straight into the page tree, the bylines, the tags and the search index in batches
rather than published one by one, and measures again in a fresh process. Each address is
requested through the site's whole stack with the page cache bypassed (as for a signed-in
editor's first view, without the editor): the first request, then the median of --runs more,
and the queries of one request. The publish is an editor's, on the production settings: the
time and queries of publishing, then of running every background task it queued. Prints one
JSON document. Runs on SQLite, or on PostgreSQL under scripts/with-postgres (DATABASE_URL).
Usage: python bench/archive.py [--articles 100000] [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
BATCH = 2000
# A word in half the demo's stories, one in a single story, a word in many Russian ones.
SEARCHES = {"common": "people", "rare": "abolition", "russian": "велории"}


def _django(data_dir: Path) -> None:
    os.environ["TAMIZDAT_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tamizdat.settings")
    import django

    django.setup()


def load_demo(data_dir: Path) -> None:
    _django(data_dir)
    from django.core.management import call_command

    with open(os.devnull, "w") as quiet:
        call_command("demo", "--no-serve", verbosity=0, stdout=quiet)
        # What the demo queued (the search index among it), as a running worker would.
        call_command("worker", "--batch", stdout=quiet, stderr=quiet)


def grow(data_dir: Path, count: int) -> None:
    """Copies of the demo's stories until the archive holds `count` more articles."""
    _django(data_dir)
    from django.contrib.contenttypes.models import ContentType
    from django.db import transaction
    from django.utils import timezone
    from wagtail.models import Page
    from wagtail.search.models import IndexEntry

    from tamizdat.news.models import ArticleAuthor, ArticlePage, ArticleTag, SectionPage

    article_type = ContentType.objects.get_for_model(ArticlePage)
    entries = {
        int(entry.object_id): entry
        for entry in IndexEntry.objects.filter(content_type=article_type)
    }
    now = timezone.now()
    started = time.monotonic()
    keys: list[uuid.UUID] = []
    plan = {"en": count - count // 10, "ru": count // 10}
    for language, wanted in plan.items():
        templates = list(ArticlePage.objects.live().filter(locale__language_code=language))
        tags: dict[int, list[int]] = {}
        for tag in ArticleTag.objects.filter(content_object__in=templates):
            tags.setdefault(tag.content_object_id, []).append(tag.tag_id)
        bylines: dict[int, list[int]] = {}
        for byline in ArticleAuthor.objects.filter(article__in=templates):
            bylines.setdefault(byline.article_id, []).append(byline.author_id)
        sections = {s.pk: s for s in SectionPage.objects.filter(locale__language_code=language)}
        parents = {t.pk: sections[t.get_parent().pk] for t in templates}
        for start in range(0, wanted, BATCH):
            with transaction.atomic():
                pages, sources = [], []
                for number in range(start, min(wanted, start + BATCH)):
                    template = templates[number % len(templates)]
                    section = parents[template.pk]
                    section.numchild += 1
                    slug = f"{template.slug}-{number}"
                    # Newer stories get higher ids, as in a newsroom that publishes daily.
                    moment = now - timedelta(days=30, minutes=(wanted - number) * 7)
                    if language == "en":
                        keys.append(uuid.uuid4())
                    pages.append(
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
                            translation_key=keys[number],
                            first_published_at=moment,
                            last_published_at=moment,
                        )
                    )
                    sources.append(template)
                Page.objects.bulk_create(pages)
                new_tags, new_bylines, new_entries = [], [], []
                for page, template in zip(pages, sources, strict=True):
                    ArticlePage(
                        page_ptr_id=page.pk,
                        standfirst=template.standfirst,
                        body=template.body.raw_data,
                        lead_image_id=template.lead_image_id,
                    ).save_base(raw=True, force_insert=True)
                    new_tags += [
                        ArticleTag(content_object_id=page.pk, tag_id=tag_id)
                        for tag_id in tags.get(template.pk, ())
                    ]
                    new_bylines += [
                        ArticleAuthor(article_id=page.pk, author_id=author_id, sort_order=0)
                        for author_id in bylines.get(template.pk, ())
                    ]
                    entry = entries[template.pk]
                    new_entries.append(
                        IndexEntry(
                            content_type=article_type,
                            object_id=str(page.pk),
                            title=entry.title,
                            body=entry.body,
                            autocomplete=entry.autocomplete,
                            title_norm=entry.title_norm,
                        )
                    )
                ArticleTag.objects.bulk_create(new_tags)
                ArticleAuthor.objects.bulk_create(new_bylines)
                IndexEntry.objects.bulk_create(new_entries)
                for section in sections.values():
                    Page.objects.filter(pk=section.pk).update(numchild=section.numchild)
    seconds = time.monotonic() - started
    # The worker's minute job fills the Read more lists of stories written in bulk; a site in
    # service has them all, so the archive is measured with them.
    from tamizdat.news.related import choose_missing

    started = time.monotonic()
    choose_missing(seconds=None)
    choosing = round(time.monotonic() - started, 1)
    print(
        json.dumps(
            {
                "generated": count,
                "articles_per_second": round(count / seconds),
                "read_more_seconds": choosing,
            }
        )
    )


WXR_ITEM = """<item><title>{title}</title><link>https://old.example.org/{year}/{slug}/</link>
<dc:creator>editor</dc:creator><content:encoded><![CDATA[{content}]]></content:encoded>
<excerpt:encoded><![CDATA[{excerpt}]]></excerpt:encoded><wp:post_id>{id}</wp:post_id>
<wp:post_date_gmt>{year}-03-01 10:00:00</wp:post_date_gmt>
<wp:post_modified_gmt>{year}-03-02 10:00:00</wp:post_modified_gmt>
<wp:post_name>{slug}</wp:post_name><wp:status>publish</wp:status>
<wp:post_type>post</wp:post_type>
<category domain="category" nicename="{section}">{section}</category>
<category domain="post_tag" nicename="archive">Archive</category></item>
"""


def import_rate(data_dir: Path, count: int) -> None:
    """A generated WordPress export of `count` posts (the demo's stories as their content),
    imported by `tamizdat import wordpress`: posts a second and the importer's peak memory."""
    _django(data_dir)
    import resource
    from html import escape

    from django.core.management import call_command

    from tamizdat.news.models import ArticlePage

    # The demo's stories (the first ones), not the whole archive: the importer's peak memory
    # is what is measured.
    stories = list(
        ArticlePage.objects.live().filter(locale__language_code="en").order_by("pk")[:60]
    )
    export = data_dir / "export.xml"
    with export.open("w") as out:
        out.write(
            '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
            'xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns:wp="http://wordpress.org/export/1.2/"><channel>'
            "<wp:author><wp:author_login>editor</wp:author_login>"
            "<wp:author_display_name>The Editor</wp:author_display_name></wp:author>\n"
        )
        for number in range(count):
            story = stories[number % len(stories)]
            paragraphs = "\n\n".join(
                str(block.value.source if hasattr(block.value, "source") else block.value)
                for block in story.body
                if block.block_type in ("paragraph", "subheading")
            )
            out.write(
                WXR_ITEM.format(
                    title=escape(f"{story.title} ({number})"),
                    slug=f"{story.slug}-{number}",
                    year=2000 + number % 24,
                    content=paragraphs,
                    excerpt=story.standfirst,
                    id=100_000 + number,
                    section=story.get_parent().slug,
                )
            )
        out.write("</channel></rss>\n")
    started, cpu = time.perf_counter(), time.process_time()
    with open(os.devnull, "w") as quiet:
        call_command("import", "wordpress", str(export), stdout=quiet, stderr=quiet)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "posts": count,
                "seconds": round(seconds, 1),
                "posts_per_second": round(count / seconds, 1),
                # The process's own time: on a shared machine, what the wall clock measures
                # less well.
                "cpu_seconds": round(cpu, 1),
                "posts_per_cpu_second": round(count / cpu, 1),
                "peak_memory_mib": round(peak, 1),
            }
        )
    )


def _median(values: list[float]) -> float:
    return round(statistics.median(values), 1)


def measure(data_dir: Path, runs: int) -> None:
    _django(data_dir)
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django_tasks_db.models import DBTaskResult

    from tamizdat.news.models import ArticlePage, Author, SectionPage

    # An empty session cookie keeps a request out of the shared page cache.
    client = Client(
        HTTP_COOKIE=f"{settings.SESSION_COOKIE_NAME}=", HTTP_HOST=settings.ALLOWED_HOSTS[0]
    )

    class Counter:
        """Counts the queries run inside it (the request signals reset Django's own log)."""

        def __init__(self) -> None:
            self.count = 0

        def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
            self.count += 1
            return execute(sql, params, many, context)

        def __enter__(self) -> Counter:
            self.wrapper = connection.execute_wrapper(self)
            self.wrapper.__enter__()
            return self

        def __exit__(self, *exc: object) -> None:
            self.wrapper.__exit__(*exc)

    def request(url: str) -> dict[str, Any]:
        started = time.perf_counter()
        with Counter() as queries:
            response = client.get(url)
        first = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        return {
            "first_ms": round(first, 1),
            "median_ms": _median(times),
            "queries": queries.count,
            "bytes": len(response.content),
        }

    # The statistics SQLite has within the hour after a bulk load: the worker's upkeep
    # analyses the tables no closing connection did (`tamizdat.maintenance`).
    from tamizdat.maintenance import maintain_database

    maintain_database.call()

    english = SectionPage.objects.live().filter(locale__language_code="en")
    largest = max(english, key=lambda section: section.numchild)
    tagged = ArticlePage.objects.live().filter(
        locale__language_code="en", tagged_items__isnull=False
    )
    article = tagged.order_by("pk").last()
    author = max(
        Author.objects.filter(locale__language_code="en"),
        key=lambda a: ArticlePage.objects.filter(article_authors__author=a).count(),
    )
    tag = article.tags.first()
    pages = {
        "home": "/en/",
        "section_first_page": largest.url,
        # Archive pages count from the oldest: the first holds the deepest stories.
        "section_last_page": f"{largest.url}?page=1",
        "article": article.url,
        "author": f"/en/authors/{author.slug}/",
        "tag": f"/en/tags/{tag.slug}/",
        "feed": "/en/feed/",
        "russian_home": "/ru/",
        "sitemap_index": "/sitemap.xml",
    }
    for name, word in SEARCHES.items():
        language = "ru" if name == "russian" else "en"
        pages[f"search_{name}"] = f"/{language}/search/?q={word}"
    found = ArticlePage.objects.live().filter(locale=article.locale)
    found = found.search(SEARCHES["common"], operator="and").count()
    later = max(1, min(5, -(-found // 12)))
    pages[f"search_common_page_{later}"] = f"/en/search/?q={SEARCHES['common']}&page={later}"
    results = {name: request(url) for name, url in pages.items()}
    from tamizdat.news.sitemaps import file_count

    for number in range(1, file_count() + 1):
        results[f"sitemap_{number}"] = request(f"/sitemap-{number}.xml")

    # One publish, the way an editor's "Publish" does it, then the tasks it queued.
    section = english.first()
    story = ArticlePage(
        title="The bench publishes",
        slug=f"bench-publishes-{uuid.uuid4().hex[:8]}",
        standfirst=article.standfirst,
        body=article.body.raw_data,
        lead_image_id=article.lead_image_id,
    )
    DBTaskResult.objects.all().delete()
    started = time.perf_counter()
    with Counter() as queries:
        section.add_child(instance=story)
        story.save_revision().publish()
    publish_ms = (time.perf_counter() - started) * 1000
    queued = sorted(DBTaskResult.objects.values_list("task_path", flat=True))
    started = time.perf_counter()
    with Counter() as task_queries, open(os.devnull, "w") as quiet:
        call_command("worker", "--batch", stdout=quiet, stderr=quiet)
    tasks_ms = (time.perf_counter() - started) * 1000
    results["publish"] = {
        "ms": round(publish_ms, 1),
        "queries": queries.count,
        "tasks_queued": queued,
        "tasks_ms": round(tasks_ms, 1),
        "tasks_queries": task_queries.count,
        "article_first_view_after": request(story.url),
    }
    print(
        json.dumps(
            {
                "database": connection.vendor,
                "articles": ArticlePage.objects.live().count(),
                "pages": results,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--imported", type=int, default=1000, help="posts in the WXR import")
    parser.add_argument("--step", choices=["demo", "grow", "measure", "import"])
    parser.add_argument("--data-dir", type=Path)
    args = parser.parse_args()
    if args.step == "demo":
        return load_demo(args.data_dir)
    if args.step == "grow":
        return grow(args.data_dir, args.articles)
    if args.step == "measure":
        return measure(args.data_dir, args.runs)
    if args.step == "import":
        return import_rate(args.data_dir, args.imported)
    with tempfile.TemporaryDirectory(prefix="tamizdat-bench-archive-") as workdir:
        data_dir = Path(workdir) / "data"
        env = {**os.environ, "PYTHONPATH": str(REPO / "src")}

        def step(*arguments: str) -> dict[str, Any]:
            output = subprocess.run(
                [sys.executable, __file__, "--data-dir", str(data_dir), *arguments],
                env=env,
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            return json.loads(output.strip().splitlines()[-1]) if output.strip() else {}

        step("--step", "demo")
        demo = step("--step", "measure", "--runs", str(args.runs))
        grown = step("--step", "grow", "--articles", str(args.articles))
        large = step("--step", "measure", "--runs", str(args.runs))
        imported = step("--step", "import", "--imported", str(args.imported))
        print(
            json.dumps(
                {"generate": grown, "demo": demo, "archive": large, "import": imported}, indent=2
            )
        )


if __name__ == "__main__":
    main()
