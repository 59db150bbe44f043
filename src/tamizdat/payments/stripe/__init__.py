"""Stripe through its official SDK and hosted Checkout: no Stripe script on our pages.

`provider` is what Tamizdat asks of Stripe, `events` applies Stripe's webhooks to the ledger,
`reconcile` compares the two and repairs drift through the same handlers. Only
`TAMIZDAT_STRIPE_API_BASE` differs between production and the test suite's Stripe peer.
"""

from .provider import StripeProvider

__all__ = ["StripeProvider"]
