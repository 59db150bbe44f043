from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NewslettersConfig(AppConfig):
    name = "tamizdat.newsletters"
    verbose_name = _("Newsletters")

    def ready(self) -> None:
        from anymail.signals import tracking

        from . import esp, signals  # noqa: F401  (a changed newsletter retires cached pages)

        tracking.connect(esp.suppress_on_event, dispatch_uid="tamizdat.newsletters.suppress")
