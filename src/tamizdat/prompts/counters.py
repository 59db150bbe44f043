"""Counting without tracking: readers' browsers report anonymous events, and all that is kept is
how many of each happened per campaign, arm, language and day.

A report is one small JSON object, `{"campaign": 12, "variant": "b", "language": "en",
"event": "impression"}`. Everything in it is checked against what exists (live campaigns, their
own arms, the site's languages, the known events) and the day is the server's, so the number of
counter rows is bounded by campaigns × arms × languages × events per day, whatever is sent.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F

from .models import Campaign, Event, EventCount

MAX_BODY_BYTES = 256
FIELDS = frozenset({"campaign", "variant", "language", "event"})
ARMS_CACHE_KEY = "prompts:live-arms"
ARMS_CACHE_SECONDS = 300


class InvalidReport(ValueError):
    pass


@dataclass(frozen=True)
class Report:
    campaign: int
    variant: str
    language: str
    event: str


def parse(body: bytes) -> Report:
    """A report from a request body, or InvalidReport; knows nothing of the database."""
    if len(body) > MAX_BODY_BYTES:
        raise InvalidReport("too large")
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise InvalidReport("not JSON") from error
    if not isinstance(data, dict) or set(data) != FIELDS:
        raise InvalidReport("not a report")
    campaign, variant = data["campaign"], data["variant"]
    language, event = data["language"], data["event"]
    if type(campaign) is not int or campaign <= 0:
        raise InvalidReport("bad campaign")
    if not all(isinstance(value, str) for value in (variant, language, event)):
        raise InvalidReport("bad field")
    if event not in Event.values:
        raise InvalidReport("unknown event")
    if language not in {code for code, _ in settings.LANGUAGES}:
        raise InvalidReport("unknown language")
    return Report(campaign=campaign, variant=variant, language=language, event=event)


def live_arms() -> dict[int, frozenset[str]]:
    """Each live campaign's arms ("base" and its variants' keys), cached until one changes."""
    arms = cache.get(ARMS_CACHE_KEY)
    if arms is None:
        arms = {
            campaign.pk: frozenset(campaign.arm_keys())
            for campaign in Campaign.objects.filter(live=True).prefetch_related("variants")
        }
        cache.set(ARMS_CACHE_KEY, arms, ARMS_CACHE_SECONDS)
    return arms


def forget_arms() -> None:
    cache.delete(ARMS_CACHE_KEY)


def is_known(report: Report) -> bool:
    return report.variant in live_arms().get(report.campaign, frozenset())


def record(report: Report, day: datetime.date) -> None:
    """Add one to the report's counter for `day`, creating it on the day's first event."""
    key = {
        "campaign_id": report.campaign,
        "variant": report.variant,
        "language": report.language,
        "day": day,
        "event": report.event,
    }
    if EventCount.objects.filter(**key).update(count=F("count") + 1):
        return
    try:
        with transaction.atomic():
            EventCount.objects.create(**key, count=1)
    except IntegrityError:  # another request created it in the meantime
        EventCount.objects.filter(**key).update(count=F("count") + 1)
