"""The payment providers this newsroom has, in the order readers see them: the one place a rail
is added."""

from __future__ import annotations

from functools import cache

from django.utils.functional import Promise

from .bank import BankTransferProvider
from .base import PaymentProvider
from .stripe import StripeProvider


@cache
def all_providers() -> tuple[PaymentProvider, ...]:
    return (StripeProvider(), BankTransferProvider())


def enabled_providers() -> list[PaymentProvider]:
    return [provider for provider in all_providers() if provider.is_enabled()]


def get_provider(identifier: str) -> PaymentProvider | None:
    return next((p for p in all_providers() if p.identifier == identifier), None)


def recorded_by_staff() -> list[str]:
    """Identifiers of the rails whose payments staff mark received by hand."""
    return [p.identifier for p in all_providers() if p.recorded_by_staff]


def display_name(identifier: str) -> str | Promise:
    """A rail's name for people ("Bank transfer"), or its identifier if it was removed."""
    provider = get_provider(identifier)
    return provider.verbose_name if provider is not None else identifier
