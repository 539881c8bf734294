"""Writes: functions that change state, each in one transaction."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import Invoice, InvoiceSequence, Payment

DEFAULT_PAYMENT_TERM_DAYS = 14


def invoice_number(prefix: str, year: int, sequence: int) -> str:
    return f"{prefix}-{year}-{sequence:04d}"


def _next_invoice_sequence(year: int) -> int:
    """Take the next number of the year while holding the sequence row's lock.

    The lock lasts until the issuing transaction commits, so concurrent issuers queue and a
    rolled-back issue gives its number back: the numbers stay gapless.
    """
    InvoiceSequence.objects.get_or_create(year=year)
    counter = InvoiceSequence.objects.select_for_update().get(year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return counter.last_number


def _copy_client_details(invoice: Invoice) -> None:
    if invoice.client_organisation_id:
        client = invoice.client_organisation
        invoice.client_name = client.name
        invoice.client_identification_code = client.identification_code or ""
        invoice.client_address = client.address
    elif invoice.client_municipality_id:
        invoice.client_name = str(invoice.client_municipality)
        invoice.client_identification_code = ""
        invoice.client_address = ""


@transaction.atomic
def invoice_issue(*, invoice: Invoice, issued_on: date | None = None, due_on: date | None = None) -> Invoice:
    """Give a draft its number and freeze the client's details on it."""
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.is_issued:
        raise ValidationError(_("This invoice has already been issued."))
    if not invoice.lines.exists():
        raise ValidationError(_("An invoice needs at least one line before it is issued."))
    if not (invoice.client_organisation_id or invoice.client_municipality_id):
        raise ValidationError(_("Choose who the invoice is for before issuing it."))
    issued_on = issued_on or timezone.localdate()
    invoice.year = issued_on.year
    invoice.sequence = _next_invoice_sequence(invoice.year)
    invoice.number = invoice_number(settings.INVOICE_NUMBER_PREFIX, invoice.year, invoice.sequence)
    invoice.issued_on = issued_on
    invoice.due_on = due_on or issued_on + timedelta(days=DEFAULT_PAYMENT_TERM_DAYS)
    _copy_client_details(invoice)
    invoice.save()
    return invoice


def payment_check(*, invoice: Invoice, amount: Decimal) -> None:
    """Why a payment of `amount` cannot be taken on `invoice`, as a ValidationError."""
    if not invoice.is_issued or invoice.kind != Invoice.Kind.INVOICE:
        raise ValidationError(_("Payments are recorded against issued invoices only."))
    if invoice.is_cancelled:
        raise ValidationError(_("This invoice was cancelled; it takes no payments."))
    if amount is None or amount <= 0:
        raise ValidationError(_("A payment must be more than zero."))
    outstanding = invoice.amount_outstanding
    if amount > outstanding:
        raise ValidationError(
            _("This payment (%(amount)s ₾) is more than the %(outstanding)s ₾ outstanding.")
            % {"amount": amount, "outstanding": outstanding}
        )


@transaction.atomic
def payment_record(
    *,
    invoice: Invoice,
    amount: Decimal,
    paid_on: date,
    method: str = Payment.Method.BANK_TRANSFER,
    reference: str = "",
    recorded_by=None,
) -> Payment:
    """Record money received; never more than is outstanding."""
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    payment_check(invoice=invoice, amount=amount)
    payment = Payment(
        invoice=invoice,
        amount=amount,
        paid_on=paid_on,
        method=method,
        reference=reference,
        recorded_by=recorded_by,
    )
    payment.full_clean()
    payment.save()
    return payment
