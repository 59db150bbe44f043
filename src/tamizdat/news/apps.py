from django.apps import AppConfig


class NewsConfig(AppConfig):
    name = "tamizdat.news"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (connects cache purging to publishing)
