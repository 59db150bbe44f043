"""The dashboard keeps no rows of its own: its figures are read from the ledger. This model
only carries the permissions staff are given for it."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Dashboard(models.Model):
    class Meta:
        managed = False  # no table: a holder for permissions
        default_permissions = ()
        permissions = [
            ("view_dashboard", _("Can see the revenue dashboard and its exports")),
            ("refund_payment", _("Can refund payments")),
        ]
        verbose_name = _("revenue dashboard")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)


VIEW_PERMISSION = "newsroom.view_dashboard"
REFUND_PERMISSION = "newsroom.refund_payment"
