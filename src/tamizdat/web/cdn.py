"""Wagtail's frontend-cache backends for the caches Tamizdat tells over the network: a proxy
that accepts HTTP PURGE (Varnish, Fastly's edge), Cloudflare and CloudFront.

Wagtail's own backends log a refused purge and carry on; these raise instead, so that the
purge task (`web.purge.purge_urls`) knows which cache missed the news and tries it again later.
Everything else (their settings, Cloudflare's batches of 30, CloudFront's paths) is Wagtail's.
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from urllib.request import urlopen

import requests
from wagtail.contrib.frontend_cache.backends import (
    CloudflareBackend,
    CloudfrontBackend,
    HTTPBackend,
)
from wagtail.contrib.frontend_cache.backends.http import PurgeRequest

# A cache that takes longer than this is treated as down and tried again later.
TIMEOUT_SECONDS = 10


class PurgeFailed(Exception):
    """A cache answered, but did not purge."""


class ProxyBackend(HTTPBackend):
    """`PURGE` of each address at `LOCATION`, with the address's own host in `Host`, and any
    `HEADERS` (Fastly's `Fastly-Key` for authenticated purging)."""

    def __init__(self, params: dict[str, Any]) -> None:
        self.headers = params.pop("HEADERS", {})
        super().__init__(params)

    def purge(self, url: str) -> None:
        address = urlsplit(url)
        at_cache = urlunsplit(
            (self.cache_scheme, self.cache_netloc, address.path, address.query, "")
        )
        request = PurgeRequest(at_cache, headers={"Host": address.netloc, **self.headers})
        # A refusal (HTTPError) or no answer (URLError, a timeout) raises.
        with urlopen(request, timeout=TIMEOUT_SECONDS):
            pass


class CloudflareAPIBackend(CloudflareBackend):
    """Cloudflare's purge-by-URL through its API, with an API token; `API_URL` is the API's
    address (Cloudflare's own unless a test names another)."""

    def __init__(self, params: dict[str, Any]) -> None:
        self.api_url = params.pop("API_URL", "https://api.cloudflare.com/client/v4").rstrip("/")
        super().__init__(params)

    def _purge_urls(self, urls: list[str]) -> None:
        response = requests.post(
            f"{self.api_url}/zones/{self.cloudflare_zoneid}/purge_cache",
            json={"files": urls},
            headers={"Authorization": f"Bearer {self.cloudflare_token}"},
            timeout=TIMEOUT_SECONDS,
        )
        response.raise_for_status()
        answer = response.json()
        if not answer.get("success"):
            messages = ", ".join(str(error.get("message")) for error in answer.get("errors", []))
            raise PurgeFailed(f"Cloudflare did not purge: {messages or 'no reason given'}")


class CloudFrontInvalidationBackend(CloudfrontBackend):
    """An invalidation of the changed paths of one CloudFront distribution; credentials,
    and the API's address, by boto3's own lookup unless given."""

    def _create_invalidation(self, distribution_id: str, paths: list[str]) -> None:
        self.client.create_invalidation(
            DistributionId=distribution_id,
            InvalidationBatch={
                "Paths": {"Quantity": len(paths), "Items": paths},
                "CallerReference": str(uuid.uuid4()),
            },
        )
