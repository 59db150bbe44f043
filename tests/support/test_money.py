"""Money is integer minor units plus a currency; readers see it written their way."""

from decimal import Decimal

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


def babel_text(value, currency, language):
    """Babel's `format_currency`, without the decimals of a whole amount."""
    import re

    from babel import Locale
    from babel.numbers import format_currency

    if value != value.to_integral_value():
        return format_currency(value, currency, locale=language)
    pattern = Locale.parse(language).currency_formats["standard"].pattern
    whole = re.sub(r"\.0+", "", pattern)
    return format_currency(value, currency, whole, locale=language, currency_digits=False)


@pytest.mark.parametrize("language", ["en", "ru", "de", "fr", "ar", "hi", "ja", "pt_BR", "de_CH"])
def test_amounts_read_exactly_as_babel_writes_them(language):
    """Every currency Babel knows, whole or not, large and negative."""
    for currency in sorted(money.KNOWN_CURRENCIES):
        for minor in (0, 1, 250, 2500, 123_456_789, -2550, -2500):
            expected = babel_text(money.to_major(minor, currency), currency, language)
            assert money.format_money(minor, currency, language) == expected, (minor, currency)
        # The meter's whole amount is cut off, never rounded up.
        just_under = 1235 * 10 ** money.exponent(currency) - 1
        expected = babel_text(Decimal(1234), currency, language)
        assert money.format_whole(just_under, currency, language) == expected, currency


def test_covering_fees_rounds_up():
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
