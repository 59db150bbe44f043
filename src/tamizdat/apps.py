from django.apps import AppConfig


class TamizdatConfig(AppConfig):
    """The project itself, as an app, so that its commands (`demo`, `serve`) have a home."""

    name = "tamizdat"
    verbose_name = "Tamizdat"

    def ready(self) -> None:
        from tamizdat import checks  # noqa: F401 (registers them)
