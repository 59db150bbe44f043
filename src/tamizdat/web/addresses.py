"""Absolute addresses of the main site, for links that leave the page: canonical and
alternate links, feeds, the sitemap, structured data, e-mails and the processor's return
pages.

They come from `TAMIZDAT_BASE_URL` alone, never from the request's Host header: behind nginx
the port and scheme a node sees are not the readers', two nodes must render the same bytes for
a shared cache, and a forged Host must not end up in a cached page.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings


def absolute_url(url: str) -> str:
    """`url` on the main site; an address that is already absolute (media on an object
    store, another site's page) is left as it is."""
    if urlsplit(url).scheme:
        return url
    return settings.BASE_URL + url
