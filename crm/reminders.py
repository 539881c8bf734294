"""The weekly reminder of overdue invoices, mailed to the people who may see money.

A send, step by step:
1. Select the invoices overdue today, with their lines, payments and credit notes fetched
   once, so the queries do not grow with the number of invoices.
2. If none is overdue, stop: a mail that says "nothing" teaches people to ignore the next one.
3. Render the mail once, in the centre's language: users have no language of their own in
   Kavshiri (the switch is a browser cookie), and Georgian is the centre's.
4. Send each recipient a separate mail over one connection, so that one refused address does
   not keep the reminder from the others.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from config.mail import absolute_url, send_each
from config.roles import MANAGER
from crm.models import Invoice
from crm.money import ZERO
from crm.selectors import invoice_list

TEMPLATE = "crm/email/overdue_invoices"


@dataclass(frozen=True)
class OverdueInvoice:
    number: str
    client: str
    due_on: date
    days_overdue: int
    outstanding: Decimal
    url: str


def overdue_invoices(*, today: date) -> list[OverdueInvoice]:
    """Invoices overdue on `today`, the longest overdue first, with what is still owed.

    SQL only narrows to issued invoices past their due date; the model's status then decides
    (paid, cancelled by a credit note), so "overdue" means what it means on the invoice page.
    """
    candidates = invoice_list().filter(kind=Invoice.Kind.INVOICE, number__isnull=False, due_on__lt=today)
    return [
        _overdue(invoice, today)
        for invoice in candidates.order_by("due_on", "year", "sequence")
        if invoice.status_on(today) == Invoice.Status.OVERDUE
    ]


def _overdue(invoice: Invoice, today: date) -> OverdueInvoice:
    return OverdueInvoice(
        number=invoice.number,
        # Frozen on the invoice when it was issued; the client's record may have changed since.
        client=invoice.client_name or str(invoice.client_organisation or invoice.client_municipality),
        due_on=invoice.due_on,
        days_overdue=(today - invoice.due_on).days,
        outstanding=invoice.amount_outstanding,
        url=absolute_url(reverse("invoice_detail", args=[invoice.pk])),
    )


def reminder_recipients() -> QuerySet:
    """Active users with an email who may see money: admins and managers, as can_see_money
    decides through role_of, but in one query rather than one per user."""
    return (
        get_user_model()
        .objects.filter(Q(is_superuser=True) | Q(groups__name=MANAGER), is_active=True)
        .exclude(email="")
        .distinct()
        .order_by("pk")
    )


def overdue_invoices_remind(*, today: date | None = None) -> int:
    """Mail the overdue invoices to everyone who may see money; returns the mails sent."""
    today = today or timezone.localdate()
    invoices = overdue_invoices(today=today)
    emails = list(reminder_recipients().values_list("email", flat=True))
    if not invoices or not emails:
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        subject, text, html = _render(invoices, today)
    messages = [_message(subject, text, html, email) for email in emails]
    return send_each(messages, what="Overdue invoice reminder")


def _message(subject: str, text: str, html: str, email: str) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(subject, text, to=[email])
    message.attach_alternative(html, "text/html")
    return message


def _render(invoices: list[OverdueInvoice], today: date) -> tuple[str, str, str]:
    context = {
        "invoices": invoices,
        "total": sum((invoice.outstanding for invoice in invoices), ZERO),
        "today": today,
        "centre_name": settings.CENTRE_NAME,
        "invoice_list_url": absolute_url(reverse("invoice_list")),
    }
    subject = _("Overdue invoices: %(count)s") % {"count": len(invoices)}
    text = render_to_string(f"{TEMPLATE}.txt", context)
    html = render_to_string(f"{TEMPLATE}.html", context)
    return subject, text, html
