import pytest

PLUGIN = "tests.stripe_peer.pytest_plugin"


def pytest_configure(config: pytest.Config) -> None:
    # Register the peer's fixtures for its own tests. import_plugin is a no-op when the root
    # conftest already lists the plugin in `pytest_plugins`, so the session runs one peer.
    config.pluginmanager.import_plugin(PLUGIN)
