"""Suggested amounts as staff write them ("5, 10*, 20"): read with the site's one grammar of
amounts, and refused with a reason in the staff member's language."""

import pytest
from django.utils import translation

from tamizdat.prompts.amount_lists import AmountListError, SuggestedAmount, parse


def test_amounts_are_read_the_way_the_contribution_form_reads_them():
    assert parse("$5  10.50*; 20", "USD") == (
        SuggestedAmount(500, False),
        SuggestedAmount(1050, True),
        SuggestedAmount(2000, False),
    )
    assert parse("500, 1000", "JPY")[0] == SuggestedAmount(500, True)  # the first by default


@pytest.mark.parametrize(
    ("text", "english", "russian"),
    [
        ("5, x", "“x” is not an amount; write amounts like 5, 10*, 20.", "«x» — не сумма"),
        ("5, 10**", "“10**” is not an amount", "«10**» — не сумма"),
        ("0, 5", "Amounts must be more than zero.", "Суммы должны быть больше нуля."),
        ("1 2 3 4 5 6 7", "At most 6 amounts.", "Не больше 6 сумм."),
        ("5*, 10*", "Mark at most one amount as the default.", "не больше одной суммы"),
        ("5, 5.00", "An amount appears twice.", "Одна из сумм повторяется."),
        ("2.50", "JPY has no amounts like 2.50.", "В JPY нет таких сумм: 2.50."),
    ],
)
def test_a_list_staff_cannot_save_says_why_in_their_language(text, english, russian):
    for language, reason in (("en", english), ("ru", russian)):
        with translation.override(language), pytest.raises(AmountListError) as refused:
            parse(text, "JPY")
        assert reason in str(refused.value), language
