"""Settings read from the environment: a malformed value stops start-up with one line naming
its variable, and a valid one gives Django what it needs."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from tamizdat.environment import front_caches, media_storage, metrics_token, search_backend

pytestmark = pytest.mark.engine_neutral

LOCAL = {"BACKEND": "django.core.files.storage.FileSystemStorage"}


def test_media_stay_on_this_machine_by_default(monkeypatch):
    monkeypatch.delenv("TAMIZDAT_MEDIA_STORAGE", raising=False)
    assert media_storage("/media/", LOCAL) == ("local", "/media/", LOCAL)


def test_media_in_a_bucket_are_fetched_from_its_public_address(monkeypatch):
    monkeypatch.setenv("TAMIZDAT_MEDIA_STORAGE", "s3")
    monkeypatch.setenv("TAMIZDAT_MEDIA_S3_BUCKET", "newsroom-media")
    monkeypatch.setenv("TAMIZDAT_MEDIA_S3_PUBLIC_URL", "https://media.example.org/newsroom")
    kind, url, storage = media_storage("/media/", LOCAL)
    assert (kind, url) == ("s3", "https://media.example.org/newsroom/")
    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    options = storage["OPTIONS"]
    assert options["bucket_name"] == "newsroom-media"
    assert (options["custom_domain"], options["url_protocol"]) == (
        "media.example.org/newsroom",
        "https:",
    )
    assert options["querystring_auth"] is False


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"TAMIZDAT_MEDIA_STORAGE": "nfs"}, "TAMIZDAT_MEDIA_STORAGE must be local or s3"),
        ({"TAMIZDAT_MEDIA_STORAGE": "s3"}, "needs TAMIZDAT_MEDIA_S3_BUCKET"),
    ],
)
def test_a_malformed_media_storage_is_named(monkeypatch, variables, message):
    for name in ("TAMIZDAT_MEDIA_S3_BUCKET", "TAMIZDAT_MEDIA_S3_PUBLIC_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ImproperlyConfigured, match=message):
        media_storage("/media/", LOCAL)


def test_search_uses_the_databases_own_backend_unless_a_server_is_named(monkeypatch):
    monkeypatch.delenv("TAMIZDAT_SEARCH_ENGINE", raising=False)
    assert search_backend("django.db.backends.sqlite3") == {
        "BACKEND": "tamizdat.news.search.sqlite"
    }
    assert search_backend("django.db.backends.postgresql") == {
        "BACKEND": "tamizdat.news.search.postgres"
    }
    monkeypatch.setenv("TAMIZDAT_SEARCH_ENGINE", "opensearch2")
    monkeypatch.setenv("TAMIZDAT_SEARCH_URLS", "https://search.example.org:9200")
    backend = search_backend("django.db.backends.sqlite3")
    assert backend["BACKEND"] == "wagtail.search.backends.opensearch2"
    assert backend["URLS"] == ["https://search.example.org:9200"]


def test_an_unknown_search_engine_is_named(monkeypatch):
    monkeypatch.setenv("TAMIZDAT_SEARCH_ENGINE", "solr")
    with pytest.raises(ImproperlyConfigured, match="TAMIZDAT_SEARCH_ENGINE must be one of"):
        search_backend("django.db.backends.sqlite3")


CDN_VARIABLES = (
    "TAMIZDAT_PURGE_LOCATIONS",
    "TAMIZDAT_CDN",
    "TAMIZDAT_CLOUDFLARE_ZONE_ID",
    "TAMIZDAT_CLOUDFLARE_API_TOKEN",
    "TAMIZDAT_CLOUDFLARE_API_URL",
    "TAMIZDAT_CLOUDFRONT_DISTRIBUTION_ID",
    "TAMIZDAT_FASTLY_API_TOKEN",
)


def test_no_cache_is_told_over_the_network_unless_one_is_named(monkeypatch):
    for name in CDN_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    assert front_caches("https://news.example.org") == {}
    monkeypatch.setenv("TAMIZDAT_CDN", "fastly")
    assert front_caches("https://news.example.org") == {
        "cdn": {
            "BACKEND": "tamizdat.web.cdn.ProxyBackend",
            "LOCATION": "https://news.example.org",
            "HEADERS": {},
        }
    }


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"TAMIZDAT_CDN": "akamai"}, "TAMIZDAT_CDN must be one of cloudflare, cloudfront, fastly"),
        (
            {"TAMIZDAT_CDN": "cloudflare"},
            "TAMIZDAT_CDN=cloudflare needs TAMIZDAT_CLOUDFLARE_ZONE_ID, "
            "TAMIZDAT_CLOUDFLARE_API_TOKEN.",
        ),
        (
            {
                "TAMIZDAT_CDN": "cloudflare",
                "TAMIZDAT_CLOUDFLARE_ZONE_ID": "news.example.org",
                "TAMIZDAT_CLOUDFLARE_API_TOKEN": "secret-token",
            },
            "TAMIZDAT_CLOUDFLARE_ZONE_ID must be 32 hex digits, not 'news.example.org'.",
        ),
        (
            {"TAMIZDAT_CDN": "cloudfront"},
            "TAMIZDAT_CDN=cloudfront needs TAMIZDAT_CLOUDFRONT_DISTRIBUTION_ID.",
        ),
        (
            {"TAMIZDAT_CDN": "cloudfront", "TAMIZDAT_CLOUDFRONT_DISTRIBUTION_ID": "d111.net"},
            "TAMIZDAT_CLOUDFRONT_DISTRIBUTION_ID must be a distribution's ID",
        ),
        (
            {"TAMIZDAT_PURGE_LOCATIONS": "varnish.internal:6081"},
            "TAMIZDAT_PURGE_LOCATIONS must be an http:// or https:// address",
        ),
    ],
)
def test_a_malformed_cdn_setting_is_named_without_its_secret(monkeypatch, variables, message):
    for name in CDN_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ImproperlyConfigured) as refused:
        front_caches("https://news.example.org")
    assert str(refused.value).startswith(message)
    assert "secret-token" not in str(refused.value)
    assert "\n" not in str(refused.value)


@pytest.mark.parametrize("token", ["short", "a token with spaces in it"])
def test_a_guessable_or_unsendable_metrics_token_is_refused_without_repeating_it(
    monkeypatch, token
):
    monkeypatch.setenv("TAMIZDAT_METRICS_TOKEN", token)
    with pytest.raises(ImproperlyConfigured) as refused:
        metrics_token()
    assert str(refused.value) == (
        "TAMIZDAT_METRICS_TOKEN must be at least 16 characters, without spaces."
    )
    monkeypatch.setenv("TAMIZDAT_METRICS_TOKEN", "Zm9yIHByb21ldGhldXMgb25seQ")
    assert metrics_token() == "Zm9yIHByb21ldGhldXMgb25seQ"
