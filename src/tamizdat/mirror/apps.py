from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MirrorConfig(AppConfig):
    name = "tamizdat.mirror"
    verbose_name = _("Mirrors")

    def ready(self) -> None:
        from . import signals  # noqa: F401  (a changed address retires cached pages)
