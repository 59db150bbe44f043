"""Pages' addresses for lists of thousands (the sitemap, the static copy's crawl): worked out
from each language root's own address and the pages' paths below it, as Wagtail would for each
page, but without a lookup per page."""

from __future__ import annotations

from django.http import HttpRequest
from wagtail.models import Page, Site

from tamizdat.web.addresses import absolute_url


class PageAddresses:
    def __init__(self, request: HttpRequest, absolute: bool = False) -> None:
        """`absolute`: addresses on the main site (`TAMIZDAT_BASE_URL`), not relative to it."""
        # The language roots are the site roots and their translations, found by translation
        # key (the page table has no index a search by depth could use).
        keys = Site.objects.values("root_page__translation_key")
        roots = Page.objects.live().public().filter(translation_key__in=keys)
        self.roots: dict[str, tuple[str, str]] = {}
        for root in roots:
            if url := root.get_url(request):
                self.roots[root.path] = (root.url_path, absolute_url(url) if absolute else url)
        self.lengths = {len(path) for path in self.roots}

    def url(self, path: str, url_path: str) -> str | None:
        """The address of the page with this tree path and URL path; None for a page under
        no live language root."""
        for length in self.lengths:
            root = self.roots.get(path[:length])
            if root is not None and url_path.startswith(root[0]):
                return root[1] + url_path[len(root[0]) :]
        return None
