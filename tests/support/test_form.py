"""The contribution form as a reader meets it: defaults, translated errors next to the field,
choices kept, works without JavaScript, cacheable, and allowed to lead to the hosted checkout."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from tamizdat.support.models import Contribution
from tests.revenue import form_data

pytestmark = pytest.mark.django_db(transaction=True)


def errors(html: str) -> list[str]:
    return re.findall(r'<p class="field-error"[^>]*>([^<]+)</p>', html)


def test_support_page_defaults_are_cacheable_and_allow_the_checkout(rails, client):
    response = client.get("/en/support/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "public" in response["Cache-Control"] and "s-maxage" in response["Cache-Control"]
    assert 'name="csrfmiddlewaretoken"' not in html
    form_action = re.search(r"form-action ([^;]+)", response["Content-Security-Policy"])[1]
    assert form_action.split() == ["'self'", rails.peer.base_url]
    # Once is the default tab, $25 the default amount, the minimum is shown.
    assert re.search(r'value="once" checked', html)
    assert re.search(r'value="USD:2500" checked', html)
    assert 'From just <span class="minimum">$2</span> a month' in html
    assert "<style" not in html and not re.search(r"<script(?![^>]*src=)", html)


def test_russian_page_in_rubles_style_formatting(rails, client):
    html = client.get("/ru/support/?currency=EUR").content.decode()
    assert 'lang="ru"' in html
    assert "25\xa0€" in html
    assert 'action="/ru/support/contribute/"' in html


@pytest.mark.parametrize(
    ("fields", "field_error"),
    [
        ({"amount": "1"}, "The minimum is $2."),
        ({"amount": "2000000"}, "The most we accept here is $10,000."),
        ({"amount": "twenty"}, "Enter the amount as a number, like 25 or 12.50."),
        ({"currency": "XYZ"}, "We cannot take XYZ. Choose one of the listed currencies."),
        ({"frequency": "weekly"}, "Choose once, monthly or annual."),
        ({"email": ""}, "Enter your e-mail address: we send the receipt there."),
        ({"email": "reader@"}, "Enter an e-mail address like name@example.org."),
        ({"amount_once": "USD:abc"}, "This form was changed on its way to us."),
        # Digits that `str.isdigit()` passes and `int()` refuses (once a 500) or reads.
        ({"amount_once": "USD:²⁵⁰⁰"}, "This form was changed on its way to us."),
        ({"amount_once": "USD:٢٥٠٠"}, "This form was changed on its way to us."),
        ({"campaign": "<script>"}, "This form was changed on its way to us."),
        ({"method": "paypal"}, "Choose how to pay."),
        (
            {"method": "bank", "frequency": "month", "amount": "5"},
            "Bank transfer is not available for monthly gifts",
        ),
    ],
)
def test_wrong_input_gets_a_message_next_to_the_field_and_keeps_choices(
    rails, client, fields, field_error
):
    data = form_data(name="Ada", anonymous="on", cover_fees="on", **fields)
    data.setdefault("email", "reader@example.org")
    response = client.post("/en/support/contribute/", data)
    html = response.content.decode()
    assert response.status_code == 400
    assert any(
        e.startswith(field_error.split(" like ")[0]) or field_error in e for e in errors(html)
    ), errors(html)
    assert 'value="Ada"' in html
    assert re.search(r'name="anonymous"[^>]*checked', html)
    assert re.search(r'name="cover_fees"[^>]*checked', html)
    assert not Contribution.objects.exists()


def test_currency_changed_without_javascript_shows_its_amounts(rails, client):
    data = form_data(
        currency="JPY", amount_once="USD:2500", email="reader@example.org", action="refresh"
    )
    html = client.post("/en/support/contribute/", data).content.decode()
    assert 'value="JPY:3000" checked' in html
    assert 'value="reader@example.org"' in html
    assert errors(html) == []


def test_without_proof_of_work_a_card_gift_waits_for_email_confirmation(rails, client):
    response = rails.contribute(client, pow=False, amount=25)
    assert response.status_code == 302
    contribution = Contribution.objects.get()
    assert contribution.status == Contribution.Status.HELD
    assert not contribution.provider_session_id  # nothing reached the processor
    link = re.search(r"http://\S+/confirm/\S+/", mail.outbox[0].body)[0]
    confirm = client.get(link.replace(rails.base_url, ""))
    assert b"Continue to payment" in confirm.content
    go = client.post(link.replace(rails.base_url, ""))
    assert go.status_code == 303 and go["Location"].startswith(rails.peer.base_url)
    rails.peer.pay_checkout(rails.session_id(go["Location"]))
    rails.peer.wait_idle()
    contribution.refresh_from_db()
    assert contribution.status == Contribution.Status.PAID


def test_bank_transfer_shows_account_and_reference(rails, client):
    response = client.post(
        "/en/support/contribute/", form_data(method="bank", currency="EUR", amount="40")
    )
    assert response.status_code == 303
    page = client.get(response["Location"]).content.decode()
    contribution = Contribution.objects.get()
    assert contribution.reference in page
    assert "DE89 3704 0044 0532 0130 00" in page
    assert "€40" in page


def test_errors_are_translated(rails, client):
    response = client.post("/ru/support/contribute/", form_data(amount="1", email="x"))
    found = errors(response.content.decode())
    assert "Минимальная сумма — 2\xa0$." in found
    assert "Введите e-mail вида name@example.org." in found


def test_bank_transfer_details_are_mailed_in_the_readers_language(rails, client, newsroom):
    response = client.post(
        "/ru/support/contribute/",
        form_data(method="bank", currency="EUR", amount="40", email="vera@example.org"),
    )
    assert response.status_code == 303
    contribution = Contribution.objects.get()
    [message] = mail.outbox
    assert message.to == ["vera@example.org"]
    assert contribution.reference in message.subject
    assert "Тестовый курьер" in message.subject
    assert "DE89 3704 0044 0532 0130 00" in message.body
    assert f"{contribution.reference}\n" in message.body
    assert "40\xa0€" in message.body
    assert f"/ru/support/transfer/{contribution.reference}/" in message.body
    # Opening the transfer page again sends nothing more.
    client.get(response["Location"])
    assert len(mail.outbox) == 1
