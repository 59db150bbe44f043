from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PromptsConfig(AppConfig):
    name = "tamizdat.prompts"
    verbose_name = _("Campaigns")

    def ready(self) -> None:
        from . import signals  # noqa: F401  (purges cached pages when a campaign changes)
