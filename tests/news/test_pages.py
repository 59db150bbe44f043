import datetime
import re
from http import HTTPStatus

import pytest
import time_machine
from django.utils.formats import date_format
from django.utils.timezone import localtime

pytestmark = pytest.mark.django_db


def test_root_redirects_to_the_default_language(client):
    response = client.get("/")
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == "/en/"


def test_home_page_shows_lead_latest_and_sections(client, site):
    html = client.get("/en/").content.decode()
    assert "The Test Courier" in html
    assert "Our site is blocked at home." in html
    assert "Theatre reopens" in html  # the newest story leads
    assert "Parliament dissolved" in html
    assert 'href="/en/politics/"' in html


def test_a_section_rarely_written_for_keeps_its_list_on_the_front_page(client, site, monkeypatch):
    """Section lists are chosen among the newest stories of the language; a section with none
    among them still shows its own newest."""
    monkeypatch.setattr("tamizdat.news.listings.RECENT", 3)
    for number in range(10):
        site.article("politics", f"Politics {number}", hours_ago=0.1 + number / 100)
    for number in range(2):
        site.article("culture", f"Old culture {number}", hours_ago=100 + number)
    html = client.get("/en/").content.decode()
    culture = html.split('href="/en/culture/"', 1)[1]
    assert "Old culture 0" in culture and "Old culture 1" in culture


def test_article_page_has_the_whole_story(client, site):
    response = client.get("/en/politics/parliament-dissolved/")
    html = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert '<h1 class="article__headline">Parliament dissolved</h1>' in html
    assert "Standfirst of Parliament dissolved" in html
    assert "Photo: AP / TASS" in html
    assert "A caption" in html
    assert "Ada Reporter" in html
    assert 'href="/en/tags/elections/"' in html
    assert '"@type": "NewsArticle"' in html
    assert 'property="og:title" content="Parliament dissolved"' in html
    assert 'hreflang="ru" href="http://testserver/ru/politics/parliament-dissolved/"' in html


def test_read_more_prefers_same_section_and_shared_tags(client, site):
    html = client.get("/en/politics/parliament-dissolved/").content.decode()
    read_more = html.split('id="read-more-heading"')[1]
    # "Budget passed" (same section) and "Theatre reopens" (shared tag) are both related;
    # the article itself is never recommended to its own reader.
    assert "Budget passed" in read_more
    assert "Theatre reopens" in read_more
    assert "Parliament dissolved" not in read_more


def test_russian_tree_and_language_switch(client, site):
    html = client.get("/ru/politics/parliament-dissolved/").content.decode()
    assert '<html lang="ru">' in html
    assert "Парламент распущен" in html
    assert "Наш сайт заблокирован." in html
    assert 'href="/en/politics/parliament-dissolved/"' in html  # the switch leads to the original
    assert "Политика" in html


def test_section_page_lists_its_articles_and_paginates(client, site):
    html = client.get("/en/politics/").content.decode()
    assert "Parliament dissolved" in html and "Budget passed" in html
    assert "Theatre reopens" not in html
    # Three stories fit the first page: there is no archive page.
    for number in ("1", "2", "0", "abc"):
        response = client.get("/en/politics/", {"page": number})
        assert response.status_code == HTTPStatus.NOT_FOUND, number
    assert 'class="pagination"' not in html


def titles(client, address):
    """The numbers of the fillers a listing page shows, in order."""
    return re.findall(r">Filler (\d+)</a>", client.get(address).content.decode())


def test_archive_pages_are_numbered_from_the_oldest_and_keep_their_stories(client, site):
    for number in range(30):  # a day apart
        site.article("politics", f"Filler {number}", hours_ago=100 + 24 * number)
    # 33 stories: the newest twelve on the first page, then pages of twelve from the oldest,
    # the newest of them partly full.
    html = client.get("/en/politics/").content.decode()
    assert titles(client, "/en/politics/")[-1] == "8"
    assert 'rel="next" href="?page=2"' in html and 'rel="prev"' not in html
    assert titles(client, "/en/politics/?page=2") == [str(n) for n in range(9, 18)]
    oldest = titles(client, "/en/politics/?page=1")
    assert oldest == [str(n) for n in range(18, 30)]
    page = client.get("/en/politics/?page=1").content.decode()
    assert 'rel="prev" href="?page=2"' in page and 'rel="next"' not in page
    assert client.get("/en/politics/?page=3").status_code == HTTPStatus.NOT_FOUND
    # Each page says which days its stories are from.
    oldest_story = site.sections["politics"].get_children().live().get(title="Filler 29")
    day = date_format(localtime(oldest_story.first_published_at), "j E Y")
    assert f"<span>{day} – " in page.split('class="pagination"')[1]

    # A tag with a Cyrillic slug: its newest archive page names its first as every link does.
    for number in range(13):
        site.article("culture", f"Статья {number}", hours_ago=200 + number, tags=("выборы",))
    russian = client.get("/en/tags/%D0%B2%D1%8B%D0%B1%D0%BE%D1%80%D1%8B/?page=1").content.decode()
    assert 'rel="prev" href="/en/tags/%D0%B2%D1%8B%D0%B1%D0%BE%D1%80%D1%8B/"' in russian

    site.article("politics", "Breaking", hours_ago=0.1)
    assert titles(client, "/en/politics/?page=1") == oldest
    newest = client.get("/en/politics/?page=2").content.decode()
    assert 'rel="prev" href="/en/politics/"' in newest
    assert titles(client, "/en/politics/?page=2") == [str(n) for n in range(8, 18)]


def test_stories_published_in_the_same_instant_each_keep_one_archive_page(client, site):
    with time_machine.travel(datetime.datetime(2026, 3, 1, 9, 0, tzinfo=datetime.UTC), tick=False):
        for number in range(30):  # an import: one publishing time for all
            site.article("politics", f"Filler {number}", hours_ago=100)
    addresses = ("/en/politics/", "/en/politics/?page=2", "/en/politics/?page=1")
    shown = [titles(client, address) for address in addresses]
    assert sorted(int(number) for page in shown for number in page) == list(range(30))
    assert [titles(client, address) for address in addresses] == shown  # and keep it


def test_tag_and_author_pages(client, site):
    tag_html = client.get("/en/tags/elections/").content.decode()
    assert "Parliament dissolved" in tag_html and "Theatre reopens" in tag_html
    assert "Budget passed" not in tag_html
    author_html = client.get("/en/authors/ada/").content.decode()
    assert "Ada Reporter" in author_html and "Parliament dissolved" in author_html
    assert client.get("/en/tags/nothing-here/").status_code == HTTPStatus.NOT_FOUND
    assert client.get("/en/authors/nobody/").status_code == HTTPStatus.NOT_FOUND


def test_search_finds_articles_in_the_readers_language(client, site):
    html = client.get("/en/search/", {"q": "budget"}).content.decode()
    assert "Budget passed" in html
    assert "Parliament dissolved" not in html
    ru_html = client.get("/ru/search/", {"q": "парламент"}).content.decode()
    assert "Парламент распущен" in ru_html
    assert "Nothing found for" in client.get("/en/search/", {"q": "zzzz"}).content.decode()


def test_search_reads_punctuation_and_control_characters_as_nothing_but_words(client, site):
    # The search backends' own query syntax (quotes, NEAR, column filters) and a NUL byte
    # once answered 500.
    for query in ['"', 'Kalvas "port', "\x00", "budget\x00", "NEAR(budget", "title:budget", "NOT"]:
        response = client.get("/en/search/", {"q": query})
        assert response.status_code == HTTPStatus.OK, query
    html = client.get("/en/search/", {"q": '"budget'}).content.decode()
    assert "Budget passed" in html


def test_unknown_address_gets_the_sites_404_page(client, site):
    response = client.get("/en/no-such-story/")
    assert response.status_code == HTTPStatus.NOT_FOUND
    assert "Page not found" in response.content.decode()
    ru = client.get("/ru/no-such-story/").content.decode()
    assert "Тестовый курьер" in ru


def test_the_newsroom_is_named_once_and_alike_everywhere(client, site):
    import json
    import re

    def title(path: str) -> str:
        return re.search(r"<title>(.*?)</title>", client.get(path).content.decode())[1]

    assert title("/en/") == "The Test Courier"
    assert title("/ru/") == "Тестовый курьер"
    assert title("/en/politics/") == "Politics — The Test Courier"
    html = client.get("/en/politics/parliament-dissolved/").content.decode()
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html)[1])
    assert data["publisher"]["name"] == "The Test Courier"
    assert '<meta property="og:site_name" content="The Test Courier">' in html
    russian = client.get("/ru/politics/parliament-dissolved/").content.decode()
    assert '<meta property="og:site_name" content="Тестовый курьер">' in russian


@pytest.mark.parametrize(
    ("path", "description"),
    [
        ("/en/", "News without ads"),  # the tagline, when the editors wrote no description
        ("/en/politics/", "Politics news"),
        ("/en/tags/elections/", "Articles tagged “elections” at The Test Courier."),
        ("/en/authors/ada/", "Articles by Ada Reporter at The Test Courier."),
        ("/ru/tags/elections/", "Материалы с тегом «elections» — Тестовый курьер."),
    ],
)
def test_every_reading_page_has_a_description_and_search_is_not_indexed(
    client, site, path, description
):
    import html as html_module
    import re

    head = client.get(path).content.decode().split("</head>")[0]
    found = re.search(r'<meta name="description" content="([^"]*)">', head)
    assert found and html_module.unescape(found[1]).startswith(description)
    search = client.get("/en/search/", {"q": "Parliament"}).content.decode().split("</head>")[0]
    assert '<meta name="robots" content="noindex">' in search


def test_every_reading_page_describes_itself_for_search_engines(client, site):
    pages = [
        "/en/",
        "/ru/",
        "/en/politics/",
        "/en/politics/parliament-dissolved/",
        "/ru/politics/parliament-dissolved/",
        "/en/authors/ada/",
        "/en/tags/elections/",
        "/en/search/?q=budget",
        "/en/support/",
    ]
    for url in pages:
        html = client.get(url).content.decode()
        described = re.search(r'<meta name="description" content="([^"]+)">', html)
        assert described and described[1].strip(), url
