"""Money is integer minor units plus a currency; readers see it written their way."""

import pytest
from django.core.exceptions import ValidationError

from tamizdat.support import money
from tamizdat.support.amounts import all_amounts, currencies, default_amounts
from tamizdat.support.models import AmountSet, Contribution, Payment, RecurringPlan


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [
        ("25", "USD", 2500),
        ("25.5", "USD", 2550),
        ("25,50", "EUR", 2550),
        ("$ 1 000", "USD", 100000),
        ("3000", "JPY", 3000),
        ("0.01", "GBP", 1),
    ],
)
def test_parse_amounts_as_readers_type_them(text, currency, minor):
    assert money.parse_amount(text, currency) == minor


@pytest.mark.parametrize(
    ("text", "currency"),
    [("", "USD"), ("abc", "USD"), ("1e5", "USD"), ("-5", "USD"), ("2.505", "USD"), ("10.5", "JPY")],
)
def test_reject_what_is_not_an_amount(text, currency):
    with pytest.raises(money.AmountError):
        money.parse_amount(text, currency)


def test_format_per_locale_and_zero_decimal_currency():
    assert money.format_money(2500, "USD", "en") == "$25"
    assert money.format_money(2550, "USD", "en") == "$25.50"
    assert money.format_money(3000, "JPY", "en") == "¥3,000"
    assert money.format_money(500, "EUR", "ru") == "5\xa0€"
    assert money.format_money(250, "EUR", "ru") == "2,50\xa0€"
    assert money.format_plain(250, "EUR") == "2.50"
    assert money.format_plain(3000, "JPY") == "3000"


def test_covering_fees_rounds_up():
    from decimal import Decimal

    assert money.percentage_of(2500, Decimal("3")) == 75
    assert money.percentage_of(1001, Decimal("3")) == 31


@pytest.mark.django_db
def test_amounts_come_from_the_admin_rows_seeded_by_migration(settings):
    table = all_amounts()
    assert {currency for currency, _ in table} == {"USD", "EUR", "GBP", "JPY"}
    assert table[("JPY", "once")].minimum == 300
    assert currencies(table)[0] == settings.SUPPORT_DEFAULT_CURRENCY
    AmountSet.objects.filter(currency="GBP").update(active=False)
    assert "GBP" not in currencies(all_amounts())


@pytest.mark.django_db
def test_defaults_apply_when_staff_saved_none():
    AmountSet.objects.all().delete()
    assert len(all_amounts()) == len(default_amounts()) == 12


@pytest.mark.django_db
def test_defaults_apply_when_staff_offer_none(client, site):
    AmountSet.objects.update(active=False)
    assert len(all_amounts()) == 12
    assert 'value="USD:2500" checked' in client.get("/en/support/").content.decode()


def test_one_currency_check_for_every_currency_field():
    money.validate_currency("JPY")
    with pytest.raises(ValidationError):
        money.validate_currency("XYZ")
    for model in (AmountSet, Contribution, Payment, RecurringPlan):
        field = model._meta.get_field("currency")
        assert isinstance(field, money.CurrencyField)
        with pytest.raises(ValidationError):
            field.run_validators("usd")
