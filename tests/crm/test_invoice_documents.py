"""The invoice as a document: in Georgian or English, on the page and as a PDF."""

from decimal import Decimal
from io import BytesIO

import pytest
from pypdf import PdfReader

from crm.services import invoice_issue, payment_record
from tests.crm.factories import InvoiceLineFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager_client(client, user_in_role):
    client.force_login(user_in_role("manager"))
    return client


@pytest.fixture
def issued_invoice(settings):
    settings.CENTRE_BANK_ACCOUNT = "GE29NB0000000101904917"
    client = OrganisationFactory(name="იმერეთის ახალგაზრდული ცენტრი", identification_code="404040404")
    line = InvoiceLineFactory(
        invoice__client_organisation=client,
        description="ტრენინგი: პროექტის წერა",
        quantity=Decimal("2"),
        unit_price=Decimal("125.50"),
        vat_rate=18,
    )
    return invoice_issue(invoice=line.invoice)


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(content)).pages)


def test_the_pdf_carries_the_number_client_lines_and_totals_in_georgian(manager_client, issued_invoice):
    response = manager_client.get(f"/invoices/{issued_invoice.pk}/?format=pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f'filename="{issued_invoice.number}-ka.pdf"' in response["Content-Disposition"]
    text = pdf_text(response.content)
    assert issued_invoice.number in text
    assert "იმერეთის ახალგაზრდული ცენტრი" in text
    assert "ინვოისი" in text  # "invoice": the document speaks Georgian
    assert "296,18" in text  # 2 × 125.50 = 251.00, VAT 45.18: the Georgian decimal comma
    assert "GE29NB0000000101904917" in text


def test_the_english_pdf_speaks_english_with_the_same_figures(manager_client, issued_invoice):
    response = manager_client.get(f"/invoices/{issued_invoice.pk}/?format=pdf&lang=en")
    text = pdf_text(response.content)
    assert "Invoice" in text or "invoice" in text
    assert "Kutaisi Civil Society Resource Centre" in text
    assert "296.18" in text
    assert "ინვოისი" not in text


def test_the_page_shows_the_document_in_the_language_asked_for(manager_client, issued_invoice):
    georgian = manager_client.get(f"/invoices/{issued_invoice.pk}/").content.decode()
    english = manager_client.get(f"/invoices/{issued_invoice.pk}/?lang=en").content.decode()
    assert '<article class="card invoice" id="invoice" lang="ka">' in georgian and "296,18" in georgian
    assert '<article class="card invoice" id="invoice" lang="en">' in english and "296.18" in english
    # The page around the document stays in the user's language.
    assert "გადახდები" in english


def test_an_unknown_language_falls_back_to_the_invoices_own(manager_client, issued_invoice):
    page = manager_client.get(f"/invoices/{issued_invoice.pk}/?lang=xx").content.decode()
    assert f'lang="{issued_invoice.language}"' in page


def test_the_pdf_of_a_partly_paid_invoice_shows_what_is_outstanding(manager_client, issued_invoice):
    payment_record(
        invoice=issued_invoice, amount=Decimal("96.18"), paid_on=issued_invoice.issued_on, method="bank"
    )
    text = pdf_text(manager_client.get(f"/invoices/{issued_invoice.pk}/?format=pdf").content)
    assert "200,00" in text and "96,18" in text


def test_the_pdf_is_set_in_the_vendored_noto_sans_georgian_whatever_the_server_has(manager_client, issued_invoice):
    # A server without Noto fonts once got DejaVu: @font-face was ignored without a FontConfiguration.
    response = manager_client.get(f"/invoices/{issued_invoice.pk}/?format=pdf")
    fonts = {
        str(font.get_object()["/BaseFont"]).split("+")[-1]
        for page in PdfReader(BytesIO(response.content)).pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert fonts and all(name.startswith("Noto-Sans-Georgian") or name.startswith("NotoSansGeorgian") for name in fonts), fonts
