"""Suggested amounts as staff write them in the admin: "5, 10*, 20" (the default starred)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from tamizdat.support import money

MAX_AMOUNTS = 6
_ITEM = re.compile(r"^(?P<number>\d{1,9}(?:\.\d{1,3})?)(?P<default>\*?)$")


class AmountListError(ValueError):
    pass


@dataclass(frozen=True)
class SuggestedAmount:
    minor: int
    default: bool


def _items(text: str) -> list[tuple[Decimal, bool]]:
    items = []
    for raw in re.split(r"[,;\s]+", text.strip()):
        if not raw:
            continue
        match = _ITEM.match(raw)
        if match is None:
            raise AmountListError(f"“{raw}” is not an amount; write amounts like 5, 10*, 20.")
        try:
            number = Decimal(match["number"])
        except InvalidOperation as error:  # pragma: no cover - the pattern admits only numbers
            raise AmountListError(f"“{raw}” is not an amount.") from error
        if number <= 0:
            raise AmountListError("Amounts must be more than zero.")
        items.append((number, bool(match["default"])))
    if len(items) > MAX_AMOUNTS:
        raise AmountListError(f"At most {MAX_AMOUNTS} amounts.")
    if sum(default for _, default in items) > 1:
        raise AmountListError("Mark at most one amount as the default.")
    if len({number for number, _ in items}) != len(items):
        raise AmountListError("An amount appears twice.")
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
        raise AmountListError(f"{currency} has no amounts like {text}.") from error
    default_index = next((index for index, (_, default) in enumerate(items) if default), 0)
    return tuple(
        SuggestedAmount(minor=minor, default=index == default_index)
        for index, minor in enumerate(amounts)
    )
