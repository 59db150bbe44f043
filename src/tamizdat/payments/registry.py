"""The payment providers this newsroom has, in the order readers see them."""

from __future__ import annotations

from functools import cache

from .bank import BankTransferProvider
from .base import PaymentProvider
from .stripe import StripeProvider


@cache
def _all() -> tuple[PaymentProvider, ...]:
    return (StripeProvider(), BankTransferProvider())


def enabled_providers() -> list[PaymentProvider]:
    return [provider for provider in _all() if provider.is_enabled()]


def get_provider(identifier: str) -> PaymentProvider | None:
    return next((p for p in _all() if p.identifier == identifier), None)
