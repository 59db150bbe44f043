"""Dates on the command line: a wrong one is a clear error, before any work is done."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command


@pytest.mark.django_db
@pytest.mark.parametrize(
    "command", [("reconcile", "--since"), ("reconcile", "--until"), ("send_receipts", "--since")]
)
def test_a_wrong_date_is_named_with_the_form_expected(command):
    with pytest.raises(CommandError, match=r"not a date: 31/12/2026 \(use YYYY-MM-DD\)"):
        call_command(*command, "31/12/2026")
