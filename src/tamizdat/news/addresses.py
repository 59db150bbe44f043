"""Pages' addresses for lists of thousands (the sitemap, the static copy's crawl): worked out
from each language root's own address and the pages' paths below it, as Wagtail would for each
page, but without a lookup per page."""

from __future__ import annotations

from django.http import HttpRequest
from wagtail.models import Page


class PageAddresses:
    def __init__(self, request: HttpRequest) -> None:
        self.roots: dict[str, tuple[str, str]] = {}
        for root in Page.objects.live().public().filter(depth=2):
            if url := root.get_url(request):
                self.roots[root.path] = (root.url_path, url)

    def url(self, path: str, url_path: str) -> str | None:
        """The address (relative to the site) of the page with this tree path and URL path;
        None for a page under no live language root."""
        root = self.roots.get(path[: Page.steplen * 2])
        if root is None or not url_path.startswith(root[0]):
            return None
        return root[1] + url_path[len(root[0]) :]
