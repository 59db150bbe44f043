"""Finding the page a reader asked for with as few queries as Wagtail's rules allow.

Wagtail routes a request from the site of its host name through the root page of its language,
then one level of the tree at a time, with two queries per level (the child, then its specific
type). The site and the language's root are the same for every request until something is
published, so each process keeps them (`context.shared`); below them, a page finds its child
in one query of the child's own type (`ChildRouting`). The sites' root paths, which Wagtail reads
from the cache again for every request that names a page's address, are kept the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import get_language
from wagtail.models import Page, Site

from .context import frame_shared


def children(page: Page, among: QuerySet[Any] | None = None) -> QuerySet[Any]:
    """The page's children (those of them in `among`, by default any page), by the range of
    their tree paths: Wagtail's `child_of` writes a LIKE, which SQLite cannot answer from an
    index."""
    last_child = page.path + Page.alphabet[-1] * Page.steplen
    pages = Page.objects.all() if among is None else among
    return pages.filter(depth=page.depth + 1, path__range=(page.path, last_child))


class ChildRouting:
    """For a page whose children are all of one type (`child_type`): its child found by slug in
    one query. A child of another type, which the admin's rules keep out, is still found by
    Wagtail's own routing."""

    # A page with few children that change only with a publish (the home page's sections) keeps
    # them all in this process, by slug, and routes to them without a query.
    keeps_children = False

    def child_queryset(self) -> Any:
        raise NotImplementedError

    def _children(self) -> Any:
        page: Any = self
        return children(page, self.child_queryset())

    def kept_children(self) -> dict[str, Any]:
        """For a page that `keeps_children`: its children (live or not) by slug, in the order
        of the tree, as this process keeps them until the frame changes."""
        page: Any = self
        return frame_shared(
            f"children:{page.pk}",
            lambda: {child.slug: child for child in self._children().order_by("path")},
        )

    def _child(self, slug: str) -> Any:
        if self.keeps_children:
            return self.kept_children().get(slug)
        # A slice rather than first(): slugs are unique among siblings, and ordering costs.
        return next(iter(self._children().filter(slug=slug)[:1]), None)

    def route(self, request: HttpRequest, path_components: list[str]) -> Any:
        if path_components:
            child = self._child(path_components[0])
            if child is not None:
                # Treebeard's get_parent() answers from this without a query.
                child._cached_parent_obj = self
                return child.route(request, path_components[1:])
        return super().route(request, path_components)  # type: ignore[misc]


def _site(request: HttpRequest) -> Any:
    return frame_shared(f"site:{request.get_host()}", lambda: Site.find_for_request(request))


class PageRouteMiddleware:
    """Routes requests for Wagtail's page view before it does (it keeps the route on the
    request), from the site and language root this process already knows; any other request
    (the support pages, the static copy's renderer) finds the site and its root paths there
    too."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        # Imported here: Wagtail's views module needs the models loaded.
        from wagtail.views import serve

        self.get_response = get_response
        self.page_view = serve

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Where Wagtail itself keeps them on the request, so that it asks nothing again.
        request._wagtail_site = _site(request)  # type: ignore[attr-defined]
        request._wagtail_cached_site_root_paths = frame_shared(  # type: ignore[attr-defined]
            "site-root-paths", Site.get_site_root_paths
        )
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> None:
        if view is not self.page_view or hasattr(request, "_wagtail_route_for_request"):
            return
        site = request._wagtail_site  # type: ignore[attr-defined]
        if site is None:
            return
        root: Page = frame_shared(
            f"root:{site.pk}:{get_language()}", lambda: site.root_page.localized.specific
        )
        path = args[0] if args else kwargs.get("path", "")
        components = [component for component in path.split("/") if component]
        try:
            route = root.route(request, components)
        except Http404:
            route = None
        request._wagtail_route_for_request = route  # type: ignore[attr-defined]
