"""Language routing: the address alone decides the language, and the interface is translated."""

from http import HTTPStatus

import pytest

pytestmark = pytest.mark.django_db


def test_interface_strings_are_translated_in_russian_pages(client, site):
    html = client.get("/ru/politics/parliament-dissolved/").content.decode()
    assert "Перейти к содержанию" in html
    assert "Разделы" in html
    assert "Фото: AP / TASS" in html
    assert "Skip to content" not in html


def test_russian_plural_forms_in_search_results(client, site):
    html = client.get("/ru/search/", {"q": "парламент"}).content.decode()
    assert "Найдена 1 статья." in html


def test_language_comes_from_the_address_not_the_readers_headers(client, site):
    english = client.get(
        "/en/politics/", headers={"Accept-Language": "ru"}, HTTP_COOKIE="django_language=ru"
    )
    assert '<html lang="en">' in english.content.decode()
    assert "Accept-Language" not in english.get("Vary", "")
    russian = client.get("/ru/politics/", headers={"Accept-Language": "en"})
    assert '<html lang="ru">' in russian.content.decode()


def test_untranslated_article_links_to_the_other_languages_home(client, site):
    html = client.get("/en/politics/budget-passed/").content.decode()
    assert 'href="/ru/" lang="ru"' in html
    assert 'hreflang="ru" href=' not in html.split("</head>")[0]


def test_unknown_language_prefix_is_a_404(client, site):
    # Unprefixed addresses are tried in a language; one that exists nowhere ends in a 404.
    assert client.get("/de/", follow=True).status_code == HTTPStatus.NOT_FOUND


@pytest.mark.parametrize(
    ("english", "russian"),
    [
        ("/en/politics/", "/ru/politics/"),
        ("/en/politics/parliament-dissolved/", "/ru/politics/parliament-dissolved/"),
        ("/en/search/?q=Parliament", "/ru/search/?q=Parliament"),
        ("/en/tags/elections/", "/ru/tags/elections/"),
        ("/en/authors/ada/", "/ru/authors/ada-ru/"),
        ("/en/support/?currency=EUR", "/ru/support/?currency=EUR"),
        ("/en/reach/", "/ru/reach/"),
        ("/en/politics/?page=1", "/ru/politics/"),  # the other language may have fewer pages
        ("/en/tags/budget/", "/ru/"),  # no Russian article carries this tag
        ("/en/authors/boris/", "/ru/"),  # not translated
    ],
)
def test_the_language_switch_keeps_the_page_and_the_query(client, site, english, russian):
    from tamizdat.news.models import Author

    ada = site.authors["ada"]
    Author.objects.create(
        locale=site.ru, slug="ada-ru", name="Ада", translation_key=ada.translation_key
    )
    if "?page=" in english:  # an archive page: more stories than the first page holds
        for number in range(12):
            site.article("politics", f"Filler {number}", hours_ago=50 + number)
    html = client.get(english).content.decode()
    switch = html.split('aria-label="Language"')[1].split("</nav>")[0]
    assert f'href="{russian}" lang="ru"' in switch.replace("&amp;", "&")
    back = client.get(russian).content.decode()
    assert client.get(russian).status_code == HTTPStatus.OK, back[:500]
