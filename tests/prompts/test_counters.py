"""The counter endpoint: anonymous events in, aggregate counts out, nothing else kept."""

import datetime
import json
import random
import re
import zoneinfo
from http import HTTPStatus

import pytest
from django.test import Client
from django.utils import timezone

from tamizdat.prompts.models import EventCount
from tests.prompts import factories

pytestmark = pytest.mark.django_db

URL = "/prompts/events/"


@pytest.fixture
def campaign(site):
    return factories.campaign(variants=({"key": "b"}, {"key": "c"}))


def report(target, **changes):
    data = {"campaign": target.pk, "variant": "base", "language": "en", "event": "impression"}
    data.update(changes)
    return data


def post(client, body, content_type="text/plain;charset=UTF-8", **headers):
    if not isinstance(body, (bytes, str)):
        body = json.dumps(body)
    return client.post(URL, body, content_type=content_type, headers=headers)


def test_an_event_adds_one_to_todays_counter_and_keeps_nothing_else(campaign):
    # Cached pages carry no CSRF token; the endpoint must not ask for one.
    client = Client(enforce_csrf_checks=True)
    client.cookies["sessionid"] = "k" * 32  # an editor's session, say
    headers = {"User-Agent": "Reader/1.0", "X-Forwarded-For": "203.0.113.9"}
    for _ in range(3):
        response = post(client, report(campaign, variant="b"), **headers)
        assert response.status_code == HTTPStatus.NO_CONTENT
        assert response["Cache-Control"] == "no-store"
        assert not response.cookies
    post(client, report(campaign, variant="b", event="click"))
    post(client, report(campaign, language="ru", event="dismiss"))

    rows = {
        (row.variant, row.language, row.event): (row.day, row.count)
        for row in EventCount.objects.all()
    }
    today = timezone.localdate()
    assert rows == {
        ("b", "en", "impression"): (today, 3),
        ("b", "en", "click"): (today, 1),
        ("base", "ru", "dismiss"): (today, 1),
    }
    # The counter has no column that could hold who sent it.
    columns = {field.name for field in EventCount._meta.get_fields()}
    assert columns == {"id", "campaign", "variant", "language", "day", "event", "count"}


BAD = HTTPStatus.BAD_REQUEST
UNKNOWN = HTTPStatus.UNPROCESSABLE_ENTITY
TOO_LARGE = HTTPStatus.REQUEST_ENTITY_TOO_LARGE
REFUSED = {
    "empty": (lambda c: b"", BAD),
    "not JSON": (lambda c: b"not json", BAD),
    "not UTF-8": (lambda c: b"\xff\xfe", BAD),
    "a list": (lambda c: b"[1, 2]", BAD),
    "a string": (lambda c: b'"impression"', BAD),
    "fields missing": (lambda c: {"event": "impression"}, BAD),
    "an extra field": (lambda c: {**report(c), "extra": "x"}, BAD),
    "a day of its own": (lambda c: {**report(c), "day": "2020-01-01"}, BAD),
    "unknown event": (lambda c: report(c, event="purchase"), BAD),
    "event not a string": (lambda c: report(c, event=1), BAD),
    "unknown language": (lambda c: report(c, language="de"), BAD),
    "language not a string": (lambda c: report(c, language=["en"]), BAD),
    "campaign as text": (lambda c: report(c, campaign=str(c.pk)), BAD),
    "campaign as boolean": (lambda c: report(c, campaign=True), BAD),
    "negative campaign": (lambda c: report(c, campaign=-1), BAD),
    "fractional campaign": (lambda c: report(c, campaign=1.5), BAD),
    "no variant": (lambda c: report(c, variant=None), BAD),
    "unknown campaign": (lambda c: report(c, campaign=999_999), UNKNOWN),
    "another campaign's variant": (lambda c: report(c, variant="z"), UNKNOWN),
    "huge variant": (lambda c: report(c, variant="b" * 10_000), TOO_LARGE),
    "padded": (lambda c: b"{" + b" " * 300 + b"}", TOO_LARGE),
}


@pytest.mark.parametrize("case", REFUSED.keys())
def test_malformed_oversized_or_unknown_input_is_refused(client, campaign, case):
    make_body, status = REFUSED[case]
    response = post(client, make_body(campaign))
    assert response.status_code == status
    assert EventCount.objects.count() == 0


def test_other_methods_other_sites_and_lying_lengths_are_refused(client, campaign):
    assert client.get(URL).status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert client.put(URL, json.dumps(report(campaign))).status_code == 405
    cross_site = post(client, report(campaign), **{"Sec-Fetch-Site": "cross-site"})
    assert cross_site.status_code == HTTPStatus.FORBIDDEN
    oversized = client.generic(
        "POST", URL, json.dumps(report(campaign)), headers={"Content-Length": "1000000"}
    )
    assert oversized.status_code == HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    assert EventCount.objects.count() == 0


def test_a_draft_or_removed_campaign_is_not_counted(client, campaign):
    campaign.unpublish()
    assert post(client, report(campaign)).status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    campaign.save_revision().publish()
    assert post(client, report(campaign)).status_code == HTTPStatus.NO_CONTENT
    campaign.variants.filter(key="c").delete()
    assert post(client, report(campaign, variant="c")).status_code == 422


def test_the_day_is_the_newsrooms_today(client, campaign, settings):
    settings.TIME_ZONE = "Asia/Yerevan"  # UTC+4: 22:30 UTC is already tomorrow there
    late = datetime.datetime(2026, 3, 31, 22, 30, tzinfo=datetime.UTC)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(timezone, "now", lambda: late)
        post(client, report(campaign))
    assert EventCount.objects.get().day == late.astimezone(zoneinfo.ZoneInfo("Asia/Yerevan")).date()
    assert EventCount.objects.get().day == datetime.date(2026, 4, 1)


FLOOD = 3_000


def test_a_flood_of_events_keeps_a_fixed_number_of_rows(client, campaign):
    other = factories.campaign(name="Other")
    chooser = random.Random(4)
    events = ["impression", "click", "dismiss", "snooze", "form_open", "checkout"]
    valid = {(campaign.pk, variant) for variant in ("base", "b", "c")} | {(other.pk, "base")}
    expected_rows = len(valid) * 2 * len(events)  # × languages × events
    sent = accepted = 0
    # Enough that every real combination is hit many times over.
    for number in range(FLOOD):
        kind = number % 5
        target = chooser.choice([campaign, other])
        data = report(
            target,
            variant=chooser.choice(["base", "b", "c"]),
            language=chooser.choice(["en", "ru"]),
            event=chooser.choice(events),
        )
        if kind == 3:  # forged: campaigns, variants and languages that do not exist
            data.update(campaign=chooser.randint(1000, 10**9), variant=f"v{number}")
        elif kind == 4:
            data.update(language=f"x{number}", event=f"e{number}")
        # From 100 addresses: what one address may add is bounded on its own (below).
        client.defaults["REMOTE_ADDR"] = f"10.6.{number % 100}.1"
        response = post(client, data)
        sent += 1
        if response.status_code == HTTPStatus.NO_CONTENT:
            accepted += 1
            assert (data["campaign"], data["variant"]) in valid
        else:
            assert 400 <= response.status_code < 500

    assert sent == FLOOD
    assert EventCount.objects.count() <= expected_rows
    assert sum(EventCount.objects.values_list("count", flat=True)) == accepted
    assert accepted > FLOOD * 0.4


def test_one_address_adds_a_bounded_number_of_events(client, campaign):
    # Once 2,000 forged events from one address were all counted.
    statuses = [post(client, report(campaign, event="click")).status_code for _ in range(150)]
    assert statuses.count(HTTPStatus.NO_CONTENT) == 120
    assert set(statuses[120:]) == {HTTPStatus.TOO_MANY_REQUESTS}
    assert EventCount.objects.get().count == 120
    # A reader elsewhere is still counted.
    other = Client(REMOTE_ADDR="10.5.5.5")
    assert post(other, report(campaign)).status_code == HTTPStatus.NO_CONTENT


def test_staff_see_which_counts_look_forged(client, campaign, admin_user):
    other = Client(REMOTE_ADDR="10.5.5.6")
    for _ in range(3):
        post(other, report(campaign, event="click"))
    post(other, report(campaign, variant="b"))
    post(other, report(campaign, variant="b", event="click"))
    client.force_login(admin_user)
    page = client.get("/admin/campaigns/results/").content.decode()
    rows = re.findall(r"<tr>(.*?)</tr>", page, re.S)
    flagged = [row for row in rows if "counts look forged" in row]
    assert len(flagged) == 1 and "<td>The campaign&#x27;s own copy" in flagged[0]
