from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from crm.models import Invoice, InvoiceLine, Payment
from crm.services import invoice_issue, payment_record
from tests.crm.factories import InvoiceFactory, InvoiceLineFactory

pytestmark = pytest.mark.django_db

money = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999.99"), places=2)
quantity = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999.99"), places=2)
rate = st.sampled_from([Decimal("0.00"), Decimal("18.00")])


def _rounded(amount):
    return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@settings(max_examples=40, deadline=None)
@given(lines=st.lists(st.tuples(quantity, money, rate), min_size=1, max_size=8))
def test_invoice_totals_are_sums_of_rounded_lines(lines):
    invoice = InvoiceFactory()
    for q, p, r in lines:
        InvoiceLineFactory(invoice=invoice, quantity=q, unit_price=p, vat_rate=r)
    invoice = Invoice.objects.get(pk=invoice.pk)
    expected_net = sum((_rounded(q * p) for q, p, _ in lines), Decimal("0"))
    expected_vat = sum((_rounded(_rounded(q * p) * r / 100) for q, p, r in lines), Decimal("0"))
    assert invoice.total_net == expected_net
    assert invoice.total_vat == expected_vat
    assert invoice.total == expected_net + expected_vat
    assert invoice.total == invoice.total.quantize(Decimal("0.01"))


def test_vat_is_rounded_once_per_line_half_up():
    line = InvoiceLine(quantity=Decimal("1.00"), unit_price=Decimal("0.25"), vat_rate=Decimal("18.00"))
    assert line.vat_amount == Decimal("0.05")  # 0.045 rounds half up
    assert line.gross_amount == Decimal("0.30")


def test_issuing_numbers_invoices_gaplessly_per_year(settings):
    settings.INVOICE_NUMBER_PREFIX = "KAV"
    numbers = []
    for issued_on in [date(2026, 3, 1), date(2026, 3, 2), date(2027, 1, 5), date(2026, 12, 31)]:
        line = InvoiceLineFactory()
        numbers.append(invoice_issue(invoice=line.invoice, issued_on=issued_on).number)
    assert numbers == ["KAV-2026-0001", "KAV-2026-0002", "KAV-2027-0001", "KAV-2026-0003"]


def test_a_failed_issue_gives_its_number_back(monkeypatch):
    from crm import services

    first = InvoiceLineFactory().invoice
    second = InvoiceLineFactory().invoice
    original = services._copy_client_details

    def explode(invoice):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(services, "_copy_client_details", explode)
    with pytest.raises(RuntimeError):
        invoice_issue(invoice=first, issued_on=date(2026, 5, 1))
    monkeypatch.setattr(services, "_copy_client_details", original)
    assert invoice_issue(invoice=second, issued_on=date(2026, 5, 1)).sequence == 1
    assert Invoice.objects.get(pk=first.pk).number is None


def test_changing_the_prefix_mid_year_continues_the_count(settings):
    settings.INVOICE_NUMBER_PREFIX = "KAV"
    invoice_issue(invoice=InvoiceLineFactory().invoice, issued_on=date(2026, 2, 1))
    settings.INVOICE_NUMBER_PREFIX = "KRC"
    assert invoice_issue(invoice=InvoiceLineFactory().invoice, issued_on=date(2026, 3, 1)).number == "KRC-2026-0002"


def test_only_an_issued_credit_note_cancels_an_invoice():
    invoice = invoice_issue(invoice=InvoiceLineFactory().invoice)
    credit_note = InvoiceFactory(kind=Invoice.Kind.CREDIT_NOTE, cancels=invoice)
    invoice = Invoice.objects.get(pk=invoice.pk)
    assert invoice.status != Invoice.Status.CANCELLED
    InvoiceLineFactory(invoice=credit_note, unit_price=Decimal("-100.00"))
    invoice_issue(invoice=credit_note)
    invoice = Invoice.objects.get(pk=invoice.pk)
    assert invoice.status == Invoice.Status.CANCELLED
    assert invoice.amount_outstanding == Decimal("0.00")


def test_an_ordinary_invoice_cannot_claim_to_cancel_another():
    from django.db import IntegrityError, transaction

    invoice = invoice_issue(invoice=InvoiceLineFactory().invoice)
    with pytest.raises(IntegrityError), transaction.atomic():
        InvoiceFactory(kind=Invoice.Kind.INVOICE, cancels=invoice)


def test_issuing_copies_the_client_details():
    line = InvoiceLineFactory()
    client = line.invoice.client_organisation
    invoice = invoice_issue(invoice=line.invoice)
    client.name = "renamed later"
    client.save()
    invoice.refresh_from_db()
    assert invoice.client_name != "renamed later"
    assert invoice.client_identification_code == client.identification_code


def test_an_empty_draft_cannot_be_issued():
    with pytest.raises(ValidationError):
        invoice_issue(invoice=InvoiceFactory())
    assert Invoice.objects.get().number is None


def test_status_is_derived_from_payments_and_dates():
    line = InvoiceLineFactory(unit_price=Decimal("100.00"), vat_rate=Decimal("18.00"))
    invoice = InvoiceFactory._meta.model.objects.get(pk=line.invoice_id)
    assert invoice.status == Invoice.Status.DRAFT
    issued_on = date(2026, 1, 10)
    invoice = invoice_issue(invoice=invoice, issued_on=issued_on, due_on=issued_on + timedelta(days=14))
    assert invoice.status_on(issued_on) == Invoice.Status.ISSUED
    payment_record(invoice=invoice, amount=Decimal("18.00"), paid_on=issued_on)
    assert invoice.status_on(issued_on) == Invoice.Status.PARTLY_PAID
    assert invoice.status_on(issued_on + timedelta(days=15)) == Invoice.Status.OVERDUE
    payment_record(invoice=invoice, amount=Decimal("100.00"), paid_on=issued_on)
    assert invoice.status_on(issued_on + timedelta(days=15)) == Invoice.Status.PAID
    assert invoice.amount_outstanding == Decimal("0.00")


def test_a_payment_beyond_what_is_outstanding_is_refused_and_nothing_is_written():
    line = InvoiceLineFactory(unit_price=Decimal("100.00"), vat_rate=Decimal("0.00"))
    invoice = invoice_issue(invoice=line.invoice)
    with pytest.raises(ValidationError) as error:
        payment_record(invoice=invoice, amount=Decimal("100.01"), paid_on=date(2026, 1, 1))
    assert "100.00" in error.value.messages[0]
    assert not Payment.objects.exists()


def test_invoices_payments_and_organisations_keep_history():
    line = InvoiceLineFactory(unit_price=Decimal("50.00"))
    invoice = invoice_issue(invoice=line.invoice)
    payment_record(invoice=invoice, amount=Decimal("10.00"), paid_on=date(2026, 1, 1))
    assert invoice.history.count() == 2  # drafted, issued
    assert Payment.history.count() == 1
    organisation = invoice.client_organisation
    organisation.name = "ახალი სახელი"
    organisation.save()
    assert organisation.history.count() == 2


@settings(max_examples=25, deadline=None)
@given(payments=st.lists(money, max_size=6))
def test_paid_plus_outstanding_is_the_total(payments):
    line = InvoiceLineFactory(unit_price=Decimal("1000.00"), vat_rate=Decimal("18.00"))
    invoice = invoice_issue(invoice=line.invoice)
    for amount in payments:
        try:
            payment_record(invoice=invoice, amount=amount, paid_on=date(2026, 1, 1))
        except ValidationError:
            assert amount > invoice.amount_outstanding
    assert invoice.amount_paid + invoice.amount_outstanding == invoice.total == Decimal("1180.00")
    assert invoice.amount_outstanding >= 0
