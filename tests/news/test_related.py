"""'Read more': chosen when an article is published, kept, and changed by a publish only where
the new story ranks; an unpublished or deleted story leaves every list."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import PageViewRestriction

from tamizdat.news import related
from tamizdat.news.models import ArticlePage, ReadMore

pytestmark = pytest.mark.django_db


def shown(client, article) -> list[str]:
    """The headlines a reader sees under "Read more" on the article's page."""
    html = client.get(article.url).content.decode()
    block = html.split('id="read-more-heading"')[1].split("</section>")[0]
    return re.findall(r'class="card__headline"><a href="[^"]*">([^<]*)</a>', block)


def english(site, slug: str) -> ArticlePage:
    return ArticlePage.objects.get(slug=slug, locale=site.en)


def kept(article) -> list[int]:
    return [pk for pk, _ in ReadMore.objects.get(article_id=article.pk).entries]


def test_an_untagged_article_reads_more_from_its_own_section_first(client, site):
    untagged = site.article("politics", "Untagged", hours_ago=100)
    # "Theatre reopens" (culture) is the newest story, yet comes after the politics ones.
    assert shown(client, untagged) == [
        "Parliament dissolved",
        "Opposition prepares",
        "Budget passed",
        "Theatre reopens",
    ]


def test_a_list_is_chosen_as_if_every_article_were_scored(site):
    """Shared tags plus one for the same section, ties to the newer: the candidate lists give
    what scoring every article of the language would."""
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
        assert [pk for pk, _ in related.choose(article)] == [a.pk for a in expected], article


def test_a_list_is_chosen_among_the_newest_stories_only(site, monkeypatch):
    """However many stories share its tags, an article's list is chosen among the newest of
    its language: choosing costs the same in a twenty-year archive."""
    monkeypatch.setattr(related, "CANDIDATES", 2)
    article = site.article("politics", "Election night", hours_ago=0.1, tags=("elections",))
    # "Opposition prepares" shares the tag and the section, but is older than the two newest.
    assert [english(site, "parliament-dissolved").pk, english(site, "theatre-reopens").pk] == [
        pk for pk, _ in related.choose(article)
    ]


def test_a_new_story_joins_only_the_lists_where_it_ranks(client, site):
    """Ten old politics stories with no tags: a new one is the newest of their section, yet
    it joins only the lists of the stories it chose, so a publish rewrites four lists at most,
    not every article's."""
    old = [site.article("politics", f"Old {n}", hours_ago=50 + n) for n in range(10)]
    before = {article.pk: kept(article) for article in old}
    new = site.article("politics", "Port strike", hours_ago=0.5, tags=("budget",))
    chosen = kept(new)
    assert len(chosen) == 4
    changed = {pk for pk, entries in before.items() if kept(ArticlePage(pk=pk)) != entries}
    assert changed <= set(chosen)
    # "Budget passed" shares its tag, so it ranks the new story first.
    budget = english(site, "budget-passed")
    assert shown(client, budget)[0] == "Port strike"
    for article in old:
        if article.pk not in chosen:
            assert "Port strike" not in shown(client, article)


@pytest.mark.parametrize("how", ["unpublished", "deleted"])
def test_a_withdrawn_story_leaves_every_list_and_is_replaced(client, site, how):
    site.article("politics", "Spare story", hours_ago=400)
    site.article("culture", "Older spare", hours_ago=500)
    lead = english(site, "parliament-dissolved")
    naming = [r.article for r in ReadMore.objects.all() if lead.pk in [p for p, _ in r.entries]]
    assert len(naming) >= 2
    if how == "unpublished":
        lead.unpublish()
    else:
        lead.delete()
    for article in naming:
        if article.pk == lead.pk:
            continue
        titles = shown(client, article)
        assert "Parliament dissolved" not in titles
        assert len(titles) == 4, titles  # the list is chosen again, now reaching further
        assert lead.pk not in kept(article)


def test_articles_with_no_list_yet_show_one_and_the_worker_keeps_it(client, site):
    """Articles written in bulk (an archive generated or restored) have no list: their pages
    choose one as they are shown, and the worker's job keeps them, a batch at a time."""
    article = english(site, "budget-passed")
    expected = shown(client, article)
    ReadMore.objects.all().delete()
    assert shown(client, article) == expected
    assert not ReadMore.objects.exists()
    assert related.choose_missing() == ArticlePage.objects.live().count()
    assert shown(client, article) == expected
    assert related.choose_missing() == 0


def test_showing_a_kept_list_costs_the_same_however_many_stories_compete(client, site):
    article = english(site, "budget-passed")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            related.related_articles(article)
        return len(captured)

    few = queries()
    for number in range(30):
        site.article("politics", f"Budget story {number}", hours_ago=30 + number, tags=("budget",))
    assert queries() <= few  # fewer when the stories now shown have no photos


def test_a_private_story_is_left_out_of_read_more(client, site):
    untagged = site.article("politics", "Untagged", hours_ago=100)
    hidden = english(site, "opposition-prepares")
    PageViewRestriction.objects.create(page=hidden, restriction_type="password", password="x")
    assert "Opposition prepares" not in shown(client, untagged)
    assert shown(client, untagged)[0] == "Parliament dissolved"
