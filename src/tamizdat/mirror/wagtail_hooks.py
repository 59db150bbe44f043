"""The newsroom's addresses in the Wagtail admin, with each pushed bucket's last outcome."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import Address


class AddressViewSet(SnippetViewSet):
    model = Address
    icon = "site"
    menu_label = _("Addresses and mirrors")
    menu_name = "addresses"
    menu_order = 260
    add_to_admin_menu = True
    list_display = ["url", "kind", "state", "updated_at", "last_pushed_at", "last_error"]
    list_filter = ["kind", "state"]
    search_fields = ["url", "note"]


register_snippet(AddressViewSet)
