"""Bounces and complaints reported by an e-mail service's signed webhooks (through anymail's
tracking signal) suppress the address, as a permanent SMTP rejection does.

Each service posts to `/newsletters-esp/<service>/tracking/`; anymail checks its signature (or
its basic-auth secret, for services that sign nothing) and refuses what fails with a 400. A
service that is not configured answers 404.
"""

from __future__ import annotations

from typing import Any

from anymail.exceptions import AnymailConfigurationError
from anymail.signals import AnymailTrackingEvent, EventType
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.module_loading import import_string
from django.views.decorators.csrf import csrf_exempt

from tamizdat.support.models import normalize_email

from .models import Subscriber

# Imported when a service first posts, not with the site: Amazon SES's view brings boto3,
# 11 MiB in every web process of a newsroom that does not use it.
WEBHOOKS = {
    "amazon_ses": "anymail.webhooks.amazon_ses.AmazonSESTrackingWebhookView",
    "brevo": "anymail.webhooks.brevo.BrevoTrackingWebhookView",
    "mailgun": "anymail.webhooks.mailgun.MailgunTrackingWebhookView",
    "postal": "anymail.webhooks.postal.PostalTrackingWebhookView",
    "postmark": "anymail.webhooks.postmark.PostmarkTrackingWebhookView",
    "sendgrid": "anymail.webhooks.sendgrid.SendGridTrackingWebhookView",
}
SUPPRESSING = {
    EventType.BOUNCED: Subscriber.Suppression.BOUNCED,
    EventType.COMPLAINED: Subscriber.Suppression.COMPLAINED,
    EventType.REJECTED: Subscriber.Suppression.REJECTED,
}


@csrf_exempt
def tracking_webhook(request: HttpRequest, esp: str) -> HttpResponse:
    view_path = WEBHOOKS.get(esp)
    if view_path is None:
        raise Http404
    try:
        return import_string(view_path).as_view()(request)
    except AnymailConfigurationError:  # this service's keys are not set here
        raise Http404 from None


def suppress_on_event(
    sender: Any, event: AnymailTrackingEvent, esp_name: str, **kwargs: Any
) -> None:
    reason = SUPPRESSING.get(event.event_type)
    if reason is None or not event.recipient:
        return
    Subscriber.objects.filter(
        email=normalize_email(event.recipient), suppressed_at__isnull=True
    ).update(suppressed_at=timezone.now(), suppression=reason)
