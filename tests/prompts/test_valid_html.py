"""Pages carrying the banner, the appeal, the overlay and the goal meter are valid HTML, checked
by the Nu Html Checker (vnu.jar)."""

from pathlib import Path

import pytest

from tests.html_checker import html_problems, needs_java
from tests.prompts import factories

pytestmark = [pytest.mark.django_db, pytest.mark.engine_neutral]


@needs_java
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
    problems = html_problems(client, pages, tmp_path)
    assert problems == [], "\n".join(problems)
