"""The Stripe peer's fixtures, its webhook receiver and its own tests (the peer itself is
`tamizdat.stripe_peer`)."""
