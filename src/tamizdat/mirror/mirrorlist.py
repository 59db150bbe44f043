"""The mirror list: the active addresses, as the "How to reach us" page and the bypass-mirrors
v2 document (`/mirrors.json`) that circumvention tools read."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings

from .models import Address

VERSION = "2.0"


def active() -> list[Address]:
    return list(Address.objects.filter(state=Address.State.ACTIVE))


def _moment(value: datetime) -> str:
    return value.replace(microsecond=0).isoformat()


def alternative(address: Address) -> dict[str, str]:
    """One entry of `available_alternatives`: an onion is reached over Tor (served the way
    EOTK serves one); any other address is a mirror reached over its own scheme."""
    host = urlsplit(address.url).hostname or ""
    onion = address.kind == Address.Kind.ONION or host.endswith(".onion")
    return {
        "proto": "tor" if onion else urlsplit(address.url).scheme,
        "type": "eotk" if onion else "mirror",
        "created_at": _moment(address.added_at),
        "updated_at": _moment(address.updated_at),
        "url": address.url,
    }


def document(addresses: list[Address] | None = None) -> dict[str, Any]:
    """The bypass-mirrors v2 document: the main site's domain and its alternatives."""
    addresses = active() if addresses is None else addresses
    main_domain = urlsplit(settings.BASE_URL).hostname or ""
    return {
        "version": VERSION,
        "sites": [
            {
                "main_domain": main_domain,
                "available_alternatives": [
                    alternative(address)
                    for address in addresses
                    if address.kind != Address.Kind.MAIN
                ],
            }
        ],
    }
