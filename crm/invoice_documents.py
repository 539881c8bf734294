"""The invoice as a document: the centre's details, the language it is written in, and the PDF."""

from __future__ import annotations

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import translation

from crm.models import Invoice

LANGUAGES = ("ka", "en")


def document_language(invoice: Invoice, requested: str | None) -> str:
    """The language asked for in the address, else the one the invoice was issued in."""
    return requested if requested in LANGUAGES else invoice.language


def centre_details(language: str) -> dict:
    return {
        "name": settings.CENTRE_NAME_KA if language == "ka" else settings.CENTRE_NAME,
        "identification_code": settings.CENTRE_IDENTIFICATION_CODE,
        "address": settings.CENTRE_ADDRESS,
        "phone": settings.CENTRE_PHONE,
        "email": settings.CENTRE_EMAIL,
        "bank_account": settings.CENTRE_BANK_ACCOUNT,
        "bank_name": settings.CENTRE_BANK_NAME,
    }


def invoice_pdf(invoice: Invoice, language: str) -> bytes:
    # Imported here: WeasyPrint loads Pango when imported, which only this path needs.
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    with translation.override(language):
        html = render_to_string(
            "crm/invoice_pdf.html", {"invoice": invoice, "centre": centre_details(language), "for_pdf": True}
        )
    # Stylesheets are read from disk so that fonts resolve as files, never over HTTP to ourselves.
    # Without a FontConfiguration WeasyPrint ignores @font-face and takes whatever the system
    # has: the vendored Noto Sans Georgian must not depend on the server's fonts.
    fonts = FontConfiguration()
    stylesheets = [
        CSS(filename=finders.find(name), font_config=fonts) for name in ("css/fonts.css", "css/invoice-pdf.css")
    ]
    return HTML(string=html).write_pdf(stylesheets=stylesheets, font_config=fonts)


def pdf_filename(invoice: Invoice, language: str) -> str:
    name = invoice.number or f"draft-{invoice.pk}"
    return f"{name}-{language}.pdf"
