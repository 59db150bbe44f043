"""The newsroom's addresses: the main site, its mirrors, copies on object storage, the onion.

Staff keep them in the admin; a bucket that `tamizdat mirror push` fills is added by itself
and carries the outcome of its last push. Only active addresses are published (the mirror list,
the "How to reach us" page, every static copy); marking one blocked or retired withdraws it.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel


class Address(models.Model):
    class Kind(models.TextChoices):
        MAIN = "main", _("Main site")
        MIRROR = "mirror", _("HTTPS mirror")
        OBJECT_STORE = "object_store", _("Object-store copy")
        ONION = "onion", _("Onion service")
        OTHER = "other", _("Other")

    class State(models.TextChoices):
        ACTIVE = "active", _("Active")
        BLOCKED = "blocked", _("Blocked")
        RETIRED = "retired", _("Retired")

    url = models.URLField(_("address"), max_length=500, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.MIRROR)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.ACTIVE)
    note = models.TextField(_("note"), blank=True, help_text=_("For staff only; never shown."))
    added_at = models.DateTimeField(_("added"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    target = models.CharField(
        _("push target"),
        max_length=100,
        blank=True,
        editable=False,
        help_text=_("The bucket of TAMIZDAT_MIRROR_TARGETS that `tamizdat mirror push` fills."),
    )
    last_pushed_at = models.DateTimeField(_("last successful push"), null=True, editable=False)
    last_error = models.TextField(_("last push error"), blank=True, editable=False)

    panels = [FieldPanel("url"), FieldPanel("kind"), FieldPanel("state"), FieldPanel("note")]

    class Meta:
        verbose_name = _("address")
        verbose_name_plural = _("addresses")
        ordering = ["kind", "url"]

    def __str__(self) -> str:
        return self.url
