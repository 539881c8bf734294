"""Writes: functions that change state, each in one transaction."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.models import (
    EngagementPlan,
    FollowUp,
    Interaction,
    Invoice,
    InvoiceLine,
    InvoiceSequence,
    Organisation,
    Payment,
    ServiceDelivery,
)
from crm.money import STANDARD_VAT_RATE, ZERO
from crm.workdays import add_working_days

DEFAULT_PAYMENT_TERM_DAYS = 14


class EditConflict(ValidationError):
    """Someone else saved the record after this user opened it."""


def _refuse_stale_edit(model, pk: int, opened_version: datetime | None) -> None:
    """Lock the row and refuse the save if it changed since the form was opened."""
    current = model.objects.select_for_update().only("updated_at").get(pk=pk)
    if opened_version is None or current.updated_at != opened_version:
        raise EditConflict(
            _("Someone else saved this record after you opened it. Reload it to see their changes, then edit again.")
        )


@transaction.atomic
def record_save(*, form, opened_version: datetime | None = None):
    """Save an organisation or person form; an edit of a record changed meanwhile is refused."""
    if form.instance.pk is not None:
        _refuse_stale_edit(type(form.instance), form.instance.pk, opened_version)
    return form.save()


@transaction.atomic
def interaction_log(
    *,
    organisation: Organisation,
    staff,
    kind: str,
    occurred_on: date,
    subject: str,
    notes: str = "",
    outcome: str = "",
    contacts=(),
    themes=(),
    follow_up_title: str = "",
    follow_up_assignee=None,
    follow_up_due_on: date | None = None,
) -> Interaction:
    """Log what happened with an organisation and, optionally, what must happen next."""
    interaction = Interaction(
        organisation=organisation,
        staff=staff,
        kind=kind,
        occurred_on=occurred_on,
        subject=subject,
        notes=notes,
        outcome=outcome,
    )
    interaction.full_clean()
    interaction.save()
    interaction.contacts.set(contacts)
    interaction.themes.set(themes)
    if follow_up_title:
        follow_up = FollowUp(
            organisation=organisation,
            interaction=interaction,
            title=follow_up_title,
            assignee=follow_up_assignee or staff,
            due_on=follow_up_due_on or timezone.localdate(),
            created_by=staff,
        )
        follow_up.full_clean()
        follow_up.save()
    return interaction


def _open_follow_up(pk: int):
    """Only open follow-ups change; a guarded update keeps two clicks from racing."""
    return FollowUp.objects.filter(pk=pk, status=FollowUp.Status.OPEN)


def follow_up_complete(*, follow_up: FollowUp) -> bool:
    """Mark done; False when it was already closed (by someone else, or by a double click)."""
    return bool(
        _open_follow_up(follow_up.pk).update(status=FollowUp.Status.DONE, completed_at=timezone.now())
    )


def follow_up_postpone(*, follow_up: FollowUp, due_on: date) -> bool:
    return bool(_open_follow_up(follow_up.pk).update(due_on=due_on))


def follow_up_reassign(*, follow_up: FollowUp, assignee) -> bool:
    return bool(_open_follow_up(follow_up.pk).update(assignee=assignee))


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


def _assignee_for_role(role: str, applied_by):
    """The person applying the plan if they hold the role, else the member of the role with
    the fewest open follow-ups (ties by name), so plans spread the work."""
    if applied_by.groups.filter(name=role).exists():
        return applied_by
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name=role)
        .annotate(open_count=Count("follow_ups", filter=Q(follow_ups__status=FollowUp.Status.OPEN)))
        .order_by("open_count", "first_name", "username")
        .first()
    )


@transaction.atomic
def engagement_plan_apply(
    *, plan: EngagementPlan, organisation: Organisation, applied_by, start: date | None = None
) -> list[FollowUp]:
    """Create the plan's follow-ups for an organisation, dated in working days from `start`
    (weekends and Georgian public holidays skipped). All of them, or none."""
    start = start or timezone.localdate()
    follow_ups = []
    for step in plan.steps.select_related("assignee"):
        assignee = step.assignee if step.assignee and step.assignee.is_active else None
        assignee = assignee or _assignee_for_role(step.assignee_role or "staff", applied_by)
        if assignee is None:
            raise ValidationError(
                _("Nobody holds the role “%(role)s” to take the step “%(step)s”.")
                % {"role": step.get_assignee_role_display(), "step": step.text}
            )
        follow_ups.append(
            FollowUp(
                organisation=organisation,
                title=step.text,
                assignee=assignee,
                due_on=add_working_days(start, step.offset_working_days),
                created_by=applied_by,
            )
        )
    return FollowUp.objects.bulk_create(follow_ups)


@transaction.atomic
def invoice_draft_for_delivery(*, delivery, created_by) -> Invoice:
    """A draft invoice with one line for a paid delivery, at the agreed price and the
    service's VAT; refused when the delivery is free or already invoiced."""
    delivery = ServiceDelivery.objects.select_for_update().select_related("service").get(pk=delivery.pk)
    if not delivery.service.is_paid or delivery.price_agreed is None:
        raise ValidationError(_("Only a paid delivery with an agreed price can be invoiced."))
    if delivery.invoice_lines.filter(invoice__kind=Invoice.Kind.INVOICE, invoice__credit_note__isnull=True).exists():
        raise ValidationError(_("This delivery is already on an invoice."))
    invoice = Invoice.objects.create(
        client_organisation=delivery.client_organisation,
        client_municipality=delivery.client_municipality,
        created_by=created_by,
    )
    InvoiceLine.objects.create(
        invoice=invoice,
        delivery=delivery,
        description=delivery.service.name_ka,
        quantity=1,
        unit_price=delivery.price_agreed,
        vat_rate=STANDARD_VAT_RATE if delivery.service.vat_applies else ZERO,
    )
    return invoice


@transaction.atomic
def invoice_cancel(*, invoice: Invoice, cancelled_by, issued_on: date | None = None) -> Invoice:
    """Cancel an issued invoice the way accountants do: an issued credit note that refers to
    it and carries its lines negated. The invoice itself is never edited."""
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if not invoice.is_issued or invoice.kind != Invoice.Kind.INVOICE:
        raise ValidationError(_("Only an issued invoice can be cancelled."))
    if invoice.is_cancelled:
        raise ValidationError(_("This invoice is already cancelled."))
    if invoice.payments.exists():
        raise ValidationError(_("This invoice has payments; it cannot be cancelled."))
    Invoice.objects.filter(cancels=invoice, number__isnull=True).delete()  # an abandoned draft note
    credit_note = Invoice.objects.create(
        kind=Invoice.Kind.CREDIT_NOTE,
        cancels=invoice,
        client_organisation=invoice.client_organisation,
        client_municipality=invoice.client_municipality,
        language=invoice.language,
        created_by=cancelled_by,
    )
    InvoiceLine.objects.bulk_create(
        InvoiceLine(
            invoice=credit_note,
            delivery=line.delivery,
            description=line.description,
            quantity=-line.quantity,
            unit_price=line.unit_price,
            vat_rate=line.vat_rate,
        )
        for line in invoice.lines.all()
    )
    return invoice_issue(invoice=credit_note, issued_on=issued_on)
