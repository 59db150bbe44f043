"""What every reading page's frame needs: the home page of its language and its sections."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import get_language
from wagtail.models import Locale

from tamizdat.web import page_cache


def _name(homes: dict[str, Any], language: str | None) -> str:
    home = homes.get(language or "") or homes.get(settings.LANGUAGE_CODE)
    return home.title if home is not None else settings.WAGTAIL_SITE_NAME


def newsroom_name(language: str | None = None) -> str:
    """The newsroom's name, the one used everywhere (masthead, titles, publisher data, mails,
    the processor's page): its home page's title in `language` (default: the active one), as
    editors set it in the admin. `TAMIZDAT_SITE_NAME` names it only until a home page exists."""
    from .models import HomePage

    homes = {
        home.locale.language_code: home for home in HomePage.objects.live().select_related("locale")
    }
    return _name(homes, language or get_language())


class SiteFrame:
    """Looked up only when a template asks, so pages that don't use the frame pay nothing."""

    # Fragments cached by templates live as long as cached pages, and die with a publish.
    cache_seconds = settings.PAGE_CACHE_SERVER_SECONDS

    @cached_property
    def generation(self) -> str:
        return page_cache.generation()

    @cached_property
    def homes(self) -> dict[str, Any]:
        """The live home page of each language, by language code."""
        from .models import HomePage

        return {
            home.locale.language_code: home
            for home in HomePage.objects.live().select_related("locale")
        }

    @cached_property
    def home(self) -> Any:
        return self.homes.get(get_language()) or self.homes.get(Locale.get_default().language_code)

    @cached_property
    def name(self) -> str:
        return _name(self.homes, get_language())

    @cached_property
    def sections(self) -> list[Any]:
        from .models import SectionPage

        if self.home is None:
            return []
        return list(SectionPage.objects.live().child_of(self.home).in_menu())


def site_context(request: HttpRequest) -> dict[str, Any]:
    # A caller that renders many pages of one language at a time (a static copy) may hand
    # every request the same frame, looked up once.
    return {"frame": getattr(request, "site_frame", None) or SiteFrame()}
