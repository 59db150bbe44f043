"""Settings read from the environment: a malformed value stops start-up with one line naming
its variable, and a valid one gives Django what it needs."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from tamizdat.environment import media_storage, search_backend

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
    assert search_backend("tamizdat.sqlite3") == {"BACKEND": "tamizdat.news.search"}
    assert search_backend("django.db.backends.postgresql") == {
        "BACKEND": "wagtail.search.backends.database"
    }
    monkeypatch.setenv("TAMIZDAT_SEARCH_ENGINE", "opensearch2")
    monkeypatch.setenv("TAMIZDAT_SEARCH_URLS", "https://search.example.org:9200")
    backend = search_backend("tamizdat.sqlite3")
    assert backend["BACKEND"] == "wagtail.search.backends.opensearch2"
    assert backend["URLS"] == ["https://search.example.org:9200"]


def test_an_unknown_search_engine_is_named(monkeypatch):
    monkeypatch.setenv("TAMIZDAT_SEARCH_ENGINE", "solr")
    with pytest.raises(ImproperlyConfigured, match="TAMIZDAT_SEARCH_ENGINE must be one of"):
        search_backend("tamizdat.sqlite3")
