"""'Read more' of an article without tags still puts its own section first."""

import pytest

from tamizdat.news.related import related_articles

pytestmark = pytest.mark.django_db


def test_an_untagged_article_reads_more_from_its_own_section_first(site):
    untagged = site.article("politics", "Untagged", hours_ago=100)
    titles = [article.title for article in related_articles(untagged)]
    # "Theatre reopens" (culture) is the newest story, yet comes after the politics ones.
    assert titles == [
        "Parliament dissolved",
        "Opposition prepares",
        "Budget passed",
        "Theatre reopens",
    ]
