"""Security headers on every response, and the shared page cache with its purge on publish."""

import gzip
import re
from http import HTTPStatus
from pathlib import Path

import pytest
from django.core.cache import cache

pytestmark = pytest.mark.django_db

ARTICLE = "/en/politics/parliament-dissolved/"
READING_PAGES = [
    "/en/",
    "/ru/",
    "/en/politics/",
    ARTICLE,
    "/ru/politics/parliament-dissolved/",
    "/en/tags/elections/",
    "/en/authors/ada/",
    "/en/search/?q=budget",
    "/en/missing/",
]


def policy_of(response) -> dict[str, str]:
    csp = response["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in csp.split(";") if part.strip())


def test_security_headers_on_reading_pages_and_admin(client, site):
    for url in [*READING_PAGES, "/admin/login/"]:
        response = client.get(url)
        csp = response["Content-Security-Policy"]
        directives = policy_of(response)
        assert directives["default-src"] == "'self'", url
        if url.startswith("/admin/"):
            assert re.fullmatch(r"'self' 'nonce-[\w-]{24}'", directives["script-src"]), url
        else:
            assert directives["script-src"] == "'self'", url
            assert "unsafe-inline" not in csp, url
        assert directives["frame-ancestors"] == "'self'", url
        assert directives["object-src"] == "'none'", url
        assert "unsafe-eval" not in csp, url
        assert not re.search(r"https?://", directives["script-src"]), url
        assert response["Referrer-Policy"] == "same-origin"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "camera=()" in response["Permissions-Policy"]
        assert "Strict-Transport-Security" not in response  # only over HTTPS


def test_admin_inline_scripts_carry_this_responses_nonce(client, site, admin_user):
    client.force_login(admin_user)
    article = site.sections["politics"].get_children().get(slug="budget-passed")
    nonces = set()
    for _ in range(2):
        response = client.get(f"/admin/pages/{article.pk}/edit/")
        nonce = policy_of(response)["script-src"].split("'nonce-")[1].rstrip("'")
        html = response.content.decode()
        inline = re.findall(r"<script\b(?![^>]*\bsrc=)[^>]*>", html)
        assert inline, "the edit page starts its choosers with inline scripts"
        assert all(f"nonce={nonce}" in tag for tag in inline), inline
        nonces.add(nonce)
    assert len(nonces) == 2  # a fresh one for every response


def test_hsts_over_https(client, site, settings):
    settings.SECURE_HSTS_SECONDS = 31_536_000
    response = client.get("/en/", secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")


def test_onion_location_when_an_onion_address_is_configured(client, site, settings):
    settings.ONION_ADDRESS = "example2exampleexample.onion"
    response = client.get(ARTICLE)
    assert response["Onion-Location"] == f"http://example2exampleexample.onion{ARTICLE}"


def test_reading_pages_have_no_inline_script_or_style(client, site):
    for url in READING_PAGES:
        html = client.get(url).content.decode()
        for script in re.findall(r"<script\b[^>]*>", html):
            # Structured data is a data block the browser never executes; code comes only
            # from first-party files.
            is_data = 'type="application/ld+json"' in script
            assert is_data or re.search(r'\ssrc="/static/[^"]+"', script), (url, script)
        assert "<style" not in html, url
        assert not re.search(r"\sstyle=", html), url
        assert not re.search(r"\son[a-z]+=", html), url
        # Nothing is loaded from another origin: every src and srcset is a local path.
        for source in re.findall(r'\ssrc(?:set)?="([^"]+)"', html):
            assert source.startswith("/"), (url, source)


def test_anonymous_pages_are_cacheable_by_a_cdn(client, site):
    response = client.get(ARTICLE)
    cache_control = response["Cache-Control"]
    assert "public" in cache_control
    assert "s-maxage=300" in cache_control
    assert "stale-while-revalidate" in cache_control
    assert response["ETag"]
    assert "Set-Cookie" not in response and not response.cookies
    revalidated = client.get(ARTICLE, headers={"If-None-Match": response["ETag"]})
    assert revalidated.status_code == HTTPStatus.NOT_MODIFIED


def test_repeat_hits_come_from_the_page_cache_and_publishing_purges_it(client, site):
    first = client.get(ARTICLE)
    assert first["X-Cache"] == "miss"
    hit = client.get(ARTICLE)
    assert hit["X-Cache"] == "hit"
    # The tag a CDN revalidates with is the page's, whether rendered or served from the cache.
    assert hit["ETag"] == first["ETag"]
    assert client.get(ARTICLE, headers={"If-None-Match": hit["ETag"]}).status_code == 304
    assert client.get("/en/")["X-Cache"] == "miss"

    article = site.sections["politics"].get_children().get(slug="parliament-dissolved").specific
    article.title = "Parliament dissolved, elections called"
    article.save_revision().publish()

    for url in (ARTICLE, "/en/", "/en/politics/", "/en/feed/"):
        response = client.get(url)
        assert response["X-Cache"] == "miss", url
        assert "Parliament dissolved, elections called" in response.content.decode(), url
    assert client.get(ARTICLE)["ETag"] != first["ETag"]


def test_readers_who_accept_gzip_get_the_stored_compressed_page(client, site):
    page = client.get(ARTICLE)
    assert page["X-Cache"] == "miss"
    gzip_reader = {"Accept-Encoding": "gzip, deflate, br"}
    compressed = client.get(ARTICLE, headers=gzip_reader)
    assert compressed["X-Cache"] == "hit"
    assert compressed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in compressed["Vary"]
    assert int(compressed["Content-Length"]) == len(compressed.content) < len(page.content) / 2
    assert gzip.decompress(compressed.content) == page.content
    # Compressed once when stored: every hit sends the same bytes (compressing each response,
    # as Django's GZipMiddleware does, pads each one differently), and so did the miss.
    assert client.get(ARTICLE, headers=gzip_reader).content == compressed.content
    cache.clear()
    first = client.get(ARTICLE, headers=gzip_reader)
    assert first["X-Cache"] == "miss" and first.content == compressed.content
    assert first["ETag"] == compressed["ETag"]
    assert compressed["ETag"] == "W/" + page["ETag"]
    revalidated = client.get(ARTICLE, headers={**gzip_reader, "If-None-Match": compressed["ETag"]})
    assert revalidated.status_code == 304
    # A client that does not accept gzip still gets the page as it was rendered.
    plain = client.get(ARTICLE)
    assert plain["X-Cache"] == "hit" and not plain.has_header("Content-Encoding")
    assert plain.content == page.content and plain["ETag"] == page["ETag"]
    assert int(plain["Content-Length"]) == len(page.content)


def test_renaming_a_tag_purges_the_pages_that_name_it(client, site):
    from taggit.models import Tag

    assert client.get(ARTICLE)["X-Cache"] == "miss"
    assert client.get(ARTICLE)["X-Cache"] == "hit"
    tag = Tag.objects.get(slug="elections")
    tag.name = "Snap elections"
    tag.save()
    response = client.get(ARTICLE)
    assert response["X-Cache"] == "miss"
    assert "Snap elections" in response.content.decode()


def test_unpublishing_removes_the_story_from_cached_listings(client, site):
    assert "Budget passed" in client.get("/en/politics/").content.decode()
    site.sections["politics"].get_children().get(slug="budget-passed").specific.unpublish()
    assert "Budget passed" not in client.get("/en/politics/").content.decode()
    assert client.get("/en/politics/budget-passed/").status_code == HTTPStatus.NOT_FOUND


def test_signed_in_editors_bypass_the_page_cache(client, site, admin_user):
    reader = type(client)()
    assert reader.get(ARTICLE)["X-Cache"] == "miss"
    client.force_login(admin_user)
    # The editor is not served the readers' copy...
    assert "X-Cache" not in client.get(ARTICLE)
    # ... and the editor's own render, made first on an empty cache, is never stored for the
    # readers: the next reader renders afresh, and later readers get that copy.
    cache.clear()
    editors = client.get(ARTICLE)
    assert "X-Cache" not in editors
    first = reader.get(ARTICLE)
    assert first["X-Cache"] == "miss"
    again = reader.get(ARTICLE)
    assert again["X-Cache"] == "hit" and again.content == first.content


def test_same_page_is_byte_identical_whatever_the_reader_sends(client, site):
    plain = client.get(ARTICLE).content
    client.cookies["csrftoken"] = "x" * 32
    client.cookies["tracking"] = "abc"
    other = client.get(
        ARTICLE, headers={"Accept-Language": "ru", "User-Agent": "Other/1.0", "DNT": "1"}
    ).content
    assert plain == other


def test_unknown_query_parameters_do_not_fill_the_page_cache(client, site):
    assert client.get("/en/politics/")["X-Cache"] == "miss"
    assert client.get("/en/politics/")["X-Cache"] == "hit"
    for junk in range(3):
        response = client.get(f"/en/politics/?utm_source={junk}")
        assert response.status_code == HTTPStatus.OK
        assert "X-Cache" not in response


def test_only_well_written_page_numbers_of_listings_are_cached(client, site, settings):
    # Once every spelling of a number was rendered and stored as a page of its own.
    for page in ("/en/", "/en/politics/", ARTICLE):
        assert client.get(page)["X-Cache"] == "miss"
    files = Path(settings.CACHES["default"]["LOCATION"])
    stored_before = len(list(files.glob("*.djcache")))
    for junk in ["01", "1 ", "+1", "1.0", "١", "x1"]:
        response = client.get("/en/politics/", {"page": junk})
        assert response.status_code == HTTPStatus.NOT_FOUND, junk
    assert client.get("/en/politics/?page=1&page=1").status_code == HTTPStatus.NOT_FOUND
    # A page without pages sends the reader to its one address, and stores nothing more.
    for junk in ["2", "junk7", "01"]:
        response = client.get(ARTICLE, {"page": junk})
        assert response.status_code == HTTPStatus.MOVED_PERMANENTLY, junk
        assert response["Location"] == ARTICLE
    assert client.get("/en/", {"page": "3"})["Location"] == "/en/"
    assert len(list(files.glob("*.djcache"))) == stored_before


def test_server_error_page_stands_alone_in_both_languages(client, site):
    from django.views.defaults import server_error

    response = server_error(client.get("/en/").wsgi_request)
    html = response.content.decode()
    assert response.status_code == HTTPStatus.INTERNAL_SERVER_ERROR
    assert "Something went wrong" in html and "Что-то пошло не так" in html
    assert "<script" not in html


def test_pages_are_compressed_for_readers_who_accept_it(client, site):
    response = client.get(ARTICLE, headers={"Accept-Encoding": "gzip"})
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    assert len(response.content) < len(client.get(ARTICLE).content) / 2


def test_read_more_follows_publishing(client, site):
    def read_more() -> str:
        return client.get(ARTICLE).content.decode().split('id="read-more-heading"')[1]

    assert "Snap election called" not in read_more()
    site.article("politics", "Snap election called", tags=("elections",))
    assert "Snap election called" in read_more()
