"""Newsletters in the Wagtail admin: a "Newsletters" menu with the newsletters, their issues
(with each issue's progress) and the subscribers; each issue has a page to preview, test,
schedule or send it."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.ui.tables import Column
from wagtail.admin.widgets import Button
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import EditView, SnippetViewSet, SnippetViewSetGroup

from . import admin_views
from .models import LOCKED_MESSAGE, Issue, Newsletter, Subscriber


class ProgressColumn(Column):
    """Sent, waiting and failed, once sending began."""

    def get_value(self, instance: Any) -> str:
        if instance.state in (Issue.State.DRAFT, Issue.State.SCHEDULED):
            return ""
        progress = instance.progress()
        return _("%(sent)d sent, %(waiting)d waiting, %(failed)d failed") % progress


class NewsletterViewSet(SnippetViewSet):
    model = Newsletter
    icon = "mail"
    menu_label = _("Newsletters")
    list_display = ["name", "language", "censorship_mode", "live"]
    list_filter = ["language", "censorship_mode"]


class IssueEditView(EditView):
    """The edit view of an issue that has gone out shows it and says why it cannot change;
    `Issue.clean` refuses a change."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not self.object.editable:
            messages.warning(request, LOCKED_MESSAGE)
        return super().get(request, *args, **kwargs)


class IssueViewSet(SnippetViewSet):
    model = Issue
    edit_view_class = IssueEditView
    icon = "doc-full"
    menu_label = _("Issues")
    list_display = [
        "subject",
        "newsletter",
        "state",
        "sent_at",
        ProgressColumn("progress", label=_("Progress")),
    ]
    list_filter = ["newsletter", "state"]
    search_fields = ["subject"]


class SubscriberViewSet(SnippetViewSet):
    model = Subscriber
    icon = "user"
    menu_label = _("Subscribers")
    list_display = ["email", "language", "created_at", "suppressed_at", "suppression"]
    list_filter = ["language", "suppression"]
    search_fields = ["email"]
    inspect_view_enabled = True


class NewslettersGroup(SnippetViewSetGroup):
    items = (NewsletterViewSet, IssueViewSet, SubscriberViewSet)
    menu_icon = "mail"
    menu_label = _("Newsletters")
    menu_name = "newsletters"
    menu_order = 260


register_snippet(NewslettersGroup)


@hooks.register("register_admin_urls")
def register_admin_urls() -> list[Any]:
    return [
        path("newsletters/issues/<int:pk>/send/", admin_views.send, name="newsletters_send"),
        path(
            "newsletters/issues/<int:pk>/preview/", admin_views.preview, name="newsletters_preview"
        ),
    ]


@hooks.register("register_snippet_listing_buttons")
def issue_send_button(instance: object, user: Any, next_url: str) -> list[Button]:
    if not isinstance(instance, Issue) or not user.has_perm(admin_views.SEND_PERMISSION):
        return []
    label = _("Send…") if instance.editable else _("Progress")
    return [Button(label, reverse("newsletters_send", args=[instance.pk]), icon_name="mail")]
