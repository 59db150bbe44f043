"""A Stripe API peer for tests: localstripe, extended with what Tamizdat needs.

Start it with `python -m tests.stripe_peer --host 127.0.0.1 --port 8420`, or from tests with
`tests.stripe_peer.control.StripePeer` / the `stripe_peer` fixture in `pytest_plugin`. See
README.md in this directory. Importing this package does not import localstripe; only the
server process (`server.py`) does.
"""
