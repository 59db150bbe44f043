"""Keeping translations in step with their source: the editor of a translated page is told when
the original in the default language was published again after the translation's last edit."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.functional import cached_property
from wagtail.admin.panels import Panel
from wagtail.models import Page


@dataclass(frozen=True)
class Staleness:
    source: Page
    source_changed_at: datetime.datetime
    translated_at: datetime.datetime | None


def staleness(page: Page) -> Staleness | None:
    """How far `page` lags behind its source, or None when it is the source or up to date."""
    if page.pk is None or page.locale.language_code == settings.LANGUAGE_CODE:
        return None
    source = page.get_translations().filter(locale__language_code=settings.LANGUAGE_CODE).first()
    if source is None or source.last_published_at is None:
        return None
    translated_at = page.latest_revision_created_at
    if translated_at is not None and translated_at >= source.last_published_at:
        return None
    return Staleness(source, source.last_published_at, translated_at)


class TranslationStatusPanel(Panel):
    """Shown on a translated page's edit form only while its source is newer."""

    class BoundPanel(Panel.BoundPanel):
        template_name = "news/admin/translation_status.html"

        @cached_property
        def staleness(self) -> Staleness | None:
            return staleness(self.instance) if isinstance(self.instance, Page) else None

        def is_shown(self) -> bool:
            return self.staleness is not None

        def get_context_data(self, parent_context: Any = None) -> dict[str, Any]:
            context = super().get_context_data(parent_context)
            context["staleness"] = self.staleness
            return context
