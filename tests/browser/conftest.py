import pytest


@pytest.fixture
def reading_site(site):
    """The shared small newsroom, named for what browser tests do with it."""
    return site
