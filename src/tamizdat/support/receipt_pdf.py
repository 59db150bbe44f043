"""A receipt as a PDF, for donors who file them: the lines of the mailed receipt under the
newsroom's name and address, drawn by fpdf2 in a font that has Cyrillic (RECEIPT_FONT)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext
from fpdf import FPDF

FONT = "receipt"


def receipt_pdf(context: dict[str, Any]) -> bytes:
    """`context` is the HTML receipt's: the payment, the supporter, the newsroom's name and
    address; everything is written in the supporter's language."""
    payment = context["payment"]
    with translation.override(context["supporter"].language):
        title = gettext("Receipt %(number)s") % {"number": payment.receipt_number}
        lines = render_to_string("support/email/receipt_lines.txt", context).strip()
    document = FPDF(format="A4")
    document.set_title(title)
    document.set_author(context["site_name"])
    document.add_page()
    document.add_font(FONT, fname=settings.RECEIPT_FONT)
    document.set_font(FONT, size=11)
    newsroom = [context["site_name"], context["newsroom_address"]]
    document.multi_cell(0, 6, "\n".join(line for line in newsroom if line))
    document.ln(8)
    document.set_font(FONT, size=18)
    document.multi_cell(0, 10, title)
    document.ln(4)
    document.set_font(FONT, size=11)
    document.multi_cell(0, 7, lines)
    return bytes(document.output())
