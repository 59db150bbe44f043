"""pytest fixtures for the Stripe peer.

Enable with `pytest_plugins = ["tests.stripe_peer.pytest_plugin"]` in the root conftest.py (or
import the fixtures into a conftest). The peer runs as a subprocess because localstripe keeps
its state in module globals; one peer serves the whole session.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tamizdat.stripe_peer.control import StripePeer


@pytest.fixture(scope="session")
def stripe_peer() -> Iterator[StripePeer]:
    """A running peer, with the global `stripe` SDK configuration pointed at it."""
    # Imported here so that merely loading the plugin does not require the SDK.
    import stripe

    peer = StripePeer().start()
    saved = (stripe.api_base, stripe.api_key)
    stripe.api_base, stripe.api_key = peer.base_url, peer.api_key
    try:
        yield peer
    finally:
        stripe.api_base, stripe.api_key = saved
        peer.stop()


@pytest.fixture
def stripe_peer_reset(stripe_peer: StripePeer) -> StripePeer:
    """The session's peer, emptied first (objects, events, webhook endpoints, held events)."""
    stripe_peer.reset()
    return stripe_peer
