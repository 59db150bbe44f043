"""Suggested amounts as staff write them in the admin: "5, 10*, 20" (the default starred)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext, ngettext

from tamizdat.support import money

MAX_AMOUNTS = 6


class AmountListError(ValueError):
    """A list staff cannot save, with why in the active language."""


@dataclass(frozen=True)
class SuggestedAmount:
    minor: int
    default: bool


def _items(text: str) -> list[tuple[Decimal, bool]]:
    items = []
    for raw in re.split(r"[,;\s]+", text.strip()):
        if not raw:
            continue
        try:
            number = money.parse_number(raw.removesuffix("*"))
        except money.AmountError as error:
            raise AmountListError(
                gettext("“%(item)s” is not an amount; write amounts like 5, 10*, 20.")
                % {"item": raw}
            ) from error
        if number <= 0:
            raise AmountListError(gettext("Amounts must be more than zero."))
        items.append((number, raw.endswith("*")))
    if len(items) > MAX_AMOUNTS:
        raise AmountListError(
            ngettext("At most %(count)d amount.", "At most %(count)d amounts.", MAX_AMOUNTS)
            % {"count": MAX_AMOUNTS}
        )
    if sum(default for _, default in items) > 1:
        raise AmountListError(gettext("Mark at most one amount as the default."))
    if len({number for number, _ in items}) != len(items):
        raise AmountListError(gettext("An amount appears twice."))
    return items


def check_syntax(text: str) -> None:
    _items(text)


def not_offered(chosen: tuple[SuggestedAmount, ...], offered: tuple[int, ...]) -> list[int]:
    """The chosen amounts that the contribution form does not offer."""
    return [amount.minor for amount in chosen if amount.minor not in offered]


def parse(text: str, currency: str) -> tuple[SuggestedAmount, ...]:
    """The amounts in minor units of `currency`; without a starred amount the first is the
    default. Decimals the currency does not have ("2.50" yen) are an error."""
    items = _items(text)
    try:
        amounts = [money.to_minor(number, currency) for number, _ in items]
    except money.AmountError as error:
        raise AmountListError(
            gettext("%(currency)s has no amounts like %(amounts)s.")
            % {"currency": currency, "amounts": text}
        ) from error
    default_index = next((index for index, (_, default) in enumerate(items) if default), 0)
    return tuple(
        SuggestedAmount(minor=minor, default=index == default_index)
        for index, minor in enumerate(amounts)
    )
