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


def test_read_more_ranks_as_if_every_article_were_scored(site):
    """Shared tags plus one for the same section, ties to the newer: the candidate lists give
    what scoring every article of the language would."""
    from tamizdat.news.models import ArticlePage

    for number, tags in enumerate([("budget",), ("budget", "vote"), (), ("vote",), ("arts",)]):
        site.article("politics", f"Politics {number}", hours_ago=10 + number, tags=tags)
        site.article("culture", f"Culture {number}", hours_ago=20 + number, tags=tags)
    english = list(ArticlePage.objects.live().filter(locale=site.en))
    assert len(english) > 10
    for article in english:
        tags = {tag.pk for tag in article.tags.all()}
        section = article.path[: -article.steplen]

        def score(other, tags=tags, section=section):
            shared = len(tags & {tag.pk for tag in other.tags.all()})
            return (shared + other.path.startswith(section), other.first_published_at)

        others = [other for other in english if other.pk != article.pk]
        expected = sorted(others, key=score, reverse=True)[:4]
        assert [a.pk for a in related_articles(article)] == [a.pk for a in expected], article
