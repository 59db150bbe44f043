"""A Stripe-API peer on loopback: localstripe, extended with what Tamizdat needs. The test
suite talks to it, and `tamizdat demo` offers it as the demo's card processor (no money moves).

Start it with `python -m tamizdat.stripe_peer --host 127.0.0.1 --port 8420`, or with
`tamizdat.stripe_peer.control.StripePeer` (the tests' `stripe_peer` fixture,
tests/stripe_peer/pytest_plugin.py, wraps it). See README.md in this directory. Importing this
package does not import localstripe; only the server process (`server.py`) does.
"""
