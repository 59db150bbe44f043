"""What payment providers announce to whoever listens, without knowing who that is."""

from django.dispatch import Signal

# A card was declined at the processor for one of our checkouts. The card-testing defence
# counts it toward a burst; `sender` is the provider's identifier.
card_declined = Signal()
