from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NewslettersConfig(AppConfig):
    name = "tamizdat.newsletters"
    verbose_name = _("Newsletters")

    def ready(self) -> None:
        from . import signals  # noqa: F401  (a changed newsletter retires cached pages)
