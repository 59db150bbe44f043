"""The newsroom's addresses: kept in the admin, published as `/mirrors.json` (bypass-mirrors v2)
and on the "How to reach us" page in every language; a blocked address is withdrawn at once."""

from __future__ import annotations

import json

import jsonschema
import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured

from tamizdat.mirror.models import Address
from tamizdat.mirror.targets import TargetError, parse_targets

pytestmark = pytest.mark.django_db

# The shape circumvention tools read (bypass-mirrors, schema version 2).
BYPASS_MIRRORS_V2 = {
    "type": "object",
    "required": ["version", "sites"],
    "properties": {
        "version": {"const": "2.0"},
        "sites": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["main_domain", "available_alternatives"],
                "properties": {
                    "main_domain": {"type": "string", "minLength": 1},
                    "available_alternatives": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["proto", "type", "created_at", "updated_at", "url"],
                            "additionalProperties": False,
                            "properties": {
                                "proto": {"enum": ["http", "https", "tor", "ipfs"]},
                                "type": {"enum": ["mirror", "eotk", "proxy", "ipfs"]},
                                "created_at": {"type": "string", "format": "date-time"},
                                "updated_at": {"type": "string", "format": "date-time"},
                                "url": {"type": "string", "format": "uri"},
                            },
                        },
                    },
                },
            },
        },
    },
}

MIRROR = "https://mirror.example.net/"
BUCKET = "https://storage.example.com/courier/index.html"
ONION = "http://courierabcdefghijklmnopqrstuvwxyz234567abcdefghijklmnop.onion/"


@pytest.fixture
def addresses(site) -> dict[str, Address]:
    return {
        "main": Address.objects.create(url="http://testserver/", kind=Address.Kind.MAIN),
        "mirror": Address.objects.create(url=MIRROR, kind=Address.Kind.MIRROR),
        "bucket": Address.objects.create(url=BUCKET, kind=Address.Kind.OBJECT_STORE),
        "onion": Address.objects.create(url=ONION, kind=Address.Kind.ONION),
        "old": Address.objects.create(
            url="https://old.example.net/", state=Address.State.RETIRED, note="Burned in May"
        ),
    }


def test_mirrors_json_has_the_v2_shape_and_only_active_alternatives(client, addresses):
    response = client.get("/mirrors.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "public" in response["Cache-Control"]
    document = json.loads(response.content)
    jsonschema.validate(
        document, BYPASS_MIRRORS_V2, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    (site,) = document["sites"]
    assert site["main_domain"] == "testserver"
    by_url = {entry["url"]: entry for entry in site["available_alternatives"]}
    assert set(by_url) == {MIRROR, BUCKET, ONION}
    assert (by_url[ONION]["proto"], by_url[ONION]["type"]) == ("tor", "eotk")
    assert (by_url[MIRROR]["proto"], by_url[MIRROR]["type"]) == ("https", "mirror")
    assert "Burned" not in response.content.decode()


@pytest.mark.parametrize(
    ("language", "heading"), [("en", "How to reach us"), ("ru", "Как нас найти")]
)
def test_reach_page_in_every_language_lists_active_addresses(client, addresses, language, heading):
    page = client.get(f"/{language}/reach/").content.decode()
    assert f"<h1>{heading}</h1>" in page
    for url in (MIRROR, BUCKET, ONION):
        assert f'href="{url}"' in page
    assert "old.example.net" not in page
    assert "Tor Browser" in page
    assert f'href="/{language}/reach/"' in client.get(f"/{language}/").content.decode()


def test_blocking_an_address_withdraws_it_at_once_from_cached_pages(client, addresses):
    assert MIRROR in client.get("/en/reach/").content.decode()
    assert MIRROR in client.get("/mirrors.json").content.decode()
    addresses["mirror"].state = Address.State.BLOCKED
    addresses["mirror"].save()
    assert MIRROR not in client.get("/en/reach/").content.decode()
    assert MIRROR not in client.get("/mirrors.json").content.decode()


def test_staff_add_an_address_in_the_admin_and_a_non_url_is_refused(client, site):
    user = get_user_model().objects.create_superuser("editor", "editor@example.org", "pw")
    client.force_login(user)
    listing = client.get("/admin/snippets/mirror/address/")
    assert listing.status_code == 200
    bad = client.post(
        "/admin/snippets/mirror/address/add/",
        {"url": "not a url", "kind": "mirror", "state": "active", "note": ""},
    )
    assert bad.status_code == 200 and "Enter a valid URL." in bad.content.decode()
    assert not Address.objects.exists()
    client.post(
        "/admin/snippets/mirror/address/add/",
        {"url": MIRROR, "kind": "mirror", "state": "active", "note": "Set up in June"},
    )
    assert Address.objects.get().url == MIRROR


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("[{", "TAMIZDAT_MIRROR_TARGETS is not valid JSON"),
        ('{"name": "a"}', "TAMIZDAT_MIRROR_TARGETS must be a JSON list"),
        ('[{"name": "a"}]', "target 1 needs a name and a bucket"),
        ('[{"name": "a", "bucket": "b", "endpoint": "s3 here"}]', "is not an http(s) URL"),
        ('[{"name": "a", "bucket": "b", "secret": "x"}]', "unknown keys: secret"),
        ('[{"name": "a", "bucket": "b"}, {"name": "a", "bucket": "c"}]', "same name"),
    ],
)
def test_a_malformed_targets_variable_is_named_in_the_error(value, message):
    with pytest.raises(TargetError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_targets(value)


def test_settings_refuse_to_start_with_malformed_targets(monkeypatch):
    from tamizdat import settings as product_settings

    monkeypatch.setenv("TAMIZDAT_MIRROR_TARGETS", "[1]")
    with pytest.raises(ImproperlyConfigured, match="TAMIZDAT_MIRROR_TARGETS, target 1"):
        product_settings._mirror_targets()
