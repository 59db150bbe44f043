"""`TAMIZDAT_NEWSLETTER_RATE`: per second, per hour or both; anything else stops start-up
with one line naming the variable."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from tamizdat.environment import newsletter_rate


@pytest.mark.parametrize(
    ("value", "rate"),
    [
        ("10/s", {"second": 10}),
        ("100/h", {"hour": 100}),
        ("14/s, 3000/h", {"second": 14, "hour": 3000}),
    ],
)
def test_a_rate_per_second_and_per_hour(monkeypatch, value, rate):
    monkeypatch.setenv("TAMIZDAT_NEWSLETTER_RATE", value)
    assert newsletter_rate() == rate


def test_the_default_is_ten_a_second(monkeypatch):
    monkeypatch.delenv("TAMIZDAT_NEWSLETTER_RATE", raising=False)
    assert newsletter_rate() == {"second": 10}


@pytest.mark.parametrize("value", ["", "fast", "10", "10/m", "0/s", "-1/s", "1.5/s", "1/s,2/s"])
def test_a_malformed_rate_is_named(monkeypatch, value):
    monkeypatch.setenv("TAMIZDAT_NEWSLETTER_RATE", value)
    with pytest.raises(ImproperlyConfigured, match=r"^TAMIZDAT_NEWSLETTER_RATE must be") as error:
        newsletter_rate()
    assert "\n" not in str(error.value)
