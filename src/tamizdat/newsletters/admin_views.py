"""The admin's page for sending one issue: preview it, send a test to oneself, schedule it or
send it now, and follow its progress (sent, waiting, failed) while it goes out."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import compose, sending
from .models import Issue, Subscriber

SEND_PERMISSION = "newsletters.change_issue"


class ScheduleForm(forms.Form):
    at = forms.DateTimeField(
        label=gettext_lazy("Send at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )


def _issue(request: HttpRequest, pk: int) -> Issue:
    if not request.user.has_perm(SEND_PERMISSION):
        raise PermissionDenied
    return get_object_or_404(Issue.objects.select_related("newsletter"), pk=pk)


def preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The mail's HTML as a recipient sees it (the unsubscribe address left out)."""
    issue = _issue(request, pk)
    rendered = compose.render(issue)
    html = rendered.html.replace(compose.UNSUBSCRIBE_MARKER, "#")
    response = HttpResponse(html)
    # The mail's own style block; nothing else may load.
    response["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'"
    )
    return response


def send(request: HttpRequest, pk: int) -> HttpResponse:
    issue = _issue(request, pk)
    schedule_form = ScheduleForm()
    action = request.POST.get("action") if request.method == "POST" else None
    try:
        if action == "test":
            _send_test(request, issue)
        elif action == "now":
            count = sending.start(issue)
            messages.success(request, _("Sending began; recipients: %(count)d.") % {"count": count})
        elif action == "schedule":
            schedule_form = ScheduleForm(request.POST)
            if schedule_form.is_valid():
                sending.schedule(issue, schedule_form.cleaned_data["at"])
                messages.success(request, _("The issue is scheduled."))
        elif action == "unschedule":
            sending.unschedule(issue)
            messages.success(request, _("The issue is back to draft."))
        elif action == "resume" and issue.state == Issue.State.SENDING:
            from .tasks import send_issue

            send_issue.enqueue(issue.pk)
            messages.success(request, _("Sending goes on."))
    except sending.NotSendable as error:
        messages.error(request, error.messages[0])
    if action and not schedule_form.errors:
        return HttpResponseRedirect(reverse("newsletters_send", args=[issue.pk]))
    issue.refresh_from_db()
    context = {
        "issue": issue,
        "progress": issue.progress(),
        "schedule_form": schedule_form,
        "now": timezone.now(),
        "preview_url": reverse("newsletters_preview", args=[issue.pk]),
    }
    return TemplateResponse(request, "newsletters/admin/send.html", context)


def _send_test(request: HttpRequest, issue: Issue) -> None:
    """A copy to the staff member's own address, with an unsubscribe link that leads nowhere
    (they are no subscriber)."""
    email = request.user.email  # type: ignore[union-attr]
    if not email:
        messages.error(request, _("Your account has no e-mail address to send a test to."))
        return
    rendered = compose.render(issue)
    rendered = compose.Rendered(
        subject=_("[Test] %(subject)s") % {"subject": rendered.subject},
        text=rendered.text,
        html=rendered.html,
    )
    stand_in = Subscriber(pk=0, email=email, language=issue.newsletter.language)
    try:
        compose.message(rendered, issue, stand_in).send()
    except OSError as error:
        messages.error(request, _("The mail server did not take the test: %s") % error)
        return
    messages.success(request, _("A test was sent to %s.") % email)
